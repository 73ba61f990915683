//! LG205 blocking-database — docs: rules/LG205-blocking-database.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;
use crate::python::blocking::Blocking;

pub const META: RuleMeta = RuleMeta {
    code: "LG205",
    name: "blocking-database",
    summary: "A synchronous database driver (sqlite3, psycopg2, redis, pymongo, rusqlite, postgres, r2d2, ...) used in async context",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG205-blocking-database.md"),
    hooks: Hooks::blocking(python_call, rust_call),
};

const HELP: &str = "use an async driver (`aiosqlite`, `asyncpg`, psycopg's `AsyncConnection`, `redis.asyncio`, `motor`) or a pool, or `await asyncio.to_thread(...)`";

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    if let Some(name) = checker.blocking_call(site, Rule::BlockingDatabase) {
        let diagnostic = Diagnostic::new(
            Rule::BlockingDatabase,
            format!("`{name}` opens a synchronous database connection in async code: connecting and every query on it block the event loop"),
            site.call.range(),
        )
        .with_help(HELP);
        checker.report(diagnostic);
        return;
    }
    if !checker.semantic.in_async_context() {
        return;
    }
    if let Some(Blocking::Method {
        rule: Rule::BlockingDatabase,
        receiver_type,
    }) = checker.blocking(site)
    {
        report_connection_method(checker, site, receiver_type);
    }
}

/// A method of a sync connection or cursor: reported once per receiver and function, and not
/// at all when the function opened the connection (its `connect` is the finding).
fn report_connection_method(checker: &mut Checker, site: &CallSite, receiver_type: &str) {
    let ast::Expr::Attribute(attribute) = site.call.func.as_ref() else {
        return;
    };
    if opened_in_current_function(checker, &attribute.value) {
        return;
    }
    let receiver = checker.text(attribute.value.range());
    if !checker.first_in_function(Rule::BlockingDatabase, receiver) {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::BlockingDatabase,
        format!("`{}` is a synchronous `{receiver_type}`: `.{}()` blocks the event loop for the whole round trip", quote_code(receiver), attribute.attr),
        site.call.range(),
    )
    .with_help(HELP);
    checker.report(diagnostic);
}

fn opened_in_current_function(checker: &Checker, receiver: &ast::Expr) -> bool {
    let ast::Expr::Name(name) = receiver else {
        return false;
    };
    let semantic = &checker.semantic;
    let Some(binding) = semantic.resolve_name(name).map(|id| semantic.binding(id)) else {
        return false;
    };
    let Some(ast::Expr::Call(value)) = binding
        .value()
        .filter(|_| semantic.is_local_to_current_function(binding))
    else {
        return false;
    };
    checker.semantic.call_target(value).is_some_and(|target| {
        checker
            .settings
            .python
            .calls(Rule::BlockingDatabase)
            .is_some_and(|calls| calls.matches(&target))
    })
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = checker.blocking_call(site, Rule::BlockingDatabase) else {
        return;
    };
    let what = if name == "r2d2::Pool::get" {
        "checks a connection out of a synchronous `r2d2` pool, waiting while the pool is exhausted"
    } else {
        "uses a synchronous database driver: connecting and every query on the connection"
    };
    let diagnostic = Diagnostic::new(
        Rule::BlockingDatabase,
        format!("`{name}` {what} block the runtime's worker thread"),
        checker.range(site.span()),
    )
    .with_help("use an async driver or pool (`sqlx`, `tokio-postgres`, `deadpool`, `bb8`), or move the work into `tokio::task::spawn_blocking`");
    checker.report(diagnostic);
}
