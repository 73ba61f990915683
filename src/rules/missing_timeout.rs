//! LG502 missing-timeout — docs: rules/LG502-missing-timeout.md

use super::prelude::*;
use crate::python::data::data;
use crate::rust::checker::{BodyQuestion, Enclosing};

pub const META: RuleMeta = RuleMeta {
    code: "LG502",
    name: "missing-timeout",
    summary: "An HTTP call without a timeout: one unresponsive server hangs the caller forever",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(8),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Unsafe,
    options: &[],
    doc: include_str!("../../rules/LG502-missing-timeout.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        python_triggers: Some(&["requests", "urlopen", "httpx"]),
        rust_triggers: Some(&["reqwest"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    // `**kwargs` may carry a timeout.
    if site
        .call
        .arguments
        .keywords
        .iter()
        .any(|keyword| keyword.arg.is_none())
    {
        return;
    }
    let timeout = site.keyword("timeout");
    let explicit_none = timeout.is_some_and(|keyword| keyword.value.is_none_literal_expr());
    let missing = if lists.rules.missing_timeout.requests.matches(name) {
        timeout.is_none() || explicit_none
    } else if lists.rules.missing_timeout.urlopen.matches(name) {
        // `urlopen(url, data, timeout)`.
        (timeout.is_none() && site.call.arguments.args.len() < 3) || explicit_none
    } else if lists.rules.missing_timeout.httpx.matches(name) {
        explicit_none
    } else {
        return;
    };
    if !missing
        || site
            .call
            .arguments
            .args
            .iter()
            .any(ast::Expr::is_starred_expr)
    {
        return;
    }
    let display = checker.text(site.call.func.range());
    let seconds = format_seconds(checker.settings.default_timeout);
    let message = if explicit_none {
        format!("`{display}(..., timeout=None)` waits forever: one server that stops responding hangs this call (and its worker) indefinitely")
    } else {
        format!("`{display}` without `timeout=` waits forever: one server that stops responding hangs this call (and its worker) indefinitely")
    };
    let diagnostic = Diagnostic::new(Rule::MissingTimeout, message, site.call.range())
        .with_help(format!("pass `timeout={seconds}` (seconds; `default-timeout` in the config sets the value the fix uses)"))
        .with_fix(timeout_fix(site, timeout, &seconds));
    checker.report(diagnostic);
}

fn timeout_fix(site: &CallSite, timeout: Option<&ast::Keyword>, seconds: &str) -> Option<Fix> {
    let edit = match timeout {
        Some(keyword) => Edit::replacement(keyword.value.range(), seconds),
        None => {
            let arguments = &site.call.arguments;
            let last_end = arguments
                .args
                .iter()
                .map(Ranged::end)
                .chain(arguments.keywords.iter().map(Ranged::end))
                .max();
            match last_end {
                Some(end) => Edit::insertion(end, format!(", timeout={seconds}")),
                None => Edit::insertion(
                    arguments.end() - ruff_text_size::TextSize::from(1),
                    format!("timeout={seconds}"),
                ),
            }
        }
    };
    Some(Fix::unsafe_edits(
        format!("Add `timeout={seconds}`"),
        vec![edit],
    ))
}

fn format_seconds(seconds: f64) -> String {
    if seconds.fract() == 0.0 && seconds < 1e15 {
        format!("{}", seconds as u64)
    } else {
        format!("{seconds}")
    }
}

/// Builder settings that bound how long a request may hang.
const RUST_TIMEOUTS: &[&str] = &["timeout", "read_timeout"];

/// `reqwest::Client::new()`, and `Client::builder()...build()` without `.timeout(..)`.
pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = site.target() else { return };
    let lists = rust_data();
    let seconds = checker.settings.default_timeout;
    if lists.rules.missing_timeout.clients.matches(name) {
        let diagnostic = Diagnostic::new(
            Rule::MissingTimeout,
            "`reqwest::Client::new()` has no request timeout: one server that accepts the connection and never answers hangs the request forever".to_string(),
            checker.range(site.span()),
        )
        .with_help(format!("build it with a timeout: `reqwest::Client::builder().timeout(Duration::from_secs({seconds})).build()?`"));
        report_unless_requests_timed(checker, site, diagnostic);
        return;
    }
    let CallKind::Method(build) = site.kind else {
        return;
    };
    if name != "reqwest::ClientBuilder::build" {
        return;
    }
    let (root, calls) = rust_facts::method_chain(&build.receiver);
    let syn::Expr::Call(constructor) = root else {
        return;
    };
    let syn::Expr::Path(path) = constructor.func.as_ref() else {
        return;
    };
    let starts_at_builder = checker
        .semantic
        .resolve_path(&path.path)
        .is_some_and(|target| lists.rules.missing_timeout.builders.matches(&target));
    if !starts_at_builder
        || calls
            .iter()
            .any(|call| RUST_TIMEOUTS.contains(&call.method.to_string().as_str()))
    {
        return;
    }
    let duration = format!("std::time::Duration::from_secs({})", seconds.ceil() as u64);
    let diagnostic = Diagnostic::new(
        Rule::MissingTimeout,
        "this `reqwest::Client` is built without `.timeout(..)`: one server that accepts the connection and never answers hangs the request forever".to_string(),
        checker.range(site.span()),
    )
    .with_help(format!("add `.timeout({duration})` before `.build()`"))
    .with_fix(Some(Fix::unsafe_edits(
        format!("Add `.timeout({duration})`"),
        vec![Edit::insertion(checker.range(build.dot_token.span).start(), format!(".timeout({duration})"))],
    )));
    report_unless_requests_timed(checker, site, diagnostic);
}

/// A client whose every request sets `.timeout(..)` on its request builder is not missing one
/// (see `rust_facts::requests_set_timeouts`).
fn report_unless_requests_timed(
    checker: &mut RustChecker,
    site: &RustCallSite,
    diagnostic: Diagnostic,
) {
    let start = site.span().start();
    let timed: BodyQuestion =
        Box::new(move |body, _| rust_facts::requests_set_timeouts(body, start));
    checker.report_unless(diagnostic, vec![(Enclosing::Function, timed)]);
}
