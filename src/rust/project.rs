//! The Rust side of the whole-project summary (`project::summary`): the checker calls these
//! while it walks, so the summary costs no second walk of the tree.

use syn::Expr;

use super::checker::{CallKind, CallSite, Checker};
use super::semantic::{is_self, segment_names, ProjectPath};
use crate::project::summary::{BlockingCall, FileSummary, FunctionSummary, ProjectCall, Target};

/// The summary being built, and where the walk is among modules, `impl` blocks and functions.
#[derive(Default)]
pub struct SummaryBuilder {
    summary: FileSummary,
    frames: Vec<Frame>,
}

enum Frame {
    /// An inline `mod` (its name is in the checker's module list).
    Module,
    /// An `impl` or `trait` block, with the path of its type (`None` when it is not a path of
    /// the project).
    Owner(Option<String>),
    Function(usize),
    /// An `async` block in sync code (`tokio::spawn(async move { .. })` in a plain `fn`): a
    /// coroutine of its own, which LG208 starts from like an `async fn`. Not reachable by a
    /// path, and not a method: `self` in it is the enclosing method's.
    AsyncBlock(usize),
}

/// `self::inner::name`: `name` (nothing for the module itself) in the inline module `ups`
/// modules above the innermost of `modules` (the file's inline modules being walked, outermost
/// first), as a path from the file's module.
fn module_path(modules: &[String], ups: usize, name: &str) -> String {
    let mut path = String::from("self");
    if ups > modules.len() {
        path = std::iter::repeat_n("super", ups - modules.len())
            .collect::<Vec<_>>()
            .join("::");
    }
    for module in &modules[..modules.len().saturating_sub(ups)] {
        path.push_str("::");
        path.push_str(module);
    }
    if !name.is_empty() {
        path.push_str("::");
        path.push_str(name);
    }
    path
}

/// The name a summary gives `path`, seen inside the inline `modules`: `crate::a::f`, or
/// relative to the file's module (`self::a::f`, `super::g`).
pub fn project_name(modules: &[String], path: ProjectPath) -> String {
    match path {
        ProjectPath::Crate(path) if path.is_empty() => "crate".to_string(),
        ProjectPath::Crate(path) => format!("crate::{path}"),
        ProjectPath::Relative { ups, path } => module_path(modules, ups, &path),
    }
}

impl SummaryBuilder {
    /// The type of the `impl` block whose method is being visited.
    fn owner(&self) -> Option<&str> {
        let function = self
            .frames
            .iter()
            .rposition(|frame| matches!(frame, Frame::Function(_)))?;
        match self.frames[..function].last()? {
            Frame::Owner(owner) => owner.as_deref(),
            _ => None,
        }
    }

    pub fn enter_module(&mut self) {
        self.frames.push(Frame::Module);
    }

    /// An `impl` or `trait` block of the type named `owner` in the project.
    pub fn enter_owner(&mut self, owner: Option<String>) {
        self.frames.push(Frame::Owner(owner));
    }

    /// A function, in the inline `modules` being walked.
    pub fn enter_function(&mut self, name: &str, is_async: bool, modules: &[String]) {
        let name = match self.frames.last() {
            Some(Frame::Owner(Some(owner))) => format!("{owner}::{name}"),
            // Not reachable by a path: a method of a type outside the project, a nested `fn`.
            Some(Frame::Owner(None)) => format!("<impl>::{name}"),
            Some(Frame::Function(index) | Frame::AsyncBlock(index)) => {
                format!("{}::<fn>::{name}", self.summary.functions[*index].name)
            }
            Some(Frame::Module) | None => module_path(modules, 0, name),
        };
        self.summary.functions.push(FunctionSummary {
            name,
            is_async,
            blocking: Vec::new(),
            calls: Vec::new(),
            acquires_limiter: false,
            is_property: false,
        });
        self.frames
            .push(Frame::Function(self.summary.functions.len() - 1));
    }

    /// An `async` block in sync code: its calls are a coroutine's (see [`Frame::AsyncBlock`]).
    pub fn enter_async_block(&mut self) {
        let name = match self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Function(index) | Frame::AsyncBlock(index) => Some(*index),
            _ => None,
        }) {
            Some(index) => format!("{}::<async>", self.summary.functions[index].name),
            None => "<async>".to_string(),
        };
        self.summary.functions.push(FunctionSummary {
            name,
            is_async: true,
            blocking: Vec::new(),
            calls: Vec::new(),
            acquires_limiter: false,
            is_property: false,
        });
        self.frames
            .push(Frame::AsyncBlock(self.summary.functions.len() - 1));
    }

    /// The function being visited holds a limiter for its whole body.
    pub fn mark_acquires_limiter(&mut self) {
        if let Some(function) = self.current_function() {
            self.summary.functions[function].acquires_limiter = true;
        }
    }

    pub fn exit(&mut self) {
        self.frames.pop();
    }

    fn current_function(&self) -> Option<usize> {
        self.frames.iter().rev().find_map(|frame| match frame {
            Frame::Function(index) | Frame::AsyncBlock(index) => Some(*index),
            _ => None,
        })
    }

    pub fn finish(self) -> FileSummary {
        self.summary
    }
}

/// Records what a call means for the project analysis: a direct blocking call in a sync
/// function, or a call that may reach a project function from the function's own body.
pub fn call(checker: &mut Checker, site: &CallSite) {
    let in_async_body = checker.semantic.in_async_context();
    if !in_async_body && !checker.semantic.in_sync_function_body() {
        return;
    }
    let blocking = if in_async_body {
        None
    } else {
        checker
            .blocking(site)
            .map(|(rule, name)| (rule, name.to_string()))
    };
    let callee = match blocking {
        Some(_) => None,
        None => callee(checker, site),
    };
    if blocking.is_none() && callee.is_none() {
        return;
    }
    let range = checker.range(site.span());
    let statement_start = checker.statement_start();
    let Some(builder) = checker.summary_builder() else {
        return;
    };
    let Some(function) = builder.current_function() else {
        return;
    };
    if in_async_body && !builder.summary.functions[function].is_async {
        // An `async` block in a sync `fn`: neither the function's own body nor a coroutine.
        return;
    }
    let target = match callee {
        Some(Callee::Path(name)) => Some(name),
        Some(Callee::OwnMethod(method)) => {
            builder.owner().map(|owner| format!("{owner}::{method}"))
        }
        None => None,
    };
    let summary = &mut builder.summary.functions[function];
    if let Some((rule, name)) = blocking {
        summary.blocking.push(BlockingCall {
            rule,
            name,
            offset: range.start(),
            guard: None,
        });
    } else if let Some(target) = target {
        summary.calls.push(ProjectCall {
            target: Target::Path(target),
            range,
            statement_start,
            reads_property: false,
            guard: None,
            streams: Box::default(),
        });
    }
}

enum Callee {
    /// A project path, by its summary name (see [`project_name`]).
    Path(String),
    /// `self.m()` or `Self::m()`: a method of the `impl` block's type.
    OwnMethod(String),
}

fn callee(checker: &Checker, site: &CallSite) -> Option<Callee> {
    match site.kind {
        CallKind::Function(call) => {
            let Expr::Path(path) = call.func.as_ref() else {
                return None;
            };
            if path.qself.is_some() {
                return None;
            }
            let segments = segment_names(&path.path);
            match segments.as_slice() {
                [own, method] if own == "Self" => Some(Callee::OwnMethod(method.clone())),
                _ => named_in_project(checker, &segments).map(Callee::Path),
            }
        }
        CallKind::Method(call) => {
            let method = call.method.to_string();
            if is_self(&call.receiver) {
                return Some(Callee::OwnMethod(method));
            }
            // `fds.send()` on a local or parameter of a project type the code states.
            let owner = checker.semantic.project_type_of(&call.receiver)?;
            let owner = project_name(checker.modules(), owner);
            Some(Callee::Path(format!("{owner}::{method}")))
        }
    }
}

/// The project function whose future a spawn or join is given — `fetch(url)`, or an `async`
/// block that only awaits it (`async move { fetch(&url).await }`) — when a path names it: LG101
/// and LG102 leave it to the project phase whether that function bounds itself.
pub fn spawned_coroutine(checker: &Checker, future: &Expr) -> Option<Target> {
    let call = match future {
        Expr::Call(call) => call,
        Expr::Async(block) => match block.block.stmts.as_slice() {
            [syn::Stmt::Expr(expr, _)] => awaited_call(expr)?,
            _ => return None,
        },
        _ => return None,
    };
    let Expr::Path(function) = call.func.as_ref() else {
        return None;
    };
    project_function(checker, function)
}

/// The project function a path names (`fetch`, `crate::net::fetch`), if it names one.
pub fn project_function(checker: &Checker, function: &syn::ExprPath) -> Option<Target> {
    if function.qself.is_some() {
        return None;
    }
    named_in_project(checker, &segment_names(&function.path)).map(Target::Path)
}

/// `f(..).await`, also behind `?` and the unwrapping calls.
fn awaited_call(expr: &Expr) -> Option<&syn::ExprCall> {
    match expr {
        Expr::Await(awaited) => match awaited.base.as_ref() {
            Expr::Call(call) => Some(call),
            _ => None,
        },
        Expr::Try(tried) => awaited_call(&tried.expr),
        Expr::MethodCall(call)
            if matches!(call.method.to_string().as_str(), "unwrap" | "expect") =>
        {
            awaited_call(&call.receiver)
        }
        _ => None,
    }
}

/// The summary name of an `impl` or `trait` block's type in the project, if it is one.
pub fn owner_path(checker: &Checker, self_type: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = self_type else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    named_in_project(checker, &segment_names(&path.path))
}

/// The summary name of the project item a path's `segments` name where the checker is, if they
/// name one.
fn named_in_project(checker: &Checker, segments: &[String]) -> Option<String> {
    let path = checker.semantic.project_path(segments)?;
    Some(project_name(checker.modules(), path))
}
