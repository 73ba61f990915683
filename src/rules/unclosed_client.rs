//! LG603 unclosed-client — docs: rules/LG603-unclosed-client.md

use super::prelude::*;
use crate::python::facts::{self, Fate};
use crate::rules::client_per_request::EXTEND_CLIENT_CONSTRUCTORS;
use crate::rules::connection_per_operation::EXTEND_CONNECTION_CONSTRUCTORS;

/// Both constructor lists' names (`CONNECTION_CONSTRUCTOR_NAMES`, `CLIENT_CONSTRUCTOR_NAMES`; a
/// test checks it is their union).
const UNCLOSED_CLIENT_TRIGGERS: &[&str] = &[
    "connect",
    "create_pool",
    "Redis",
    "from_url",
    "MongoClient",
    "AsyncIOMotorClient",
    "create_engine",
    "create_async_engine",
    "Client",
    "Session",
    "session",
];

pub const META: RuleMeta = RuleMeta {
    code: "LG603",
    name: "unclosed-client",
    summary:
        "A client or connection assigned to a local that is never closed, managed or handed on",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(6),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG603-unclosed-client.md"),
    hooks: Hooks {
        python_statement: Some(python_statement),
        python_triggers: Some(UNCLOSED_CLIENT_TRIGGERS),
        ..Hooks::NONE
    },
};

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    if let ast::Stmt::Assign(assign) = statement {
        python_assign(checker, assign);
    }
}

/// `session = aiohttp.ClientSession()` / `conn = await asyncpg.connect(...)` in a function.
fn python_assign(checker: &mut Checker, assign: &ast::StmtAssign) {
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
        .extended(Rule::ClientPerRequest, &EXTEND_CLIENT_CONSTRUCTORS)
        .is_some_and(|constructors| constructors.matches(&name));
    let is_connection = tables
        .extended(
            Rule::ConnectionPerOperation,
            &EXTEND_CONNECTION_CONSTRUCTORS,
        )
        .is_some_and(|constructors| constructors.matches(&name));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::client_per_request::CLIENT_CONSTRUCTOR_NAMES;
    use crate::rules::connection_per_operation::CONNECTION_CONSTRUCTOR_NAMES;

    /// The rule matches both constructor lists, so a file the pre-filter skips for it must
    /// contain neither list's names.
    #[test]
    fn triggers_are_both_constructor_lists() {
        let both: Vec<&str> = CONNECTION_CONSTRUCTOR_NAMES
            .iter()
            .chain(CLIENT_CONSTRUCTOR_NAMES)
            .copied()
            .collect();
        assert_eq!(UNCLOSED_CLIENT_TRIGGERS, both.as_slice());
    }
}
