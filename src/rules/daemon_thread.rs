//! LG401 daemon-thread — docs: rules/LG401-daemon-thread.md

use super::prelude::*;
use crate::python::data::data;
use crate::python::facts::{self, Fate};

pub const META: RuleMeta = RuleMeta {
    code: "LG401",
    name: "daemon-thread",
    summary: "A daemon thread: killed mid-operation at interpreter exit, with nothing joining it",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(3),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG401-daemon-thread.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        python_statement: Some(python_statement),
        rust_statement: Some(rust_statement),
        python_triggers: Some(&["thread"]),
        rust_triggers: Some(&["spawn"]),
        ..Hooks::NONE
    },
};

const MESSAGE: &str = "is a daemon thread: at interpreter exit it is killed wherever it is (mid-write, holding a lock), and nothing joins it or sees it fail";
const HELP: &str = "run it under `loopguard_shim.ThreadSupervisor()` (`spawn(name, target)`, joined with a deadline on `shutdown()` and at exit), or keep the thread and `join()` it on shutdown";

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    let is_daemon_constructor = lists.rules.daemon_thread.constructors.matches(name)
        && site
            .keyword("daemon")
            .is_some_and(|keyword| is_true(&keyword.value));
    let is_set_daemon = name
        .strip_suffix(".setDaemon")
        .is_some_and(|receiver| lists.rules.daemon_thread.thread_types.matches(receiver))
        && site.call.arguments.args.first().is_some_and(is_true);
    let is_raw = lists.rules.daemon_thread.raw_threads.matches(name);
    if !(is_daemon_constructor || is_set_daemon || is_raw) {
        return;
    }
    let holder = if is_set_daemon {
        match site.call.func.as_ref() {
            ast::Expr::Attribute(attribute) => Some(attribute.value.as_ref()),
            _ => None,
        }
    } else {
        assigned_to(checker, site)
    };
    if !is_raw && holder.is_some_and(|holder| has_lifecycle(checker, holder)) {
        return;
    }
    let subject = if is_raw {
        format!("`{name}` starts a thread that")
    } else {
        format!("`{}`", quote_code(checker.text(site.call.func.range())))
    };
    let message = if is_raw {
        format!("{subject} cannot be joined and dies at interpreter exit wherever it is (mid-write, holding a lock)")
    } else {
        format!("{subject} {MESSAGE}")
    };
    let diagnostic =
        Diagnostic::new(Rule::DaemonThread, message, site.call.range()).with_help(HELP);
    checker.report(diagnostic);
}

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    if let ast::Stmt::Assign(assign) = statement {
        python_assign(checker, assign);
    }
}

/// `thread.daemon = True` on a receiver the file shows to be a thread.
fn python_assign(checker: &mut Checker, assign: &ast::StmtAssign) {
    if !is_true(&assign.value) {
        return;
    }
    for target in &assign.targets {
        let ast::Expr::Attribute(attribute) = target else {
            continue;
        };
        if attribute.attr.as_str() != "daemon" {
            continue;
        }
        let Some(receiver_type) = checker.semantic.type_of(&attribute.value) else {
            continue;
        };
        if has_lifecycle(checker, &attribute.value) {
            continue;
        }
        if !data()
            .rules
            .daemon_thread
            .thread_types
            .matches(&receiver_type)
        {
            continue;
        }
        let diagnostic = Diagnostic::new(
            Rule::DaemonThread,
            format!(
                "`{}` {MESSAGE}",
                quote_code(checker.text(attribute.value.range()))
            ),
            target.range(),
        )
        .with_help(HELP);
        checker.report(diagnostic);
    }
}

/// `t = Thread(...)` / `self._thread = Thread(...)`: what the thread is kept in.
fn assigned_to<'a>(checker: &Checker<'a>, site: &CallSite) -> Option<&'a ast::Expr> {
    match checker.semantic.current_statement()? {
        ast::Stmt::Assign(assign) if assign.value.range() == site.call.range() => {
            match assign.targets.as_slice() {
                [target] => Some(target),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether the thread kept in `holder` is joined or handed on: a local that the function joins,
/// returns or passes on (to a list that is joined later, say), or `self.<name>` that a method of
/// the class joins (`stop()`, `close()`, `__exit__`), or one joined at exit
/// (`atexit.register(t.join)`). Such a thread has a lifecycle, whatever its daemon flag says.
fn has_lifecycle(checker: &Checker, holder: &ast::Expr) -> bool {
    let semantic = &checker.semantic;
    if released_at_exit(checker, holder) {
        return true;
    }
    match holder {
        ast::Expr::Name(name) if semantic.current_function().is_some() => semantic
            .bound_by(name)
            .or_else(|| semantic.resolve_name(name))
            .is_some_and(|thread| {
                facts::resource_fate(semantic, thread, &|_| true) != Fate::Dropped
            }),
        ast::Expr::Attribute(attribute) => {
            let is_self = matches!(attribute.value.as_ref(), ast::Expr::Name(receiver)
                if semantic.current_function().and_then(|method| method.parameters.args.first())
                    .is_some_and(|first| first.parameter.name.as_str() == receiver.id.as_str()));
            let class =
                semantic
                    .statement_stack()
                    .iter()
                    .rev()
                    .find_map(|statement| match statement {
                        ast::Stmt::ClassDef(class) => Some(class),
                        _ => None,
                    });
            is_self
                && class.is_some_and(|class| {
                    facts::class_releases_attribute(class, attribute.attr.as_str())
                })
        }
        _ => false,
    }
}

/// `atexit.register(t.join)` in the function that starts the thread, or
/// `atexit.register(self._thread.join)` in any method of its class.
fn released_at_exit(checker: &Checker, holder: &ast::Expr) -> bool {
    let semantic = &checker.semantic;
    let in_function = semantic
        .current_function()
        .is_some_and(|function| facts::released_at_exit(semantic, &function.body, holder));
    in_function
        || (holder.is_attribute_expr()
            && semantic.statement_stack().iter().rev().any(|statement| {
                matches!(statement, ast::Stmt::ClassDef(class) if class.body.iter().any(|member|
                    matches!(member, ast::Stmt::FunctionDef(method)
                        if facts::released_at_exit(semantic, &method.body, holder))))
            }))
}

fn is_true(expr: &ast::Expr) -> bool {
    matches!(expr, ast::Expr::BooleanLiteral(literal) if literal.value)
}

const RUST_HELP: &str = "keep the `JoinHandle` and `join()` it on shutdown, or run the thread under `loopguard_shim::ThreadSupervisor` (`spawn_managed(name, f)`, stopped and joined with a deadline on shutdown)";

/// `std::thread::spawn(..);`, `let _ = thread::spawn(..)`, `Builder::new().spawn(..).unwrap();`:
/// the handle is dropped, which detaches the thread.
pub(crate) fn rust_statement(checker: &mut RustChecker, statement: &syn::Stmt) {
    let Some((call, name)) = rust_discarded_call(checker, statement) else {
        return;
    };
    if !rust_data().rules.daemon_thread.spawns.matches(&name) || rust_channel_bound(checker, call) {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::DaemonThread,
        "the `JoinHandle` of this thread is dropped: the thread is detached, nothing joins it at shutdown (the process exits wherever it is, mid-write or holding a lock) and its panic is never seen".to_string(),
        checker.range(call.span()),
    )
    .with_help(RUST_HELP);
    checker.report(diagnostic);
}

/// A thread whose closure a channel bounds, or that only sleeps and sends (see
/// `rust_facts::channel_bound_thread`): its life has an end, or it holds nothing at exit.
fn rust_channel_bound(checker: &RustChecker, spawn: &syn::Expr) -> bool {
    let arguments = match spawn {
        syn::Expr::Call(call) => &call.args,
        syn::Expr::MethodCall(call) => &call.args,
        _ => return false,
    };
    let Some(syn::Expr::Closure(closure)) = arguments.first() else {
        return false;
    };
    let is_sleep = |path: &syn::Path| {
        checker.semantic.resolve_path(path).is_some_and(|target| {
            checker.settings.rust.blocking_rule(&target) == Some(Rule::BlockingSleep)
        })
    };
    let is_receiver = |value: &syn::Expr| {
        checker
            .semantic
            .type_of(value)
            .is_some_and(|type_name| type_name.ends_with("::Receiver"))
    };
    rust_facts::channel_bound_thread(&closure.body, &is_sleep, &is_receiver)
}

/// The call whose result a statement throws away (an expression statement, `let _ = ..`),
/// looking through `.unwrap()`, `.expect(..)` and `?`, with the path it resolves to.
pub(crate) fn rust_discarded_call<'a>(
    checker: &RustChecker,
    statement: &'a syn::Stmt,
) -> Option<(&'a syn::Expr, String)> {
    let mut expr = match statement {
        syn::Stmt::Expr(expr, Some(_)) => expr,
        syn::Stmt::Local(local) if matches!(local.pat, syn::Pat::Wild(_)) => {
            local.init.as_ref()?.expr.as_ref()
        }
        _ => return None,
    };
    loop {
        match expr {
            syn::Expr::Try(inner) => expr = &inner.expr,
            syn::Expr::Paren(inner) => expr = &inner.expr,
            syn::Expr::MethodCall(call) if call.method == "unwrap" || call.method == "expect" => {
                expr = &call.receiver
            }
            _ => break,
        }
    }
    let name = match expr {
        syn::Expr::Call(call) => match call.func.as_ref() {
            syn::Expr::Path(path) if path.qself.is_none() => {
                checker.semantic.call_target(&path.path)?
            }
            _ => return None,
        },
        syn::Expr::MethodCall(call) => format!(
            "{}::{}",
            checker.semantic.type_of(&call.receiver)?,
            call.method
        ),
        _ => return None,
    };
    Some((expr, name))
}
