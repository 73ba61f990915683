//! LG204 blocking-subprocess — docs: rules/LG204-blocking-subprocess.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;

pub const META: RuleMeta = RuleMeta {
    code: "LG204",
    name: "blocking-subprocess",
    summary: "Starting or waiting for a child process synchronously in async context",
    enablement: Enablement::DefaultIn(Language::Rust),
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG204-blocking-subprocess.md"),
    hooks: Hooks::blocking(python_call, rust_call),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingSubprocess) else {
        return;
    };
    let diagnostic = Diagnostic::new(
        Rule::BlockingSubprocess,
        format!("`{name}` runs or waits for a child process synchronously: the event loop stalls until it exits"),
        site.call.range(),
    )
    .with_help("use `await asyncio.create_subprocess_exec(...)` and `await proc.communicate()`");
    checker.report(diagnostic);
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingSubprocess) else {
        return;
    };
    let diagnostic = Diagnostic::new(
        Rule::BlockingSubprocess,
        format!("`{name}` waits for a child process synchronously: the runtime's worker thread stalls until it exits"),
        checker.range(site.span()),
    )
    .with_help("use `tokio::process::Command` and `.output().await` / `.wait().await`");
    checker.report(diagnostic);
}
