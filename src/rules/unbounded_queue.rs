//! LG103 unbounded-queue — docs: rules/LG103-unbounded-queue.md

use super::prelude::*;
use crate::python::data::data;

pub const META: RuleMeta = RuleMeta {
    code: "LG103",
    name: "unbounded-queue",
    summary: "A work queue without `maxsize`: producers never wait, so a slow consumer lets memory grow without bound",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(1),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG103-unbounded-queue.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        python_triggers: Some(&["Queue"]),
        rust_triggers: Some(&["channel", "unbounded"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !data().rules.unbounded_queue.constructors.matches(name) {
        return;
    }
    let maxsize = site
        .keyword("maxsize")
        .map(|keyword| &keyword.value)
        .or_else(|| site.call.arguments.args.first());
    let unbounded = match maxsize {
        None => true,
        Some(ast::Expr::NumberLiteral(number)) => {
            matches!(&number.value, ast::Number::Int(int) if int.as_u64() == Some(0))
        }
        Some(ast::Expr::UnaryOp(unary)) => {
            unary.op == ast::UnaryOp::USub && unary.operand.is_number_literal_expr()
        }
        Some(_) => false,
    };
    if !unbounded {
        return;
    }
    let display = checker.text(site.call.func.range());
    let diagnostic = Diagnostic::new(
        Rule::UnboundedQueue,
        format!("`{display}` has no `maxsize`: producers never wait, so when consumers fall behind the queue (and memory) grows without bound"),
        site.call.range(),
    )
    .with_help(format!("give it a bound, e.g. `{display}(maxsize={})`, so `put()` applies backpressure", checker.settings.default_limit * 64));
    checker.report(diagnostic);
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = site.target() else { return };
    if !rust_data().rules.unbounded_queue.constructors.matches(name) {
        return;
    }
    let capacity = checker.settings.default_limit * 64;
    let bounded = match name {
        "std::sync::mpsc::channel" => "std::sync::mpsc::sync_channel".to_string(),
        "tokio::sync::mpsc::unbounded_channel" => "tokio::sync::mpsc::channel".to_string(),
        "futures::channel::mpsc::unbounded" => "futures::channel::mpsc::channel".to_string(),
        other => other.replacen("unbounded", "bounded", 1),
    };
    let diagnostic = Diagnostic::new(
        Rule::UnboundedQueue,
        format!("`{name}` has no capacity: senders never wait, so when receivers fall behind the channel (and memory) grows without bound"),
        checker.range(site.span()),
    )
    .with_help(format!("use `{bounded}({capacity})`, whose `send` waits for room (backpressure)"));
    checker.report(diagnostic);
}
