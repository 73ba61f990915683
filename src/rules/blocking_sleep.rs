//! LG201 blocking-sleep — docs: rules/LG201-blocking-sleep.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;

pub const META: RuleMeta = RuleMeta {
    code: "LG201",
    name: "blocking-sleep",
    summary: "A thread sleep (`time.sleep`, `std::thread::sleep`) in async context stalls every task on the event loop",
    enablement: Enablement::DefaultIn(Language::Python),
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Mixed,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG201-blocking-sleep.md"),
    hooks: Hooks::blocking(python_call, rust_call),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingSleep) else {
        return;
    };
    let library = async_library(checker);
    let diagnostic = Diagnostic::new(
        Rule::BlockingSleep,
        format!("`{name}` in async code blocks the event loop: every task on this thread stalls for the whole sleep"),
        site.call.range(),
    )
    .with_help(format!("use `await {library}.sleep(...)`, which suspends only this task"))
    .with_fix(async_sleep_fix(checker, site, name, library));
    checker.report(diagnostic);
}

/// The async library whose `sleep` the fix uses: the one the file already imports.
fn async_library(checker: &Checker) -> &'static str {
    ["asyncio", "anyio", "trio"]
        .into_iter()
        .find(|library| checker.semantic.imports_module(library))
        .unwrap_or("asyncio")
}

fn async_sleep_fix(checker: &Checker, site: &CallSite, name: &str, library: &str) -> Option<Fix> {
    let call = site.call;
    // A user-extended sleep may take other arguments; only `time.sleep(seconds)` maps 1:1.
    let single_argument = call.arguments.args.len() == 1
        && call.arguments.keywords.is_empty()
        && !call.arguments.args[0].is_starred_expr();
    // `await` inside a generator expression would turn it into an async generator.
    if name != "time.sleep" || !single_argument || checker.semantic.in_comprehension() {
        return None;
    }
    let module = edits::module_reference(checker, library);
    let mut fix_edits = edits::await_with_callee(checker, call, &format!("{}.sleep", module.name))?;
    fix_edits.extend(module.import);
    Some(Fix::safe(
        format!("Replace with `await {library}.sleep(...)`"),
        fix_edits,
    ))
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingSleep) else {
        return;
    };
    let range = checker.range(site.span());
    let diagnostic = Diagnostic::new(
        Rule::BlockingSleep,
        format!("`{name}` in async code blocks the runtime's worker thread: every task scheduled on it stalls for the whole sleep"),
        range,
    )
    .with_help("use `tokio::time::sleep(...).await`, which suspends only this task")
    .with_fix(tokio_sleep_fix(checker, site, name, range));
    checker.report(diagnostic);
}

/// `std::thread::sleep(d)` → `tokio::time::sleep(d).await`: unsafe, since code after it may rely
/// on the thread (not just the task) having paused, and only where `.await` can be written in a
/// file that uses tokio.
fn tokio_sleep_fix(
    checker: &RustChecker,
    site: &RustCallSite,
    name: &str,
    range: ruff_text_size::TextRange,
) -> Option<Fix> {
    let CallKind::Function(call) = site.kind else {
        return None;
    };
    if name != "std::thread::sleep"
        || call.args.len() != 1
        || !checker.semantic.can_await()
        || !checker.mentions("tokio")
    {
        return None;
    }
    let duration = checker.node_text(&call.args[0]);
    Some(Fix::unsafe_edits(
        "Replace with `tokio::time::sleep(...).await`",
        vec![Edit::replacement(
            range,
            format!("tokio::time::sleep({duration}).await"),
        )],
    ))
}
