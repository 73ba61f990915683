//! LG601 connection-per-operation — docs: rules/LG601-connection-per-operation.md

use super::prelude::*;
use crate::config::{OptionKind, RuleOption};
use crate::python::facts;

pub const EXTEND_CONNECTION_CONSTRUCTORS: RuleOption = RuleOption {
    name: "extend-connection-constructors",
    kind: OptionKind::CallPatterns,
    doc: "More calls that open a database connection or pool, as qualified names (`mydb.connect`).",
};

/// The names the `connection-constructors` are called by (`StrictRedis` contains `Redis`): the
/// pre-filter's words for this rule and LG603.
pub(crate) const CONNECTION_CONSTRUCTOR_NAMES: &[&str] = &[
    "connect",
    "create_pool",
    "Redis",
    "from_url",
    "MongoClient",
    "AsyncIOMotorClient",
    "create_engine",
    "create_async_engine",
];

pub const META: RuleMeta = RuleMeta {
    code: "LG601",
    name: "connection-per-operation",
    summary: "A database connection or pool opened per loop item or per request instead of borrowed from a long-lived pool",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(2),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[EXTEND_CONNECTION_CONSTRUCTORS],
    doc: include_str!("../../rules/LG601-connection-per-operation.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        python_triggers: Some(CONNECTION_CONSTRUCTOR_NAMES),
        rust_triggers: Some(&["sqlx", "tokio_postgres", "redis"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !checker
        .settings
        .python
        .extended(
            Rule::ConnectionPerOperation,
            &EXTEND_CONNECTION_CONSTRUCTORS,
        )
        .is_some_and(|constructors| constructors.matches(name))
    {
        return;
    }
    let Some(place) = per_operation_place(checker) else {
        return;
    };
    let short = name.rsplit('.').next().unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::ConnectionPerOperation,
        format!("`{short}` opens a new database connection {place}: each one pays the connect/auth round trips, and under load the server runs out of connections"),
        site.call.range(),
    )
    .with_help("open one pool at start-up (module level, app state or a lifespan handler: `asyncpg.create_pool`, a SQLAlchemy engine, `redis.ConnectionPool`) and borrow connections from it");
    checker.report(diagnostic);
}

/// "per loop item" / "per request", when the current code runs once per item or request.
pub(crate) fn per_operation_place(checker: &mut Checker) -> Option<&'static str> {
    if facts::in_per_item_loop(&checker.semantic) {
        Some("for every item of this loop")
    } else if checker.in_route_handler() {
        Some("on every request this route handler serves")
    } else {
        None
    }
}

/// A sqlx/tokio-postgres/redis connection or pool opened per element of a `for` loop or an
/// iterator adaptor. `loop`/`while` are left alone: they are how code retries a connect.
pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = site.target() else { return };
    if !rust_data()
        .rules
        .connection_per_operation
        .connects
        .matches(name)
    {
        return;
    }
    let semantic = &checker.semantic;
    if !semantic.in_per_element_loop() || semantic.loop_is_fixed() {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::ConnectionPerOperation,
        format!("`{name}` opens a new connection for every item: each pays the connect and authentication round trips, and a large input exhausts the server's connection slots"),
        checker.range(site.span()),
    )
    .with_help("open one pool (`sqlx::Pool`, `deadpool`/`bb8` for tokio-postgres and redis) before the loop, or keep it in the application state, and borrow a connection per item");
    checker.report(diagnostic);
}
