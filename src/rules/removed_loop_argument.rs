//! LG303 removed-loop-argument — docs: rules/LG303-removed-loop-argument.md

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "LG303",
    name: "removed-loop-argument",
    summary:
        "The `loop=` argument (removed in Python 3.10) or `@asyncio.coroutine` (removed in 3.11)",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(4),
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python],
    fix: FixKind::Safe,
    options: &[],
    doc: include_str!("../../rules/LG303-removed-loop-argument.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        python_statement: Some(python_statement),
        python_triggers: Some(&["asyncio"]),
        ..Hooks::NONE
    },
};

/// asyncio functions and primitives whose `loop` parameter was removed in Python 3.10.
const LOOP_PARAMETER_REMOVED: &[&str] = &[
    "asyncio.sleep",
    "asyncio.wait_for",
    "asyncio.wait",
    "asyncio.gather",
    "asyncio.shield",
    "asyncio.as_completed",
    "asyncio.open_connection",
    "asyncio.start_server",
    "asyncio.open_unix_connection",
    "asyncio.start_unix_server",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "asyncio.Queue",
    "asyncio.LifoQueue",
    "asyncio.PriorityQueue",
    "asyncio.Lock",
    "asyncio.Event",
    "asyncio.Semaphore",
    "asyncio.BoundedSemaphore",
    "asyncio.Condition",
];

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !LOOP_PARAMETER_REMOVED.contains(&name) {
        return;
    }
    let Some(keyword) = site.keyword("loop") else {
        return;
    };
    let diagnostic = Diagnostic::new(
        Rule::RemovedLoopArgument,
        format!(
            "`{name}()` has no `loop` parameter since Python 3.10: this call raises `TypeError`"
        ),
        keyword.range(),
    )
    .with_help("drop the argument: the running loop is used")
    .with_fix(Some(Fix::safe(
        "Remove the `loop=` argument",
        vec![edits::remove_keyword(checker.source, site.call, keyword)],
    )));
    checker.report(diagnostic);
}

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    if let ast::Stmt::FunctionDef(function) = statement {
        python_decorators(checker, function);
    }
}

fn python_decorators(checker: &mut Checker, function: &ast::StmtFunctionDef) {
    for decorator in &function.decorator_list {
        if checker
            .semantic
            .qualified_name(&decorator.expression)
            .as_deref()
            == Some("asyncio.coroutine")
        {
            let diagnostic = Diagnostic::new(
                Rule::RemovedLoopArgument,
                "`@asyncio.coroutine` was removed in Python 3.11: importing this module raises `AttributeError`",
                decorator.range(),
            )
            .with_help(format!("declare it `async def {}(...)` and replace `yield from` with `await`", function.name));
            checker.report(diagnostic);
        }
    }
}
