//! LG203 blocking-file-io — docs: rules/LG203-blocking-file-io.md

use super::prelude::*;
use super::{EXTEND_BLOCKING_CALLS, INCLUDE_METADATA_CALLS};
use crate::rust::data::data as rust_data;

pub const META: RuleMeta = RuleMeta {
    code: "LG203",
    name: "blocking-file-io",
    summary: "File reads, writes and directory listings in async context",
    enablement: Enablement::OptIn,
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Unsafe,
    options: &[EXTEND_BLOCKING_CALLS, INCLUDE_METADATA_CALLS],
    doc: include_str!("../../rules/LG203-blocking-file-io.md"),
    hooks: Hooks::blocking(python_call, rust_call),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingFileIo) else {
        return;
    };
    let display = name.strip_prefix("builtins.").unwrap_or(name);
    let fix = edits::to_thread_fix(checker, site.call);
    let diagnostic = Diagnostic::new(
        Rule::BlockingFileIo,
        format!("`{display}` does blocking file-system I/O in async code: a slow disk or network mount stalls the event loop"),
        site.call.range(),
    )
    .with_help("use `await asyncio.to_thread(...)`, or an async file library (`aiofiles`, `anyio.Path`)")
    .with_fix(fix);
    checker.report(diagnostic);
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingFileIo) else {
        return;
    };
    // `File::open(p)?.read_to_end(..)`: one finding, at the open, for the one fix.
    if let CallKind::Method(call) = site.kind {
        let opened_here = checker
            .semantic
            .making_call(&call.receiver)
            .is_some_and(|maker| {
                checker.settings.rust.blocking_rule(&maker) == Some(Rule::BlockingFileIo)
            });
        if opened_here {
            return;
        }
    }
    let diagnostic = Diagnostic::new(
        Rule::BlockingFileIo,
        format!("`{name}` does blocking file-system I/O in async code: a slow disk or network mount stalls the runtime's worker thread"),
        checker.range(site.span()),
    )
    .with_help("use the `tokio::fs` equivalent with `.await`, or move the work into `tokio::task::spawn_blocking`")
    .with_fix(tokio_fs_fix(checker, site, name));
    checker.report(diagnostic);
}

/// `std::fs::read_to_string(p)` → `tokio::fs::read_to_string(p).await`: unsafe, because the
/// tokio types (`tokio::fs::File`, `ReadDir`) have async methods where the std ones were sync.
fn tokio_fs_fix(checker: &RustChecker, site: &RustCallSite, name: &str) -> Option<Fix> {
    let CallKind::Function(call) = site.kind else {
        return None;
    };
    let tokio_equivalent = rust_data()
        .rules
        .blocking_file_io
        .tokio_equivalents
        .matches(name);
    if !tokio_equivalent || !checker.semantic.can_await() || !checker.mentions("tokio") {
        return None;
    }
    let function = name.strip_prefix("std::fs::")?;
    let end = checker.range(site.span()).end();
    Some(Fix::unsafe_edits(
        format!("Replace with `tokio::fs::{function}(...).await`"),
        vec![
            Edit::replacement(
                checker.range(syn::spanned::Spanned::span(&call.func)),
                format!("tokio::fs::{function}"),
            ),
            Edit::insertion(end, ".await"),
        ],
    ))
}
