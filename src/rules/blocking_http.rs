//! LG202 blocking-http — docs: rules/LG202-blocking-http.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;

pub const META: RuleMeta = RuleMeta {
    code: "LG202",
    name: "blocking-http",
    summary: "A synchronous HTTP request (`requests`, `urllib`, sync `httpx`, `reqwest::blocking`, `ureq`) in async context",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Unsafe,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG202-blocking-http.md"),
    hooks: Hooks::blocking(python_call, rust_call),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingHttp) else {
        return;
    };
    let fix = edits::to_thread_fix(checker, site.call);
    let diagnostic = Diagnostic::new(
        Rule::BlockingHttp,
        format!("`{name}` is a blocking HTTP call in async code: the event loop stalls until the server answers"),
        site.call.range(),
    )
    .with_help("use an async client (`httpx.AsyncClient`, `aiohttp.ClientSession`) or `await asyncio.to_thread(...)`")
    .with_fix(fix);
    checker.report(diagnostic);
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingHttp) else {
        return;
    };
    let diagnostic = if name.starts_with("std::net::") {
        Diagnostic::new(
            Rule::BlockingHttp,
            format!("`{name}` is blocking network I/O in async code: the runtime's worker thread stalls until the name server or the peer answers"),
            checker.range(site.span()),
        )
        .with_help("use `tokio::net` (`TcpStream::connect(..).await`, `lookup_host(..).await`), or move the call into `tokio::task::spawn_blocking`")
    } else {
        Diagnostic::new(
            Rule::BlockingHttp,
            format!("`{name}` is a blocking HTTP call in async code: the runtime's worker thread stalls until the server answers"),
            checker.range(site.span()),
        )
        .with_help("use the async `reqwest::Client` (`.send().await`), or move the call into `tokio::task::spawn_blocking`")
    };
    checker.report(diagnostic);
}
