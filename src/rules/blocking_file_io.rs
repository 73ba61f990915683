//! LG203 blocking-file-io — docs: rules/LG203-blocking-file-io.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;
use crate::config::{OptionKind, RuleOption};

pub const META: RuleMeta = RuleMeta {
    code: "LG203",
    name: "blocking-file-io",
    summary: "File reads, writes and directory listings in async context",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(5),
    languages: &[Language::Python],
    fix: FixKind::Unsafe,
    options: &[
        EXTEND_BLOCKING_CALLS,
        RuleOption {
            name: crate::python::INCLUDE_METADATA_CALLS,
            kind: OptionKind::Bool,
            doc: "Also flag metadata look-ups (`os.path.exists`, `os.stat`, `Path.is_file`, ...).",
        },
    ],
    doc: include_str!("../../rules/LG203-blocking-file-io.md"),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    if !checker.semantic.in_async_context() {
        return;
    }
    let Some(name) = site.target() else { return };
    if !checker.settings.python.calls(Rule::BlockingFileIo).matches(name) {
        return;
    }
    let display = name.strip_prefix("builtins.").unwrap_or(name);
    // `with open(p) as f:` cannot be moved to a thread as one call: only plain expressions are.
    let fix = (edits::is_statement_value(checker, site.call)).then(|| {
        Fix::unsafe_edits(
            "Run it in a worker thread with `await asyncio.to_thread(...)`",
            edits::to_thread_edits(checker, site.call),
        )
    });
    let diagnostic = Diagnostic::new(
        Rule::BlockingFileIo,
        format!("`{display}` does blocking file-system I/O in async code: a slow disk or network mount stalls the event loop"),
        site.call.range(),
    )
    .with_help("use `await asyncio.to_thread(...)`, or an async file library (`aiofiles`, `anyio.Path`)")
    .with_fix(fix);
    checker.report(diagnostic);
}
