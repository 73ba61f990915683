//! LG501 retry-without-jitter — docs: rules/LG501-retry-without-jitter.md

use super::prelude::*;
use crate::python::data::data;
use crate::python::facts;

pub const META: RuleMeta = RuleMeta {
    code: "LG501",
    name: "retry-without-jitter",
    summary: "Retries with deterministic delays: clients that failed together retry together (thundering herd)",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(8),
    languages: &[Language::Python],
    fix: FixKind::Mixed,
    options: &[],
    doc: include_str!("../../rules/LG501-retry-without-jitter.md"),
};

const HERD: &str = "every client that failed at the same moment retries at the same moment, so the recovering service is hit by the whole herd again";

/// A hand-written retry loop: `try`/`except` plus a sleep with a fixed or computed delay.
pub(crate) fn python_loop(checker: &mut Checker, body: &[ast::Stmt]) {
    let lists = data();
    let sleeps = lists.list(Rule::RetryWithoutJitter, "sleeps");
    let is_sleep = |call: &ast::ExprCall| {
        checker
            .semantic
            .call_target(call)
            .is_some_and(|target| sleeps.matches(&target))
    };
    let retry_sleeps = facts::retry_sleeps(body, &is_sleep);
    let random_sources = lists.list(Rule::RetryWithoutJitter, "random-sources");
    let function = checker.semantic.current_function();
    for sleep in retry_sleeps {
        let delay = sleep
            .arguments
            .args
            .first()
            .or_else(|| sleep.arguments.keywords.iter().find(|k| k.arg.as_ref().is_some_and(|a| matches!(a.as_str(), "delay" | "seconds" | "secs"))).map(|k| &k.value));
        let Some(delay) = delay else { continue };
        let is_zero = matches!(delay, ast::Expr::NumberLiteral(number) if matches!(&number.value, ast::Number::Int(int) if int.as_u8() == Some(0)));
        if is_zero || facts::involves_randomness(&checker.semantic, delay, random_sources, function) {
            continue;
        }
        let delay_text = checker.text(delay.range());
        let quoted_delay = quote_code(delay_text);
        let shim = edits::module_reference(checker, "loopguard_shim");
        let mut fix_edits = vec![Edit::replacement(delay.range(), format!("{}.full_jitter({delay_text})", shim.name))];
        fix_edits.extend(shim.import);
        let diagnostic = Diagnostic::new(
            Rule::RetryWithoutJitter,
            format!("this retry loop always waits exactly `{quoted_delay}` after a failure: {HERD}"),
            sleep.range(),
        )
        .with_help(format!("randomise the delay: `loopguard_shim.full_jitter({quoted_delay})` draws it uniformly from [0, {quoted_delay}]"))
        .with_fix(Some(Fix::unsafe_edits("Wrap the delay in `loopguard_shim.full_jitter(...)`", fix_edits)));
        checker.report(diagnostic);
    }
}

/// tenacity, backoff and urllib3 retry configurations without jitter.
pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    if lists.list(Rule::RetryWithoutJitter, "tenacity-retries").matches(name) {
        check_tenacity(checker, site, name);
    } else if lists.list(Rule::RetryWithoutJitter, "backoff-decorators").matches(name) {
        let Some(jitter) = site.keyword("jitter") else { return };
        if !jitter.value.is_none_literal_expr() {
            return;
        }
        let diagnostic = Diagnostic::new(
            Rule::RetryWithoutJitter,
            format!("`{name}` with `jitter=None` retries on a fixed schedule: {HERD}"),
            site.call.range(),
        )
        .with_help("drop `jitter=None` (backoff's default is `backoff.full_jitter`)")
        .with_fix(Some(Fix::unsafe_edits("Remove `jitter=None`", vec![edits::remove_keyword(checker.source, site.call, jitter)])));
        checker.report(diagnostic);
    } else if lists.list(Rule::RetryWithoutJitter, "urllib3-retries").matches(name) {
        let positive_backoff = site.keyword("backoff_factor").is_some_and(|keyword| match &keyword.value {
            ast::Expr::NumberLiteral(number) => match &number.value {
                ast::Number::Int(int) => int.as_u64().is_some_and(|value| value > 0),
                ast::Number::Float(value) => *value > 0.0,
                ast::Number::Complex { .. } => false,
            },
            _ => false,
        });
        if !positive_backoff || site.keyword("backoff_jitter").is_some() {
            return;
        }
        let diagnostic = Diagnostic::new(
            Rule::RetryWithoutJitter,
            format!("`Retry(backoff_factor=...)` without `backoff_jitter` backs off on a fixed schedule: {HERD}"),
            site.call.range(),
        )
        .with_help("add `backoff_jitter=<seconds>` (urllib3 ≥ 2), e.g. `backoff_jitter=1.0`");
        checker.report(diagnostic);
    }
}

/// `retry(wait=wait_exponential(...))`: a `wait=` made only of deterministic strategies.
fn check_tenacity(checker: &mut Checker, site: &CallSite, name: &str) {
    let Some(wait) = site.keyword("wait") else { return };
    let deterministic = data().list(Rule::RetryWithoutJitter, "tenacity-deterministic-waits");
    let mut strategies = Vec::new();
    if !collect_strategies(checker, &wait.value, &mut strategies) {
        return;
    }
    if strategies.is_empty() || !strategies.iter().all(|(_, target)| deterministic.matches(target)) {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::RetryWithoutJitter,
        format!("tenacity `{short}` waits on a deterministic schedule (`{}`): {HERD}", quote_code(checker.text(wait.value.range()))),
        site.call.range(),
    )
    .with_help("use `wait_random_exponential(...)` or add `+ wait_random(0, 1)`")
    .with_fix(random_exponential_fix(checker, &strategies));
    checker.report(diagnostic);
}

/// The strategy calls `wait=` is built from (`wait_fixed(1) + wait_exponential()`); `false`
/// when it contains anything else (a variable, a custom strategy), which is not judged.
fn collect_strategies<'e>(checker: &Checker, expr: &'e ast::Expr, out: &mut Vec<(&'e ast::ExprCall, String)>) -> bool {
    match expr {
        ast::Expr::BinOp(binop) => {
            collect_strategies(checker, &binop.left, out) && collect_strategies(checker, &binop.right, out)
        }
        ast::Expr::Call(call) => {
            let Some(target) = checker.semantic.call_target(call) else { return false };
            if !target.starts_with("tenacity.") {
                return false;
            }
            if target == "tenacity.wait_chain" {
                for argument in &call.arguments.args {
                    let argument = match argument {
                        ast::Expr::Starred(_) => return false,
                        other => other,
                    };
                    if !collect_strategies(checker, argument, out) {
                        return false;
                    }
                }
            }
            out.push((call, target));
            true
        }
        _ => false,
    }
}

/// `wait_exponential(...)` alone → `wait_random_exponential(...)` (same parameters).
fn random_exponential_fix(checker: &Checker, strategies: &[(&ast::ExprCall, String)]) -> Option<Fix> {
    let [(call, target)] = strategies else { return None };
    if target != "tenacity.wait_exponential" {
        return None;
    }
    let mut fix_edits = Vec::new();
    match call.func.as_ref() {
        ast::Expr::Attribute(attribute) => {
            fix_edits.push(Edit::replacement(attribute.attr.range(), "wait_random_exponential"));
        }
        _ => {
            let tenacity = edits::module_reference(checker, "tenacity");
            fix_edits.push(Edit::replacement(call.func.range(), format!("{}.wait_random_exponential", tenacity.name)));
            fix_edits.extend(tenacity.import);
        }
    }
    Some(Fix::unsafe_edits("Replace with `wait_random_exponential(...)`", fix_edits))
}
