//! LG602 client-per-request — docs: rules/LG602-client-per-request.md

use super::connection_per_operation::per_operation_place;
use super::prelude::*;
use crate::config::{OptionKind, RuleOption};

pub const EXTEND_CLIENT_CONSTRUCTORS: RuleOption = RuleOption {
    name: "extend-client-constructors",
    kind: OptionKind::CallPatterns,
    doc:
        "More calls that create an HTTP client or session, as qualified names (`mylib.ApiClient`).",
};

/// The names the `client-constructors` are called by (`AsyncClient`, `ClientSession`,
/// `requests.session`): the pre-filter's words for this rule and LG603.
pub(crate) const CLIENT_CONSTRUCTOR_NAMES: &[&str] = &["Client", "Session", "session"];

pub const META: RuleMeta = RuleMeta {
    code: "LG602",
    name: "client-per-request",
    summary: "An HTTP client/session created per loop item or per request, losing connection pooling and keep-alive",
    enablement: Enablement::DefaultIn(Language::Rust),
    severity: Severity::Warning,
    fm043: Some(2),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[EXTEND_CLIENT_CONSTRUCTORS],
    doc: include_str!("../../rules/LG602-client-per-request.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        python_triggers: Some(CLIENT_CONSTRUCTOR_NAMES),
        rust_triggers: Some(&["reqwest"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !checker
        .settings
        .python
        .extended(Rule::ClientPerRequest, &EXTEND_CLIENT_CONSTRUCTORS)
        .is_some_and(|constructors| constructors.matches(name))
    {
        return;
    }
    let Some(place) = per_operation_place(checker) else {
        return;
    };
    let short = name.rsplit('.').next().unwrap_or(name);
    let diagnostic = Diagnostic::new(
        Rule::ClientPerRequest,
        format!("`{short}` creates a new HTTP client {place}: every client opens its own connections (DNS, TCP and TLS handshakes each time) and its pool is thrown away"),
        site.call.range(),
    )
    .with_help(format!("create one `{short}` for the application (app state, a lifespan handler, or a module-level client closed at shutdown) and reuse it"));
    checker.report(diagnostic);
}

/// A `reqwest::Client` built in a loop body: each owns its own connection pool.
pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = site.target() else { return };
    if !rust_data().rules.client_per_request.clients.matches(name)
        || !checker.semantic.in_loop()
        || checker.semantic.loop_is_fixed()
    {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::ClientPerRequest,
        "a `reqwest::Client` is built inside a loop: each one has its own connection pool, so no connection (or TLS session) is ever reused".to_string(),
        checker.range(site.span()),
    )
    .with_help("build one `reqwest::Client` before the loop (or keep it in the application state) and clone it where needed: clones share the pool");
    checker.report(diagnostic);
}
