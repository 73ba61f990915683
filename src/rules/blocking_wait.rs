//! LG207 blocking-wait — docs: rules/LG207-blocking-wait.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;
use crate::python::data::data;

pub const META: RuleMeta = RuleMeta {
    code: "LG207",
    name: "blocking-wait",
    summary: "Waiting on a thread, a sync queue, an event, a concurrent future or stdin in async context",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(5),
    languages: &[Language::Python],
    fix: FixKind::DisplayOnly,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG207-blocking-wait.md"),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    if !checker.semantic.in_async_context() {
        return;
    }
    let Some(name) = site.target() else { return };
    let blocks = checker.settings.python.calls(Rule::BlockingWait).matches(name)
        || (data().list(Rule::BlockingWait, "queue-calls").matches(name) && queue_call_blocks(site, name));
    if !blocks || zero_timeout(site, name) {
        return;
    }
    let display = name.strip_prefix("builtins.").unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::BlockingWait,
        format!("`{display}` waits synchronously in async code: the event loop stalls until the other side is done"),
        site.call.range(),
    )
    .with_help(help_for(name));
    checker.report(diagnostic);
}

/// `thread.join(timeout=0)`, `event.wait(0)`, `future.result(timeout=0)`: a poll that returns
/// at once.
fn zero_timeout(site: &CallSite, name: &str) -> bool {
    let takes_timeout_first = [".join", ".wait", ".result", ".exception"]
        .iter()
        .any(|method| name.ends_with(method));
    if !takes_timeout_first {
        return false;
    }
    let timeout = site
        .keyword("timeout")
        .map(|keyword| &keyword.value)
        .or_else(|| site.call.arguments.args.first());
    matches!(timeout, Some(ast::Expr::NumberLiteral(number)) if match &number.value {
        ast::Number::Int(int) => int.as_u64() == Some(0),
        ast::Number::Float(value) => *value == 0.0,
        ast::Number::Complex { .. } => false,
    })
}

/// `q.get()`/`q.put(x)` block unless `block=False` (or the positional equivalent) is passed.
fn queue_call_blocks(site: &CallSite, name: &str) -> bool {
    let block_position = if name.ends_with(".put") { 1 } else { 0 };
    let block_argument = site
        .keyword("block")
        .map(|keyword| &keyword.value)
        .or_else(|| site.call.arguments.args.get(block_position));
    !block_argument.is_some_and(|value| matches!(value, ast::Expr::BooleanLiteral(literal) if !literal.value))
}

fn help_for(name: &str) -> &'static str {
    if name.starts_with("queue.") {
        "use an `asyncio.Queue`, or `get_nowait()`/`put_nowait()`, or `await asyncio.to_thread(q.get)`"
    } else if name.starts_with("concurrent.futures.") {
        "await it instead: `await asyncio.wrap_future(future)`"
    } else if name == "builtins.input" {
        "read stdin with `await asyncio.to_thread(input, ...)` or an asyncio stream reader"
    } else {
        "run the wait in a worker thread: `await asyncio.to_thread(...)`"
    }
}
