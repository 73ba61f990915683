//! LG402 dangling-task — docs: rules/LG402-dangling-task.md

use super::daemon_thread::rust_discarded_call;
use super::prelude::*;
use crate::config::{OptionKind, RuleOption};
use crate::python::data::data;

pub const INCLUDE_RUST_SPAWNS: RuleOption = RuleOption {
    name: "include-rust-spawns",
    kind: OptionKind::Bool,
    doc: "Also flag Rust `tokio::spawn(..)` whose `JoinHandle` is dropped (off by default: detached tasks are idiomatic in many tokio servers).",
};

pub const META: RuleMeta = RuleMeta {
    code: "LG402",
    name: "dangling-task",
    summary: "A task created and dropped on the spot: it can be garbage-collected mid-flight (Python) or never cancelled (Rust), and its exception is lost",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(3),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[INCLUDE_RUST_SPAWNS],
    doc: include_str!("../../rules/LG402-dangling-task.md"),
    hooks: Hooks {
        python_statement: Some(python_statement),
        rust_statement: Some(rust_statement),
        python_triggers: Some(&["create_task", "ensure_future"]),
        rust_triggers: Some(&["spawn"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    match statement {
        ast::Stmt::Expr(expr) => python_dropped(checker, &expr.value),
        // `_ = create_task(...)` keeps nothing either: `_` is the name for what is thrown away
        // (and the next `_ =` replaces it).
        ast::Stmt::Assign(assign) if matches!(assign.targets.as_slice(), [ast::Expr::Name(target)] if target.id.as_str() == "_") =>
        {
            python_dropped(checker, &assign.value);
        }
        _ => {}
    }
}

/// `asyncio.create_task(...)` whose task nothing keeps: the statement's value itself, an element
/// of a display or comprehension built and thrown away (`[create_task(x)]`), either branch of a
/// conditional expression, an operand of `and`/`or` (`ready or create_task(..)`), and the
/// element of a generator expression nobody iterates (whose task is never even created).
fn python_dropped(checker: &mut Checker, value: &ast::Expr) {
    // A worklist over the expression's own nodes, not a recursion: it ends with them.
    let mut pending = vec![(value, false)];
    while let Some((expr, in_generator)) = pending.pop() {
        match expr {
            ast::Expr::Call(call) => python_dropped_call(checker, call, in_generator),
            ast::Expr::List(ast::ExprList { elts, .. })
            | ast::Expr::Tuple(ast::ExprTuple { elts, .. })
            | ast::Expr::Set(ast::ExprSet { elts, .. }) => {
                pending.extend(elts.iter().map(|elt| (elt, in_generator)));
            }
            ast::Expr::ListComp(ast::ExprListComp { elt, .. })
            | ast::Expr::SetComp(ast::ExprSetComp { elt, .. }) => pending.push((elt, in_generator)),
            ast::Expr::DictComp(comprehension) => {
                if let Some(key) = comprehension.key.as_deref() {
                    pending.push((key, in_generator));
                }
                pending.push((&comprehension.value, in_generator));
            }
            ast::Expr::Generator(generator) => pending.push((&generator.elt, true)),
            ast::Expr::If(if_expr) => {
                pending.push((&if_expr.body, in_generator));
                pending.push((&if_expr.orelse, in_generator));
            }
            ast::Expr::BoolOp(bool_op) => {
                pending.extend(bool_op.values.iter().map(|value| (value, in_generator)));
            }
            _ => {}
        }
    }
}

fn python_dropped_call(checker: &mut Checker, call: &ast::ExprCall, in_generator: bool) {
    let Some(name) = checker.semantic.call_target(call) else {
        return;
    };
    if !data().rules.dangling_task.spawns.matches(&name) {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(&name);
    let (message, help) = if in_generator {
        (
            format!("`{short}` is in a generator expression nothing iterates: the task is never created"),
            "build the tasks where they are kept (`tasks = [asyncio.create_task(c) for c in coros]`), or iterate the generator",
        )
    } else {
        (
            format!("the task from `{short}` is dropped: the event loop keeps only a weak reference, so it can be garbage-collected before it finishes, and its exception is never seen"),
            "keep a reference: `loopguard_shim.TaskSupervisor().create_task(...)`, an `asyncio.TaskGroup`, or a set the task removes itself from with `add_done_callback`",
        )
    };
    let diagnostic = Diagnostic::new(Rule::DanglingTask, message, call.range()).with_help(help);
    checker.report(diagnostic);
}

/// `tokio::spawn(..);` or `let _ = tokio::spawn(..)`, only with this option (detached tasks are
/// idiomatic in many tokio servers).
pub(crate) fn rust_statement(checker: &mut RustChecker, statement: &syn::Stmt) {
    if !checker
        .settings
        .flag(Rule::DanglingTask, &INCLUDE_RUST_SPAWNS)
    {
        return;
    }
    let Some((call, name)) = rust_discarded_call(checker, statement) else {
        return;
    };
    if !rust_data().rules.dangling_task.spawns.matches(&name) {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::DanglingTask,
        format!("the `JoinHandle` from `{name}` is dropped: the task is detached, nothing can cancel it on shutdown, and its panic or error is never seen"),
        checker.range(call.span()),
    )
    .with_help("keep the handle: spawn into a `tokio::task::JoinSet` or `tokio_util::task::TaskTracker` that is awaited on shutdown");
    checker.report(diagnostic);
}
