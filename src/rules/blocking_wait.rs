//! LG207 blocking-wait — docs: rules/LG207-blocking-wait.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;

pub const META: RuleMeta = RuleMeta {
    code: "LG207",
    name: "blocking-wait",
    summary:
        "Waiting on a thread, a sync queue, an event, a concurrent future or stdin in async context",
    enablement: Enablement::DefaultIn(Language::Rust),
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG207-blocking-wait.md"),
    hooks: Hooks::blocking(python_call, rust_call),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingWait) else {
        return;
    };
    let display = name.strip_prefix("builtins.").unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::BlockingWait,
        format!("`{display}` waits synchronously in async code: the event loop stalls until the other side is done"),
        site.call.range(),
    )
    .with_help(help_for(name));
    checker.report(diagnostic);
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
