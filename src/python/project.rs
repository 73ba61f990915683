//! The Python side of the whole-project summary (`project::summary`): the checker calls these
//! while it walks, so the summary costs no second walk of the tree.

use std::sync::LazyLock;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};

use super::blocking::Blocking;
use super::checker::{CallSite, Checker};
use super::facts::{self, Bounds};
use super::semantic::{Resolved, SemanticModel};
use crate::project::summary::{
    Argument, BlockingCall, Callback, ClassSummary, FileSummary, FunctionSummary, Guard,
    ProjectCall, Target,
};
use crate::registry::Rule;
use crate::rules::LIMITERS;

/// The summary being built, and where the walk is in the file's classes and functions.
#[derive(Default)]
pub struct SummaryBuilder {
    summary: FileSummary,
    frames: Vec<Frame>,
    /// The file's functions and classes by where their statement starts: a call may name a
    /// function defined further down.
    definitions: FxHashMap<TextSize, Frame>,
    /// Every function's calls of possible project functions, in walk order: (function, call).
    /// They go to their functions when the walk is over, each list allocated once at its size.
    calls: Vec<(usize, ProjectCall)>,
    /// Calls of this file's functions and classes (index in `calls`, definition), resolved to
    /// their names at the end.
    local_calls: Vec<(usize, TextSize)>,
    /// Every function's direct blocking calls, in walk order: (function, call).
    blocking: Vec<(usize, BlockingCall)>,
    /// Callbacks of this file's functions (index in the summary's callbacks, definition),
    /// resolved to their names at the end.
    local_callbacks: Vec<(usize, TextSize)>,
    /// The attributes each function reads that may be properties, recorded once each: a
    /// method reads `self.x` over and over, and one read is where the getter's chain starts.
    property_reads: FxHashSet<(usize, Target)>,
}

/// A class or function of the file, by its index in the summary.
#[derive(Clone, Copy)]
enum Frame {
    Class(usize),
    Function(usize),
}

impl SummaryBuilder {
    pub fn new(module: &ast::ModModule) -> Self {
        let mut builder = SummaryBuilder::default();
        for statement in &module.body {
            if let Stmt::ImportFrom(import) = statement {
                let module = import.module.as_ref().map_or("", |module| module.as_str());
                let from = format!("{}{module}", ".".repeat(import.level as usize));
                builder.summary.imports.add_statement(
                    &from,
                    import.names.iter().map(|alias| {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name);
                        (alias.name.as_str(), local.as_str())
                    }),
                );
            }
        }
        builder
    }

    /// The in-file name of a class or function (`Class.method`).
    fn name(&self, frame: Frame) -> &str {
        match frame {
            Frame::Class(index) => &self.summary.classes[index].name,
            Frame::Function(index) => &self.summary.functions[index].name,
        }
    }

    /// The in-file name of the class or function whose statement starts at `start`.
    pub fn name_at(&self, start: TextSize) -> Option<&str> {
        self.definitions.get(&start).map(|frame| self.name(*frame))
    }

    /// A name inside the innermost enclosing class or function (whose name is qualified
    /// already).
    fn qualified(&self, name: &str) -> String {
        match self.frames.last() {
            None => name.to_string(),
            Some(Frame::Class(index)) => format!("{}.{name}", self.summary.classes[*index].name),
            // Like `__qualname__`: a function's locals are not attributes of it, so no dotted
            // name from another file (`make().cleanup()`) can reach them.
            Some(Frame::Function(index)) => {
                format!("{}.<locals>.{name}", self.summary.functions[*index].name)
            }
        }
    }

    pub fn enter_function(
        &mut self,
        function: &ast::StmtFunctionDef,
        accessor: Option<facts::Accessor>,
    ) {
        let mut name = self.qualified(function.name.as_str());
        // The getter alone is the attribute's function: `Class.x` must resolve to it.
        match accessor {
            Some(facts::Accessor::Setter) => name.push_str(".<setter>"),
            Some(facts::Accessor::Deleter) => name.push_str(".<deleter>"),
            Some(facts::Accessor::Getter) | None => {}
        }
        let frame = Frame::Function(self.summary.functions.len());
        self.definitions.insert(function.start(), frame);
        self.summary.def_offsets.push(function.name.start());
        self.summary.functions.push(FunctionSummary {
            name,
            is_async: function.is_async,
            blocking: Vec::new(),
            calls: Vec::new(),
            acquires_limiter: false,
            is_property: accessor == Some(facts::Accessor::Getter),
        });
        self.frames.push(frame);
    }

    pub fn enter_class(&mut self, class: &ast::StmtClassDef, bases: Vec<Target>) {
        let name = self.qualified(class.name.as_str());
        let frame = Frame::Class(self.summary.classes.len());
        self.definitions.insert(class.start(), frame);
        self.summary.classes.push(ClassSummary { name, bases });
        self.frames.push(frame);
    }

    pub fn exit(&mut self) {
        self.frames.pop();
    }

    pub fn mark_acquires_limiter(&mut self) {
        if let Some(Frame::Function(index)) = self.frames.last() {
            self.summary.functions[*index].acquires_limiter = true;
        }
    }

    fn current_function(&self) -> Option<usize> {
        match self.frames.last()? {
            Frame::Function(index) => Some(*index),
            Frame::Class(_) => None,
        }
    }

    /// The class whose method is being visited.
    fn current_class(&self) -> Option<&str> {
        match self.frames.iter().rev().nth(1)? {
            Frame::Class(index) => Some(&self.summary.classes[*index].name),
            Frame::Function(_) => None,
        }
    }

    pub fn finish(mut self) -> FileSummary {
        for (call, definition) in std::mem::take(&mut self.local_calls) {
            if let Some(name) = self.name_at(definition) {
                self.calls[call].1.target = Target::Local(name.to_string());
            }
        }
        for (callback, definition) in std::mem::take(&mut self.local_callbacks) {
            if let Some(name) = self.name_at(definition) {
                self.summary.callbacks[callback].call.target = Target::Local(name.to_string());
            }
        }
        // A local call whose definition the walk never reached is not followed.
        self.calls
            .retain(|(_, call)| !matches!(&call.target, Target::Local(name) if name.is_empty()));
        self.summary.callbacks.retain(
            |callback| !matches!(&callback.call.target, Target::Local(name) if name.is_empty()),
        );
        let functions = &mut self.summary.functions;
        distribute(functions, self.calls, |function| &mut function.calls);
        distribute(functions, self.blocking, |function| &mut function.blocking);
        self.summary
    }
}

/// Hands each function its items (kept in walk order), each list allocated at its size.
fn distribute<T>(
    functions: &mut [FunctionSummary],
    items: Vec<(usize, T)>,
    list: impl Fn(&mut FunctionSummary) -> &mut Vec<T>,
) {
    let mut counts = vec![0; functions.len()];
    for (function, _) in &items {
        counts[*function] += 1;
    }
    for (function, count) in functions.iter_mut().zip(counts) {
        if count > 0 {
            list(function).reserve_exact(count);
        }
    }
    for (function, item) in items {
        list(&mut functions[function]).push(item);
    }
}

/// The base classes a class statement names, as far as the file resolves them.
pub fn class_bases(
    semantic: &SemanticModel,
    builder: &SummaryBuilder,
    class: &ast::StmtClassDef,
) -> Vec<Target> {
    let Some(arguments) = &class.arguments else {
        return Vec::new();
    };
    arguments
        .args
        .iter()
        .filter_map(|base| match semantic.resolve(base)? {
            Resolved::Qualified(name) => Some(Target::Path(name)),
            Resolved::LocalClass(local) => builder
                .name_at(local.start())
                .map(|name| Target::Local(name.to_string())),
            _ => None,
        })
        .collect()
}

/// Records what a call means for the project analysis: a direct blocking call in a sync
/// function, or a call that may reach a project function from the function's own body.
pub fn call(checker: &mut Checker, site: &CallSite) {
    let in_async_body = checker.semantic.in_async_context();
    if !in_async_body && !checker.semantic.in_function_body() {
        return;
    }
    let Some(builder) = checker.summary_builder() else {
        return;
    };
    let Some(function) = builder.current_function() else {
        return;
    };
    if in_async_body {
        acquire_call(checker, site.call);
    } else if runs_once(checker) {
        return;
    }
    let call = site.call;
    if !in_async_body {
        if let Some(blocking) = checker.blocking(site) {
            let name = match blocking {
                Blocking::Call(_) => site.target().unwrap_or_default().to_string(),
                Blocking::Method { receiver_type, .. } => match call.func.as_ref() {
                    Expr::Attribute(attribute) => format!("{receiver_type}.{}", attribute.attr),
                    _ => receiver_type.clone(),
                },
            };
            let blocking = BlockingCall {
                rule: blocking.rule(),
                name,
                offset: call.start(),
                guard: stream_guard(checker, call.range()),
            };
            let builder = checker.summary_builder().expect("checked above");
            builder.blocking.push((function, blocking));
            return;
        }
    }
    callback(checker, site, function, in_async_body);
    let Some(target) = pending_target(
        checker,
        site.target(),
        site.local,
        site.resolved,
        &call.func,
    ) else {
        return;
    };
    let statement_start = checker.semantic.current_statement().map(Ranged::start);
    let guard = match in_async_body {
        true => None,
        false => stream_guard(checker, call.range()),
    };
    let streams = streams(checker, call);
    let builder = checker.summary_builder().expect("checked above");
    let (target, definition) = match target {
        PendingTarget::Known(target) => (target, None),
        PendingTarget::Local(definition) => (Target::Local(String::new()), Some(definition)),
    };
    if let Some(definition) = definition {
        builder.local_calls.push((builder.calls.len(), definition));
    }
    builder.calls.push((
        function,
        ProjectCall {
            target,
            range: call.range(),
            statement_start,
            reads_property: false,
            guard,
            streams: streams.into_boxed_slice(),
        },
    ));
}

/// The parameter of the sync function being visited that the call at `range` is made for only
/// when its argument is no stream.
fn stream_guard(checker: &mut Checker, range: TextRange) -> Option<Box<Guard>> {
    let function = checker.semantic.current_function()?;
    let (parameter, position) =
        facts::parameter_excluding_streams(&checker.semantic, function, range)?;
    // A caller's first argument is a method's second parameter.
    let bound =
        checker.summary_builder()?.current_class().is_some() && !facts::is_staticmethod(function);
    let position = match (position, bound) {
        (Some(0), true) => return None,
        (Some(position), true) => Some(position - 1),
        (position, _) => position,
    };
    Some(Box::new(Guard {
        parameter: parameter.to_string(),
        position: position.map(|position| position as u32),
    }))
}

/// The arguments of `call` that the file shows to be streams. Positions after a `*args` are
/// not known.
fn streams(checker: &Checker, call: &ast::ExprCall) -> Vec<Argument> {
    let arguments = &call.arguments;
    let positional = arguments
        .args
        .iter()
        .take_while(|argument| !argument.is_starred_expr())
        .enumerate()
        .filter(|(_, argument)| facts::is_stream(&checker.semantic, argument))
        .map(|(position, _)| Argument::Position(position as u32));
    let keywords = arguments.keywords.iter().filter_map(|keyword| {
        let name = keyword.arg.as_ref()?;
        facts::is_stream(&checker.semantic, &keyword.value)
            .then(|| Argument::Keyword(name.to_string()))
    });
    positional.chain(keywords).collect()
}

/// What a memoised helper does, directly or through other helpers, happens once: none of it
/// is recorded.
fn runs_once(checker: &Checker) -> bool {
    checker
        .semantic
        .current_function()
        .is_some_and(|function| facts::is_memoised(&checker.semantic, function))
}

/// Records an attribute read in a function's body that runs a getter if the attribute is a
/// property: `obj.x` on a receiver whose type the file states, `self.x` in a method. The
/// project phase follows it only to a property getter.
pub fn attribute(checker: &mut Checker, expr: &Expr) {
    let Expr::Attribute(attribute) = expr else {
        return;
    };
    if !attribute.ctx.is_load() || !checker.semantic.in_function_body() {
        return;
    }
    // `obj.m()` is a call of what the read gives, recorded as a call.
    if matches!(checker.semantic.parent_expression(),
        Some(Expr::Call(call)) if call.func.range() == attribute.range())
    {
        return;
    }
    if !checker.semantic.in_async_context() && runs_once(checker) {
        return;
    }
    let Some(function) = checker
        .summary_builder()
        .and_then(|builder| builder.current_function())
    else {
        return;
    };
    let target = match checker.semantic.resolve(&attribute.value) {
        Some(Resolved::Instance(type_name)) => {
            project_path(&format!("{type_name}.{}", attribute.attr))
        }
        Some(Resolved::SelfInstance) => self_property(checker, expr, attribute),
        _ => None,
    };
    let Some(target) = target else {
        return;
    };
    let statement_start = checker.semantic.current_statement().map(Ranged::start);
    let builder = checker.summary_builder().expect("checked above");
    if !builder.property_reads.insert((function, target.clone())) {
        return;
    }
    builder.calls.push((
        function,
        ProjectCall {
            target,
            range: attribute.range(),
            statement_start,
            reads_property: true,
            guard: None,
            streams: Box::default(),
        },
    ));
}

/// `self.x` in a method: a property of the class, or an attribute the class neither defines
/// nor assigns, which a base class may define as a property.
fn self_property(
    checker: &mut Checker,
    expr: &Expr,
    attribute: &ast::ExprAttribute,
) -> Option<Target> {
    let Expr::Name(receiver) = attribute.value.as_ref() else {
        return None;
    };
    // On the class (`cls.x`), a property is the property object: no getter runs.
    let binding = checker
        .semantic
        .binding(checker.semantic.resolve_name(receiver)?);
    let method = checker.semantic.scope(binding.scope).function?;
    if facts::is_classmethod(method) {
        return None;
    }
    let resolved = checker.semantic.resolve(expr);
    let class = checker.summary_builder()?.current_class()?.to_string();
    let method = attribute.attr.to_string();
    match resolved {
        // By name, not by definition: the name's last definition may be the setter.
        Some(Resolved::LocalFunction(function)) => facts::accessor(&checker.semantic, function)
            .is_some()
            .then(|| Target::Local(format!("{class}.{method}"))),
        Some(_) => None,
        None => Some(Target::inherited(class, method)),
    }
}

/// What calling `callee` may run in the project, from how it resolved: its qualified `target`,
/// a definition of this file (`local`), or, when it did not resolve, a method of a base class.
fn pending_target(
    checker: &mut Checker,
    target: Option<&str>,
    local: Option<TextSize>,
    resolved: bool,
    callee: &Expr,
) -> Option<PendingTarget> {
    match target {
        // `super().m()` resolves to a method of `builtins.super`.
        Some(name) if name.starts_with("builtins.super.") => {
            inherited_method(checker, callee).map(PendingTarget::Known)
        }
        Some(name) => project_path(name).map(PendingTarget::Known),
        None => match (local, resolved) {
            (Some(definition), _) => Some(PendingTarget::Local(definition)),
            (None, true) => None,
            (None, false) => inherited_method(checker, callee).map(PendingTarget::Known),
        },
    }
}

/// The event-loop APIs that run a callable on the loop, with the position of the callable
/// among their arguments. A future's done callbacks run on the loop only for an asyncio
/// future, which async code is taken to hold (`concurrent.futures` ones run them in the
/// worker thread); the loop's own scheduling methods are asyncio's wherever they are called.
const LOOP_CALLBACK_APIS: &[(&str, usize, bool)] = &[
    ("call_soon", 0, false),
    ("call_soon_threadsafe", 0, false),
    ("call_later", 1, false),
    ("call_at", 1, false),
    ("add_reader", 1, false),
    ("add_writer", 1, false),
    ("add_done_callback", 0, true),
];

/// `loop.call_soon(self.reload)`, `fut.add_done_callback(partial(done, key))`: the callable is
/// a root of chains, reported at the registration.
fn callback(checker: &mut Checker, site: &CallSite, function: usize, in_async_body: bool) {
    let Expr::Attribute(attribute) = site.call.func.as_ref() else {
        return;
    };
    let api = attribute.attr.as_str();
    let Some(&(_, position, async_only)) =
        LOOP_CALLBACK_APIS.iter().find(|(name, _, _)| *name == api)
    else {
        return;
    };
    if async_only && !in_async_body {
        return;
    }
    // A `submit(..)` result is a `concurrent.futures` future.
    if matches!(attribute.value.as_ref(), Expr::Call(inner)
        if matches!(inner.func.as_ref(), Expr::Attribute(method) if method.attr.as_str() == "submit"))
    {
        return;
    }
    let Some(mut callable) = site.call.arguments.args.get(position) else {
        return;
    };
    if let Expr::Call(partial) = callable {
        if checker.semantic.call_target(partial).as_deref() != Some("functools.partial") {
            return;
        }
        let Some(wrapped) = partial.arguments.args.first() else {
            return;
        };
        callable = wrapped;
    }
    if !matches!(callable, Expr::Name(_) | Expr::Attribute(_)) {
        return;
    }
    let resolved = checker.semantic.resolve(callable);
    let local = match &resolved {
        Some(Resolved::LocalFunction(definition)) => Some(definition.start()),
        _ => None,
    };
    let is_resolved = resolved.is_some();
    let target = resolved.and_then(Resolved::into_call_target);
    let Some(pending) = pending_target(checker, target.as_deref(), local, is_resolved, callable)
    else {
        return;
    };
    let statement_start = checker.semantic.current_statement().map(Ranged::start);
    let Some(builder) = checker.summary_builder() else {
        return;
    };
    let target = match pending {
        PendingTarget::Known(target) => target,
        PendingTarget::Local(definition) => {
            builder
                .local_callbacks
                .push((builder.summary.callbacks.len(), definition));
            Target::Local(String::new())
        }
    };
    builder.summary.callbacks.push(Callback {
        function: function as u32,
        api: api.to_string(),
        call: ProjectCall {
            target,
            range: site.call.range(),
            statement_start,
            reads_property: false,
            guard: None,
            streams: Box::default(),
        },
    });
}

/// A qualified name that may be a project function's: not a builtin's, not the standard
/// library's.
fn project_path(name: &str) -> Option<Target> {
    (!name.starts_with("builtins.") && !is_standard_library(name))
        .then(|| Target::Path(name.to_string()))
}

/// The function a coroutine call runs when the file imports it rather than defines it: LG101
/// and LG102 leave it to the project phase whether that function bounds itself.
pub fn imported_coroutine(semantic: &SemanticModel, call: &ast::ExprCall) -> Option<Target> {
    project_path(&semantic.call_target(call)?)
}

/// `async with limiter:` in a function's own body: a gathered or spawned call of the function
/// is bounded (what `facts::body_acquires_limiter` finds, seen during the one walk).
pub fn statement(checker: &mut Checker, statement: &Stmt) {
    if let Stmt::With(with) = statement {
        if with.is_async
            && checker.summary_builder().is_some()
            && with
                .items
                .iter()
                .any(|item| is_limiter(checker, &item.context_expr))
        {
            mark_acquires_limiter(checker);
        }
    }
}

/// `await limiter.acquire()`, the other way a function holds a limiter.
fn acquire_call(checker: &mut Checker, call: &ast::ExprCall) {
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return;
    };
    if attribute.attr.as_str() == "acquire"
        && matches!(checker.semantic.parent_expression(), Some(Expr::Await(_)))
        && is_limiter(checker, &attribute.value)
    {
        mark_acquires_limiter(checker);
    }
}

/// A limiter of either fan-out rule's `limiters` option (or a known limiter type).
fn is_limiter(checker: &Checker, expr: &Expr) -> bool {
    [Rule::UnboundedGather, Rule::SpawnInLoop]
        .iter()
        .any(|rule| {
            let bounds = Bounds {
                limiters: checker.settings.python.patterns(*rule, &LIMITERS),
                wrappers: None,
            };
            facts::is_limiter(&checker.semantic, expr, bounds)
        })
}

fn mark_acquires_limiter(checker: &mut Checker) {
    if let Some(builder) = checker.summary_builder() {
        builder.mark_acquires_limiter();
    }
}

enum PendingTarget {
    Known(Target),
    Local(TextSize),
}

/// `self.m()`/`cls.m()` for a method the class does not define itself, or `super().m()`: a
/// method of a base class.
fn inherited_method(checker: &mut Checker, callee: &Expr) -> Option<Target> {
    let Expr::Attribute(attribute) = callee else {
        return None;
    };
    // Outside a method there is no class to look in: asked first, as it costs no resolving.
    checker.summary_builder()?.current_class()?;
    let is_super = matches!(attribute.value.as_ref(), Expr::Call(call)
        if matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "super")
            && call.arguments.args.is_empty());
    let on_self = matches!(
        checker.semantic.resolve(&attribute.value),
        Some(Resolved::SelfInstance)
    );
    if !is_super && !on_self {
        return None;
    }
    let class = checker.summary_builder()?.current_class()?.to_string();
    Some(Target::inherited(class, attribute.attr.to_string()))
}

/// Modules of the standard library that a project does not define: calls into them are never
/// project calls, so the summary leaves them out (most calls of a typical file). Not the full
/// list of `stdlib::is_standard_library`: projects do define top-level `code`, `profile` or
/// `site` packages, whose calls must stay project calls.
const STANDARD_LIBRARY: &[&str] = &[
    "abc",
    "argparse",
    "array",
    "ast",
    "asyncio",
    "base64",
    "binascii",
    "bisect",
    "builtins",
    "calendar",
    "codecs",
    "collections",
    "concurrent",
    "contextlib",
    "contextvars",
    "copy",
    "csv",
    "ctypes",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "email",
    "enum",
    "errno",
    "fnmatch",
    "fractions",
    "functools",
    "gc",
    "getpass",
    "gettext",
    "glob",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "locale",
    "logging",
    "math",
    "mimetypes",
    "multiprocessing",
    "numbers",
    "operator",
    "os",
    "pathlib",
    "pickle",
    "platform",
    "pprint",
    "queue",
    "random",
    "re",
    "secrets",
    "select",
    "selectors",
    "shlex",
    "shutil",
    "signal",
    "socket",
    "sqlite3",
    "ssl",
    "stat",
    "statistics",
    "string",
    "struct",
    "subprocess",
    "sys",
    "tempfile",
    "textwrap",
    "threading",
    "time",
    "timeit",
    "traceback",
    "types",
    "typing",
    "typing_extensions",
    "unicodedata",
    "unittest",
    "urllib",
    "uuid",
    "warnings",
    "weakref",
    "xml",
    "zipfile",
    "zlib",
    "zoneinfo",
];

/// Asked of nearly every call in a function: one hash look-up.
static STANDARD_LIBRARY_SET: LazyLock<FxHashSet<&str>> =
    LazyLock::new(|| STANDARD_LIBRARY.iter().copied().collect());

fn is_standard_library(name: &str) -> bool {
    STANDARD_LIBRARY_SET.contains(super::top_level_package(name))
}
