//! LG402 dangling-task — docs: rules/LG402-dangling-task.md

use super::prelude::*;
use crate::python::data::data;

pub const META: RuleMeta = RuleMeta {
    code: "LG402",
    name: "dangling-task",
    summary: "A task created and dropped on the spot: it can be garbage-collected mid-flight and its exception is lost",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(3),
    languages: &[Language::Python],
    fix: FixKind::DisplayOnly,
    options: &[],
    doc: include_str!("../../rules/LG402-dangling-task.md"),
};

/// `asyncio.create_task(...)` as an expression statement.
pub(crate) fn python_expression_statement(checker: &mut Checker, statement: &ast::StmtExpr) {
    let ast::Expr::Call(call) = statement.value.as_ref() else { return };
    let Some(name) = checker.semantic.call_target(call) else { return };
    if !data().list(Rule::DanglingTask, "spawns").matches(&name) {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(&name);
    let diagnostic = Diagnostic::new(
        Rule::DanglingTask,
        format!("the task from `{short}` is dropped: the event loop keeps only a weak reference, so it can be garbage-collected before it finishes, and its exception is never seen"),
        call.range(),
    )
    .with_help("keep a reference: `loopguard_shim.TaskSupervisor().create_task(...)`, an `asyncio.TaskGroup`, or a set the task removes itself from with `add_done_callback`");
    checker.report(diagnostic);
}
