//! LG209 cpu-bound-call — docs: rules/LG209-cpu-bound-call.md

use super::prelude::*;
use super::EXTEND_BLOCKING_CALLS;

pub const META: RuleMeta = RuleMeta {
    code: "LG209",
    name: "cpu-bound-call",
    summary: "Password hashing or key derivation (`bcrypt`, `argon2`, `pbkdf2`, `scrypt`, `passlib`) in async context holds the event loop for the whole computation",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Unsafe,
    options: &[EXTEND_BLOCKING_CALLS],
    doc: include_str!("../../rules/LG209-cpu-bound-call.md"),
    hooks: Hooks::blocking(python_call, rust_call),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = checker.blocking_call(site, Rule::CpuBoundCall) else {
        return;
    };
    let fix = edits::to_thread_fix(checker, site.call);
    let diagnostic = Diagnostic::new(
        Rule::CpuBoundCall,
        format!("`{name}` is deliberately slow CPU work in async code: the event loop runs nothing else until the hash is computed"),
        site.call.range(),
    )
    .with_help("run it in a worker thread with `await asyncio.to_thread(...)` (these hash functions release the GIL)")
    .with_fix(fix);
    checker.report(diagnostic);
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = checker.blocking_call(site, Rule::CpuBoundCall) else {
        return;
    };
    let diagnostic = Diagnostic::new(
        Rule::CpuBoundCall,
        format!("`{name}` is deliberately slow CPU work in async code: the runtime's worker thread runs no other task until the hash is computed"),
        checker.range(site.span()),
    )
    .with_help("move the call into `tokio::task::spawn_blocking(move || ..).await`")
    .with_fix(spawn_blocking_fix(checker, site, name));
    checker.report(diagnostic);
}

/// `bcrypt::hash(&password, cost)` → `tokio::task::spawn_blocking({ let password =
/// password.to_owned(); move || bcrypt::hash(&password, cost) }).await.expect(..)`: for the
/// free functions the data file describes argument by argument, where `.await` can be written in
/// a file that uses tokio. Unsafe: the arguments are copied (a generic or borrowing argument type
/// may need a hand-written copy), and a panic in the hash now surfaces through the `expect`.
fn spawn_blocking_fix(checker: &RustChecker, site: &RustCallSite, name: &str) -> Option<Fix> {
    let CallKind::Function(call) = site.kind else {
        return None;
    };
    let offload = rust_data().rules.cpu_bound_call.offload(name)?;
    if !checker.semantic.can_await() || !checker.mentions("tokio") {
        return None;
    }
    let offloaded = rust_edits::offloaded_call(checker, call, &offload.parameters)?;
    Some(Fix::unsafe_edits(
        "Run it in `tokio::task::spawn_blocking`",
        vec![Edit::replacement(checker.range(site.span()), offloaded)],
    ))
}
