//! LG502 missing-timeout — docs: rules/LG502-missing-timeout.md

use super::prelude::*;
use crate::python::data::data;

pub const META: RuleMeta = RuleMeta {
    code: "LG502",
    name: "missing-timeout",
    summary: "An HTTP call without a timeout: one unresponsive server hangs the caller forever",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(8),
    languages: &[Language::Python],
    fix: FixKind::Unsafe,
    options: &[],
    doc: include_str!("../../rules/LG502-missing-timeout.md"),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    // `**kwargs` may carry a timeout.
    if site.call.arguments.keywords.iter().any(|keyword| keyword.arg.is_none()) {
        return;
    }
    let timeout = site.keyword("timeout");
    let explicit_none = timeout.is_some_and(|keyword| keyword.value.is_none_literal_expr());
    let missing = if lists.list(Rule::MissingTimeout, "requests").matches(name) {
        timeout.is_none() || explicit_none
    } else if lists.list(Rule::MissingTimeout, "urlopen").matches(name) {
        // `urlopen(url, data, timeout)`.
        (timeout.is_none() && site.call.arguments.args.len() < 3) || explicit_none
    } else if lists.list(Rule::MissingTimeout, "httpx").matches(name) {
        explicit_none
    } else {
        return;
    };
    if !missing || site.call.arguments.args.iter().any(ast::Expr::is_starred_expr) {
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
                None => Edit::insertion(arguments.end() - ruff_text_size::TextSize::from(1), format!("timeout={seconds}")),
            }
        }
    };
    Some(Fix::unsafe_edits(format!("Add `timeout={seconds}`"), vec![edit]))
}

fn format_seconds(seconds: f64) -> String {
    if seconds.fract() == 0.0 && seconds < 1e15 {
        format!("{}", seconds as u64)
    } else {
        format!("{seconds}")
    }
}
