//! LG603 unclosed-client — docs: rules/LG603-unclosed-client.md

use super::prelude::*;
use crate::python::facts::{self, Fate};
use crate::rules::client_per_request::{CLIENT_CONSTRUCTOR_NAMES, EXTEND_CLIENT_CONSTRUCTORS};
use crate::rules::connection_per_operation::{
    CONNECTION_CONSTRUCTOR_NAMES, EXTEND_CONNECTION_CONSTRUCTORS,
};

/// Both constructor lists' names: the rule matches what either rule's list does.
const UNCLOSED_CLIENT_TRIGGERS: [&str;
    CONNECTION_CONSTRUCTOR_NAMES.len() + CLIENT_CONSTRUCTOR_NAMES.len()] =
    join(CONNECTION_CONSTRUCTOR_NAMES, CLIENT_CONSTRUCTOR_NAMES);

/// `first` then `second`, as one array (a `const` cannot concatenate slices otherwise).
const fn join<const N: usize>(
    first: &[&'static str],
    second: &[&'static str],
) -> [&'static str; N] {
    let mut joined = [""; N];
    let mut index = 0;
    while index < first.len() {
        joined[index] = first[index];
        index += 1;
    }
    while index < N {
        joined[index] = second[index - first.len()];
        index += 1;
    }
    joined
}

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
        python_triggers: Some(&UNCLOSED_CLIENT_TRIGGERS),
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
