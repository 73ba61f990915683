//! LG207 blocking-wait — docs: rules/LG207-blocking-wait.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;
use crate::python::data::data;

pub const META: RuleMeta = RuleMeta {
    code: "LG207",
    name: "blocking-wait",
    summary:
        "Waiting on a thread, a sync queue, an event, a concurrent future or stdin in async context",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(5),
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG207-blocking-wait.md"),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    if !checker.semantic.in_async_context() {
        return;
    }
    let Some(name) = site.target() else { return };
    let blocks = checker
        .settings
        .python
        .calls(Rule::BlockingWait)
        .matches(name)
        || (data().list(Rule::BlockingWait, "queue-calls").matches(name)
            && queue_call_blocks(site, name));
    if !blocks || has_zero_timeout(site, name) {
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

/// `join(timeout=0)`, `wait(0)`, `result(timeout=0)`: a poll that returns at once.
pub(crate) fn has_zero_timeout(site: &CallSite, name: &str) -> bool {
    let timeout_position = match name.rsplit('.').next() {
        Some("join" | "wait" | "result" | "exception") => 0,
        Some("get") => 1,
        Some("put") => 2,
        _ => return false,
    };
    let timeout = site
        .keyword("timeout")
        .map(|keyword| &keyword.value)
        .or_else(|| site.call.arguments.args.get(timeout_position));
    timeout.is_some_and(|value| match value {
        ast::Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(int) => int.as_u64() == Some(0),
            ast::Number::Float(float) => *float == 0.0,
            ast::Number::Complex { .. } => false,
        },
        _ => false,
    })
}

/// `q.get()`/`q.put(x)` block unless `block=False` (or the positional equivalent) is passed.
fn queue_call_blocks(site: &CallSite, name: &str) -> bool {
    let block_position = if name.ends_with(".put") { 1 } else { 0 };
    let block_argument = site
        .keyword("block")
        .map(|keyword| &keyword.value)
        .or_else(|| site.call.arguments.args.get(block_position));
    !block_argument
        .is_some_and(|value| matches!(value, ast::Expr::BooleanLiteral(literal) if !literal.value))
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

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingWait) else {
        return;
    };
    let help = if name.starts_with("std::thread::") {
        "await a task instead (`tokio::task::spawn_blocking(..).await`), or join the thread inside `spawn_blocking`"
    } else if name.starts_with("std::io::") {
        "read stdin with `tokio::io::stdin()` and `AsyncBufReadExt::read_line(..).await`"
    } else if name.starts_with("std::sync::Barrier") {
        "use `tokio::sync::Barrier` and `.wait().await`"
    } else {
        "use an async channel (`tokio::sync::mpsc`, `flume`'s `recv_async`), or receive inside `spawn_blocking`"
    };
    let diagnostic = Diagnostic::new(
        Rule::BlockingWait,
        format!("`{name}` waits synchronously in async code: the runtime's worker thread stalls until the other side is done"),
        checker.range(site.span()),
    )
    .with_help(help);
    checker.report(diagnostic);
}
