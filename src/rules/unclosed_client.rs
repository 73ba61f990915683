//! LG603 unclosed-client — docs: rules/LG603-unclosed-client.md

use super::prelude::*;
use crate::python::facts::{self, Fate};

pub const META: RuleMeta = RuleMeta {
    code: "LG603",
    name: "unclosed-client",
    summary:
        "A client or connection assigned to a local that is never closed, managed or handed on",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(6),
    languages: &[Language::Python],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG603-unclosed-client.md"),
};

/// `session = aiohttp.ClientSession()` / `conn = await asyncpg.connect(...)` in a function.
pub(crate) fn python_assign(checker: &mut Checker, assign: &ast::StmtAssign) {
    let [ast::Expr::Name(target)] = assign.targets.as_slice() else {
        return;
    };
    let call = match assign.value.as_ref() {
        ast::Expr::Call(call) => call,
        ast::Expr::Await(await_expr) => match await_expr.value.as_ref() {
            ast::Expr::Call(call) => call,
            _ => return,
        },
        _ => return,
    };
    let Some(name) = checker.semantic.call_target(call) else {
        return;
    };
    let tables = &checker.settings.python;
    let is_client = tables
        .list(Rule::ClientPerRequest, "client-constructors")
        .matches(&name);
    let is_connection = tables
        .list(Rule::ConnectionPerOperation, "connection-constructors")
        .matches(&name);
    if !(is_client || is_connection) || checker.semantic.at_module_or_class_level() {
        return;
    }
    let Some(function) = checker.semantic.current_function() else {
        return;
    };
    let Some(resource) = checker.semantic.bound_by(target) else {
        return;
    };
    if facts::resource_fate(&checker.semantic, resource, &|_| true) != Fate::Dropped {
        return;
    }
    let constructor = checker.text(call.func.range());
    let variable = target.id.as_str();
    let (with, close) = if function.is_async {
        let method = if name.starts_with("httpx.") {
            "aclose"
        } else {
            "close"
        };
        ("async with", format!("`await {variable}.{method}()`"))
    } else {
        ("with", format!("`{variable}.close()`"))
    };
    let diagnostic = Diagnostic::new(
        Rule::UnclosedClient,
        format!("`{variable}` (from `{name}`) is never closed: its sockets stay open until garbage collection, which may never come under load"),
        call.range(),
    )
    .with_help(format!("use `{with} {constructor}(...) as {variable}:`, or call {close} in a `finally`"));
    checker.report(diagnostic);
}
