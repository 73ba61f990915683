//! LG701 unawaited-coroutine — docs: rules/LG701-unawaited-coroutine.md

use super::prelude::*;
use crate::python::data::data;
use crate::python::facts;

pub const META: RuleMeta = RuleMeta {
    code: "LG701",
    name: "unawaited-coroutine",
    summary: "A coroutine function called and its coroutine dropped: the code never runs",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: None,
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python],
    fix: FixKind::Unsafe,
    options: &[],
    doc: include_str!("../../rules/LG701-unawaited-coroutine.md"),
    hooks: Hooks {
        python_statement: Some(python_statement),
        python_triggers: Some(&["async"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    match statement {
        ast::Stmt::Expr(expr) => python_expression_statement(checker, expr),
        ast::Stmt::For(for_stmt) => python_async_for(checker, for_stmt),
        _ => {}
    }
}

/// `asyncio.sleep(1)` or `self.refresh()` (an `async def`) as an expression statement.
fn python_expression_statement(checker: &mut Checker, statement: &ast::StmtExpr) {
    let ast::Expr::Call(call) = statement.value.as_ref() else {
        return;
    };
    let Some(name) = coroutine_function(checker, call) else {
        return;
    };
    let in_async = checker.semantic.in_async_context();
    let help = if in_async {
        format!("await it (`await {name}(...)`), or keep it running as a task (`loopguard_shim.TaskSupervisor().create_task(...)`)")
    } else {
        format!("run it from async code with `await {name}(...)`, or from sync code with `asyncio.run(...)`")
    };
    let fix = in_async.then(|| {
        Fix::unsafe_edits(
            "Prefix `await`",
            vec![Edit::insertion(call.start(), "await ")],
        )
    });
    let diagnostic = Diagnostic::new(
        Rule::UnawaitedCoroutine,
        format!("`{name}(...)` creates a coroutine that is never awaited: its body never runs (Python only warns \"coroutine was never awaited\" when it is garbage-collected)"),
        call.range(),
    )
    .with_help(help)
    .with_fix(fix);
    checker.report(diagnostic);
}

/// `async for x in fetch()` where `fetch` is a coroutine function, not an async generator.
fn python_async_for(checker: &mut Checker, for_stmt: &ast::StmtFor) {
    if !for_stmt.is_async {
        return;
    }
    let ast::Expr::Call(call) = for_stmt.iter.as_ref() else {
        return;
    };
    let Some(function) = checker.semantic.local_function(call) else {
        return;
    };
    if !facts::is_plain_coroutine_function(function) {
        return;
    }
    let name = function.name.as_str();
    let diagnostic = Diagnostic::new(
        Rule::UnawaitedCoroutine,
        format!("`async for` over `{name}(...)`, a coroutine function without `yield`: a coroutine is not an async iterator, so this raises `TypeError` and the coroutine is never awaited"),
        call.range(),
    )
    .with_help(format!("`for x in await {name}(...)` if it returns an iterable, or make `{name}` an async generator (`yield` its items)"));
    checker.report(diagnostic);
}

/// The name to show for a call of a coroutine function: an asyncio one, or an `async def` of
/// this file reached by name, `self.`/`cls.` or its class.
fn coroutine_function(checker: &Checker, call: &ast::ExprCall) -> Option<String> {
    if let Some(function) = checker.semantic.local_function(call) {
        return facts::is_plain_coroutine_function(function)
            .then(|| checker.text(call.func.range()).to_string());
    }
    let target = checker.semantic.call_target(call)?;
    data()
        .rules
        .unawaited_coroutine
        .coroutines
        .matches(&target)
        .then(|| checker.text(call.func.range()).to_string())
}
