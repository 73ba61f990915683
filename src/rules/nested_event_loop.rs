//! LG302 nested-event-loop — docs: rules/LG302-nested-event-loop.md

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "LG302",
    name: "nested-event-loop",
    summary: "Starting or driving an event loop from inside async code (`asyncio.run`, `run_until_complete`, `nest_asyncio`, `block_on`)",
    enablement: Enablement::DefaultIn(Language::Rust),
    severity: Severity::Error,
    fm043: Some(4),
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Unsafe,
    options: &[],
    doc: include_str!("../../rules/LG302-nested-event-loop.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        python_triggers: Some(&["async", "nest_asyncio"]),
        rust_triggers: Some(&["async"]),
        ..Hooks::NONE
    },
};

/// Calls that run a loop to completion; inside a coroutine they raise or deadlock.
const LOOP_DRIVERS: &[&str] = &[
    "asyncio.run",
    "asyncio.AbstractEventLoop.run_until_complete",
    "asyncio.AbstractEventLoop.run_forever",
    "asyncio.BaseEventLoop.run_until_complete",
    "asyncio.BaseEventLoop.run_forever",
    "asyncio.Runner.run",
];

/// Patches the loop to allow re-entrancy: hides the bug wherever it is called.
const NEST_ASYNCIO: &str = "nest_asyncio.apply";

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if name == NEST_ASYNCIO {
        let diagnostic = Diagnostic::new(
            Rule::NestedEventLoop,
            "`nest_asyncio.apply()` makes the event loop re-entrant: nested loops starve the outer one and break task and context-variable invariants",
            site.call.range(),
        )
        .with_help("remove it and `await` the coroutine from the running loop instead of running a nested one");
        checker.report(diagnostic);
        return;
    }
    if !LOOP_DRIVERS.contains(&name) || !checker.semantic.in_async_context() {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::NestedEventLoop,
        format!("`{short}()` inside async code tries to run a second event loop on a thread that already runs one: it raises `RuntimeError` or deadlocks"),
        site.call.range(),
    )
    .with_help("`await` the coroutine instead")
    .with_fix(await_fix(checker, site, name));
    checker.report(diagnostic);
}

/// `asyncio.run(coro)` → `await coro`; other arguments (`debug=`, `loop_factory=`) have no
/// meaning inside a running loop, so only the plain form is rewritten.
fn await_fix(checker: &Checker, site: &CallSite, name: &str) -> Option<Fix> {
    let arguments = &site.call.arguments;
    if name != "asyncio.run"
        || arguments.args.len() != 1
        || !arguments.keywords.is_empty()
        || checker.semantic.in_comprehension()
    {
        return None;
    }
    Some(Fix::unsafe_edits(
        "Replace with `await ...`",
        edits::await_argument(checker, site.call)?,
    ))
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    if site.awaited || !checker.semantic.in_async_context() {
        return;
    }
    let Some(name) = site.target() else { return };
    if !crate::rust::data::data()
        .rules
        .nested_event_loop
        .calls
        .matches(name)
    {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::NestedEventLoop,
        format!("`{name}` inside async code blocks a runtime worker thread on another future: tokio panics (\"Cannot start a runtime from within a runtime\"), other executors deadlock"),
        checker.range(site.span()),
    )
    .with_help("`.await` the future instead; from sync code called by async code, use `tokio::task::block_in_place` or `spawn_blocking`");
    checker.report(diagnostic);
}
