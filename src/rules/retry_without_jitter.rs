//! LG501 retry-without-jitter — docs: rules/LG501-retry-without-jitter.md

use super::prelude::*;
use crate::python::data::data;
use crate::python::facts;
use crate::rust::checker::{BodyQuestion, Enclosing};

pub const META: RuleMeta = RuleMeta {
    code: "LG501",
    name: "retry-without-jitter",
    summary: "Retries with deterministic delays: clients that failed together retry together (thundering herd)",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(8),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Mixed,
    options: &[INCLUDE_RUST_RETRY_LOOPS],
    doc: include_str!("../../rules/LG501-retry-without-jitter.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        python_statement: Some(python_statement),
        rust_call: Some(rust_call),
        rust_struct_literal: Some(rust_struct),
        rust_assignment: Some(rust_assignment),
        python_triggers: Some(&["sleep", "tenacity", "backoff", "Retry"]),
        rust_triggers: Some(&["sleep", "tokio_retry", "backon", "backoff::"]),
        ..Hooks::NONE
    },
};

/// Rust retry loops are opt-in: their precision on real crates is below the default-on bar.
pub const INCLUDE_RUST_RETRY_LOOPS: crate::config::RuleOption = crate::config::RuleOption {
    name: "include-rust-retry-loops",
    kind: crate::config::OptionKind::Bool,
    doc: "Also flag hand-written Rust retry loops (a sleep in a loop's error branch); off by default because their triaged precision on real crates (1 of 4) is below the 90% a default-on rule needs. tokio-retry, backon and backoff configurations are always checked.",
};

const HERD: &str = "every client that failed at the same moment retries at the same moment, so the recovering service is hit by the whole herd again";

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    match statement {
        ast::Stmt::For(for_stmt) => python_loop(checker, &for_stmt.body),
        ast::Stmt::While(while_stmt) => python_loop(checker, &while_stmt.body),
        _ => {}
    }
}

/// A hand-written retry loop: `try`/`except` plus a sleep with a fixed or computed delay.
fn python_loop(checker: &mut Checker, body: &[ast::Stmt]) {
    let lists = data();
    let sleeps = lists.rules.retry_without_jitter.sleeps.matcher();
    let is_sleep = |call: &ast::ExprCall| {
        checker
            .semantic
            .call_target(call)
            .is_some_and(|target| sleeps.matches(&target))
    };
    let retry_sleeps = retry_sleeps(body, &is_sleep);
    let random_sources = lists.rules.retry_without_jitter.random_sources.matcher();
    for sleep in retry_sleeps {
        let delay = sleep.arguments.args.first().or_else(|| {
            sleep
                .arguments
                .keywords
                .iter()
                .find(|k| {
                    k.arg
                        .as_ref()
                        .is_some_and(|a| matches!(a.as_str(), "delay" | "seconds" | "secs"))
                })
                .map(|k| &k.value)
        });
        let Some(delay) = delay else { continue };
        let is_zero = matches!(delay, ast::Expr::NumberLiteral(number) if matches!(&number.value, ast::Number::Int(int) if int.as_u8() == Some(0)));
        if is_zero || facts::involves_randomness(&checker.semantic, delay, random_sources) {
            continue;
        }
        let delay_text = checker.text(delay.range());
        let quoted_delay = quote_code(delay_text);
        // A wait the server mandates is a minimum: the jitter goes on top of it.
        let (function, help) = if facts::is_mandated_wait(delay) {
            ("jitter_above", format!("randomise the delay without shortening the wait the other side asked for: `loopguard_shim.jitter_above({quoted_delay})` draws it uniformly from [{quoted_delay}, 2 × {quoted_delay}]"))
        } else {
            ("full_jitter", format!("randomise the delay: `loopguard_shim.full_jitter({quoted_delay})` draws it uniformly from [0, {quoted_delay}]"))
        };
        let shim = edits::module_reference(checker, "loopguard_shim");
        let mut fix_edits = vec![Edit::replacement(
            delay.range(),
            format!("{}.{function}({delay_text})", shim.name),
        )];
        let dependency = if shim.import.is_some() {
            crate::fix::ADDS_SHIM_DEPENDENCY
        } else {
            ""
        };
        fix_edits.extend(shim.import);
        let diagnostic = Diagnostic::new(
            Rule::RetryWithoutJitter,
            format!(
                "this retry loop always waits exactly `{quoted_delay}` after a failure: {HERD}"
            ),
            sleep.range(),
        )
        .with_help(help)
        .with_fix(Some(Fix::unsafe_edits(
            format!("Wrap the delay in `loopguard_shim.{function}(...)`{dependency}"),
            fix_edits,
        )));
        checker.report(diagnostic);
    }
}

/// The sleeps of a loop body that are retry delays: in an `except` handler of a `try` in the
/// loop, or after such a `try` when its success leaves the loop (`break`/`return` in its body or
/// `else`), so that the loop only repeats on failure. Nested loops and functions are their own.
fn retry_sleeps<'a>(
    body: &'a [ast::Stmt],
    is_sleep: &dyn Fn(&ast::ExprCall) -> bool,
) -> Vec<&'a ast::ExprCall> {
    let mut sleeps = Vec::new();
    let mut exits_on_success = false;
    let mut after_try = false;
    collect_retry_sleeps(
        body,
        is_sleep,
        &mut sleeps,
        &mut exits_on_success,
        &mut after_try,
    );
    sleeps
}

fn collect_retry_sleeps<'a>(
    body: &'a [ast::Stmt],
    is_sleep: &dyn Fn(&ast::ExprCall) -> bool,
    sleeps: &mut Vec<&'a ast::ExprCall>,
    exits_on_success: &mut bool,
    after_try: &mut bool,
) {
    for statement in body {
        match statement {
            ast::Stmt::Try(try_stmt) if !try_stmt.handlers.is_empty() => {
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    sleeps.extend(sleep_calls(&handler.body, is_sleep));
                }
                if leaves_loop(&try_stmt.body) || leaves_loop(&try_stmt.orelse) {
                    *exits_on_success = true;
                }
                *after_try = true;
            }
            ast::Stmt::If(if_stmt) => {
                collect_retry_sleeps(&if_stmt.body, is_sleep, sleeps, exits_on_success, after_try);
                for clause in &if_stmt.elif_else_clauses {
                    collect_retry_sleeps(
                        &clause.body,
                        is_sleep,
                        sleeps,
                        exits_on_success,
                        after_try,
                    );
                }
            }
            ast::Stmt::With(with) => {
                collect_retry_sleeps(&with.body, is_sleep, sleeps, exits_on_success, after_try)
            }
            ast::Stmt::Expr(_) if *after_try && *exits_on_success => {
                sleeps.extend(sleep_calls(std::slice::from_ref(statement), is_sleep));
            }
            _ => {}
        }
    }
}

fn leaves_loop(body: &[ast::Stmt]) -> bool {
    let mut found = false;
    facts::for_each_in_scope(body, &mut |node| {
        if let facts::Node::Stmt(statement) = node {
            found |= matches!(statement, ast::Stmt::Break(_) | ast::Stmt::Return(_));
        }
    });
    found
}

/// Sleep calls in a statement list, not inside nested loops (they are their own retry loops)
/// or nested functions.
fn sleep_calls<'a>(
    body: &'a [ast::Stmt],
    is_sleep: &dyn Fn(&ast::ExprCall) -> bool,
) -> Vec<&'a ast::ExprCall> {
    let mut found = Vec::new();
    for statement in body {
        if matches!(statement, ast::Stmt::For(_) | ast::Stmt::While(_)) {
            continue;
        }
        facts::for_each_in_scope(std::slice::from_ref(statement), &mut |node| {
            if let facts::Node::Expr(ast::Expr::Call(call)) = node {
                if is_sleep(call) {
                    found.push(call);
                }
            }
        });
    }
    found
}

/// tenacity, backoff and urllib3 retry configurations without jitter.
pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    if lists
        .rules
        .retry_without_jitter
        .tenacity_retries
        .matches(name)
    {
        check_tenacity(checker, site, name);
    } else if lists
        .rules
        .retry_without_jitter
        .backoff_decorators
        .matches(name)
    {
        let Some(jitter) = site.keyword("jitter") else {
            return;
        };
        if !jitter.value.is_none_literal_expr() {
            return;
        }
        let diagnostic = Diagnostic::new(
            Rule::RetryWithoutJitter,
            format!("`{name}` with `jitter=None` retries on a fixed schedule: {HERD}"),
            site.call.range(),
        )
        .with_help("drop `jitter=None` (backoff's default is `backoff.full_jitter`)")
        .with_fix(Some(Fix::unsafe_edits(
            "Remove `jitter=None`",
            vec![edits::remove_keyword(checker.source, site.call, jitter)],
        )));
        checker.report(diagnostic);
    } else if lists
        .rules
        .retry_without_jitter
        .urllib3_retries
        .matches(name)
    {
        let positive_backoff = site
            .keyword("backoff_factor")
            .is_some_and(|keyword| match &keyword.value {
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
    let Some(wait) = site.keyword("wait") else {
        return;
    };
    let deterministic = data()
        .rules
        .retry_without_jitter
        .tenacity_deterministic_waits
        .matcher();
    let mut strategies = Vec::new();
    if !collect_strategies(checker, &wait.value, &mut strategies) {
        return;
    }
    if strategies.is_empty()
        || !strategies
            .iter()
            .all(|(_, target)| deterministic.matches(target))
    {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::RetryWithoutJitter,
        format!(
            "tenacity `{short}` waits on a deterministic schedule (`{}`): {HERD}",
            quote_code(checker.text(wait.value.range()))
        ),
        site.call.range(),
    )
    .with_help("use `wait_random_exponential(...)` or add `+ wait_random(0, 1)`")
    .with_fix(random_exponential_fix(checker, &strategies));
    checker.report(diagnostic);
}

/// The strategy calls `wait=` is built from (`wait_fixed(1) + wait_exponential()`); `false`
/// when it contains anything else (a variable, a custom strategy), which is not judged.
fn collect_strategies<'e>(
    checker: &Checker,
    expr: &'e ast::Expr,
    out: &mut Vec<(&'e ast::ExprCall, String)>,
) -> bool {
    match expr {
        ast::Expr::BinOp(binop) => {
            collect_strategies(checker, &binop.left, out)
                && collect_strategies(checker, &binop.right, out)
        }
        ast::Expr::Call(call) => {
            let Some(target) = checker.semantic.call_target(call) else {
                return false;
            };
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
fn random_exponential_fix(
    checker: &Checker,
    strategies: &[(&ast::ExprCall, String)],
) -> Option<Fix> {
    let [(call, target)] = strategies else {
        return None;
    };
    if target != "tenacity.wait_exponential" {
        return None;
    }
    let mut fix_edits = Vec::new();
    match call.func.as_ref() {
        ast::Expr::Attribute(attribute) => {
            fix_edits.push(Edit::replacement(
                attribute.attr.range(),
                "wait_random_exponential",
            ));
        }
        _ => {
            let tenacity = edits::module_reference(checker, "tenacity");
            fix_edits.push(Edit::replacement(
                call.func.range(),
                format!("{}.wait_random_exponential", tenacity.name),
            ));
            fix_edits.extend(tenacity.import);
        }
    }
    Some(Fix::unsafe_edits(
        "Replace with `wait_random_exponential(...)`",
        fix_edits,
    ))
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    // A strategy chain's outer calls have no known target (`.take(5)` on a strategy), so the
    // chain is checked from its outermost call whatever that resolves to.
    match site.target() {
        Some(name) if rust_data().rules.retry_without_jitter.sleeps.matches(name) => {
            rust_retry_sleep(checker, site, name);
        }
        Some(name)
            if rust_data()
                .rules
                .retry_without_jitter
                .backoff_randomization_setters
                .matches(name) =>
        {
            let CallKind::Method(call) = site.kind else {
                return;
            };
            if call.args.first().is_some_and(is_zero_literal) {
                report_zero_randomization(
                    checker,
                    "ExponentialBackoffBuilder",
                    checker.range(site.span()),
                );
            }
        }
        _ if !site.in_chain => rust_strategy(checker, site),
        _ => {}
    }
}

/// A sleep in the error branch of a loop (`Err(e) => sleep(d).await`) with a delay that involves
/// no randomness.
fn rust_retry_sleep(checker: &mut RustChecker, site: &RustCallSite, name: &str) {
    if !checker
        .settings
        .flag(Rule::RetryWithoutJitter, &INCLUDE_RUST_RETRY_LOOPS)
    {
        return;
    }
    let CallKind::Function(call) = site.kind else {
        return;
    };
    if !checker.semantic.in_error_branch_of_loop() {
        return;
    }
    let Some(delay) = call.args.first() else {
        return;
    };
    // A delay computed by code this file does not show (`policy.next_delay()`, a project's
    // backoff function) may be jittered there: precision first.
    if rust_facts::draws_randomness(rust_facts::Body::Expr(delay), &checker.semantic)
        || rust_facts::computed_elsewhere(delay, &checker.semantic)
    {
        return;
    }
    let short = name.rsplit("::").next().unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::RetryWithoutJitter,
        format!("this retry `{short}` waits a deterministic delay after an error: {HERD}"),
        checker.range(site.span()),
    )
    .with_help("randomise the delay: `loopguard_shim::full_jitter(delay)`, or drive the retries with `loopguard_shim::retry::Backoff` (capped exponential with full jitter)");
    // A server pausing after a failed `accept()` (out of file descriptors) protects itself; it
    // retries nothing against another service, so there is no herd to spread. A delay computed
    // with randomness anywhere in the function (`let jitter = rng.gen_range(..)`) is spread, and
    // one held in a local that code elsewhere computes (`let delay = policy.next_delay()`) may be.
    let accepts: BodyQuestion = Box::new(|body, _| rust_facts::accepts_connections(body));
    let names = rust_facts::names_read(delay);
    let randomised: BodyQuestion = Box::new(move |body, semantic| {
        rust_facts::draws_randomness(body, semantic)
            || rust_facts::binds_computed_elsewhere(body, &names, semantic)
    });
    checker.report_unless(
        diagnostic,
        vec![
            (Enclosing::Loop, accepts),
            (Enclosing::Function, randomised),
        ],
    );
}

/// A tokio-retry strategy without `.map(jitter)` or a backon builder without `.with_jitter()`,
/// checked once per chain at its outermost call.
fn rust_strategy(checker: &mut RustChecker, site: &RustCallSite) {
    let (constructor, calls) = match site.kind {
        CallKind::Function(call) => (call, Vec::new()),
        CallKind::Method(call) => {
            let (root, mut calls) = rust_facts::method_chain(&call.receiver);
            let syn::Expr::Call(constructor) = root else {
                return;
            };
            calls.push(call);
            (constructor, calls)
        }
    };
    let syn::Expr::Path(path) = constructor.func.as_ref() else {
        return;
    };
    let Some(target) = checker.semantic.resolve_path(&path.path) else {
        return;
    };
    // A strategy kept in a `const` or `static`, or handed to the project's own code (a wrapper
    // like `JitteredBackoff::new(builder)`), is configuration: the code that uses it, which this
    // chain does not show, may jitter its delays (`BACKOFF.build().map(jittered)`).
    if site.handed_to_project || checker.semantic.function_scope().is_none() {
        return;
    }
    let lists = rust_data();
    let method_named = |name: &str| calls.iter().any(|call| call.method == name);
    let mapped_through_jitter = calls.iter().any(|call| {
        call.method == "map"
            && call
                .args
                .iter()
                .any(|argument| rust_facts::names_jitter(argument, &checker.semantic))
    });
    let constructor_range = checker.range(constructor.span());
    if lists
        .rules
        .retry_without_jitter
        .tokio_retry_strategies
        .matches(&target)
    {
        if mapped_through_jitter {
            return;
        }
        // `.map(jitter)` turns the strategy into a plain iterator: it goes after the strategy's
        // own settings (`factor`, `max_delay`).
        let settings = lists
            .rules
            .retry_without_jitter
            .tokio_retry_settings
            .matcher();
        let after = calls
            .iter()
            .take_while(|call| settings.matches(&call.method.to_string()))
            .last()
            .map_or(constructor_range.end(), |call| {
                checker.range(call.paren_token.span.close()).end()
            });
        let crate_name = target.split("::").next().unwrap_or("tokio_retry");
        let jitter_path = format!("{crate_name}::strategy::jitter");
        let imported = checker
            .semantic
            .resolve_path(&syn::parse_quote!(jitter))
            .as_deref()
            == Some(jitter_path.as_str());
        let fix = if imported {
            Fix::safe(
                "Add `.map(jitter)`",
                vec![Edit::insertion(after, ".map(jitter)")],
            )
        } else {
            Fix::unsafe_edits(
                format!("Add `.map({jitter_path})`"),
                vec![Edit::insertion(after, format!(".map({jitter_path})"))],
            )
        };
        let short = target.rsplit("::").nth(1).unwrap_or(&target);
        let diagnostic = Diagnostic::new(
            Rule::RetryWithoutJitter,
            format!("this `{short}` retry strategy has no jitter: {HERD}"),
            constructor_range,
        )
        .with_help("map the delays through `tokio_retry::strategy::jitter` (`.map(jitter)`)")
        .with_fix(Some(fix));
        checker.report(diagnostic);
    } else if lists
        .rules
        .retry_without_jitter
        .backon_builders
        .matches(&target)
    {
        if method_named("with_jitter") || mapped_through_jitter {
            return;
        }
        let short = target.rsplit("::").nth(1).unwrap_or(&target);
        let diagnostic = Diagnostic::new(
            Rule::RetryWithoutJitter,
            format!("this `{short}` has no jitter: {HERD}"),
            constructor_range,
        )
        .with_help("call `.with_jitter()` on the builder")
        .with_fix(Some(Fix::safe(
            "Add `.with_jitter()`",
            vec![Edit::insertion(constructor_range.end(), ".with_jitter()")],
        )));
        checker.report(diagnostic);
    }
}

/// `ExponentialBackoff { randomization_factor: 0.0, .. }`: backoff's policy with its jitter
/// turned off (its default factor, 0.5, randomises every delay).
pub(crate) fn rust_struct(checker: &mut RustChecker, literal: &syn::ExprStruct) {
    if literal.qself.is_some() {
        return;
    }
    let Some(target) = checker.semantic.resolve_path(&literal.path) else {
        return;
    };
    if !rust_data()
        .rules
        .retry_without_jitter
        .backoff_policies
        .matches(&target)
    {
        return;
    }
    let zeroed = literal.fields.iter().find(|field| {
        matches!(&field.member, syn::Member::Named(name) if name == "randomization_factor")
            && is_zero_literal(&field.expr)
    });
    if let Some(field) = zeroed {
        report_zero_randomization(checker, "ExponentialBackoff", checker.range(field.span()));
    }
}

/// `policy.randomization_factor = 0.0` on a value the file states is backoff's policy.
pub(crate) fn rust_assignment(checker: &mut RustChecker, assignment: &syn::ExprAssign) {
    let syn::Expr::Field(field) = assignment.left.as_ref() else {
        return;
    };
    if !matches!(&field.member, syn::Member::Named(name) if name == "randomization_factor")
        || !is_zero_literal(&assignment.right)
    {
        return;
    }
    let Some(policy) = checker.semantic.type_of(&field.base) else {
        return;
    };
    if rust_data()
        .rules
        .retry_without_jitter
        .backoff_policies
        .matches(&policy)
    {
        report_zero_randomization(
            checker,
            "ExponentialBackoff",
            checker.range(assignment.span()),
        );
    }
}

fn report_zero_randomization(
    checker: &mut RustChecker,
    short: &str,
    range: ruff_text_size::TextRange,
) {
    let diagnostic = Diagnostic::new(
        Rule::RetryWithoutJitter,
        format!("this backoff `{short}` has `randomization_factor` 0, so its delays are deterministic: {HERD}"),
        range,
    )
    .with_help("leave `randomization_factor` at backoff's default (0.5), or set it between 0 and 1 (0.5 spreads each delay over ±50%)");
    checker.report(diagnostic);
}

/// `0`, `0.0`, `0.`, `0f64`, `0.0_f64`.
fn is_zero_literal(expr: &syn::Expr) -> bool {
    let syn::Expr::Lit(literal) = expr else {
        return false;
    };
    match &literal.lit {
        syn::Lit::Float(float) => float.base10_parse::<f64>().is_ok_and(|value| value == 0.0),
        syn::Lit::Int(int) => int.base10_parse::<u64>().is_ok_and(|value| value == 0),
        _ => false,
    }
}
