//! LG403 unmanaged-executor — docs: rules/LG403-unmanaged-executor.md

use super::prelude::*;
use crate::python::data::data;
use crate::python::facts::{self, Fate};

pub const META: RuleMeta = RuleMeta {
    code: "LG403",
    name: "unmanaged-executor",
    summary: "A thread/process pool that is never shut down, or a new pool per loop iteration",
    enablement: Enablement::DefaultIn(Language::Rust),
    severity: Severity::Warning,
    fm043: Some(6),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG403-unmanaged-executor.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        python_statement: Some(python_statement),
        rust_call: Some(rust_call),
        python_triggers: Some(&["Pool"]),
        rust_triggers: Some(&["Runtime", "runtime", "ThreadPool"]),
        ..Hooks::NONE
    },
};

/// A pool created in a loop body: one pool (and its threads or processes) per iteration.
pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !data().rules.unmanaged_executor.constructors.matches(name) || !checker.semantic.in_loop() {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::UnmanagedExecutor,
        format!("`{short}` is created inside a loop: every iteration starts (and must tear down) a whole pool of workers"),
        site.call.range(),
    )
    .with_help(format!("create one `{short}` before the loop (`with {short}(...) as pool:`) and submit every item to it"));
    checker.report(diagnostic);
}

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    if let ast::Stmt::Assign(assign) = statement {
        python_assign(checker, assign);
    }
}

/// `pool = ThreadPoolExecutor()` in a function, never shut down, managed, returned or stored.
fn python_assign(checker: &mut Checker, assign: &ast::StmtAssign) {
    let [ast::Expr::Name(target)] = assign.targets.as_slice() else {
        return;
    };
    let ast::Expr::Call(call) = assign.value.as_ref() else {
        return;
    };
    let Some(name) = checker.semantic.call_target(call) else {
        return;
    };
    if !data().rules.unmanaged_executor.constructors.matches(&name) || checker.semantic.in_loop() {
        return;
    }
    if checker.semantic.current_function().is_none() || checker.semantic.at_module_or_class_level()
    {
        return;
    }
    let Some(pool) = checker.semantic.bound_by(target) else {
        return;
    };
    // Handing the pool to `run_in_executor` uses it; handing it to anything else may store it.
    let passing_escapes = |call: &ast::ExprCall| !matches!(call.func.as_ref(), ast::Expr::Attribute(attribute) if attribute.attr.as_str() == "run_in_executor");
    if facts::resource_fate(&checker.semantic, pool, &passing_escapes) != Fate::Dropped {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(&name);
    let diagnostic = Diagnostic::new(
        Rule::UnmanagedExecutor,
        format!("`{}` is never shut down: its worker threads or processes outlive this call, and exceptions in queued work go unseen", target.id),
        call.range(),
    )
    .with_help(format!("use `with {short}(...) as {}:`, or call `.shutdown()` (`.close()` and `.join()` for a `multiprocessing` pool) in a `finally`", target.id));
    checker.report(diagnostic);
}

/// A tokio runtime or rayon pool built in a loop body: a whole set of worker threads per item.
pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = site.target() else { return };
    if !rust_data()
        .rules
        .unmanaged_executor
        .constructors
        .matches(name)
        || !checker.semantic.in_loop()
    {
        return;
    }
    let what = if name.starts_with("tokio") {
        "tokio runtime"
    } else {
        "rayon thread pool"
    };
    let diagnostic = Diagnostic::new(
        Rule::UnmanagedExecutor,
        format!("a {what} is built inside a loop: every iteration starts (and tears down) a whole pool of worker threads"),
        checker.range(site.span()),
    )
    .with_help(format!("build one {what} before the loop and hand every item to it"));
    checker.report(diagnostic);
}
