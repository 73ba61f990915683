//! Which rules look at which node: the checker calls these for every call and `let`.
//! Adding a Rust detector means adding its line here and its trigger tokens below.

use super::checker::{CallSite, Checker};
use crate::registry::{Rule, RuleSet};
use crate::rules::{
    blocking_database, blocking_file_io, blocking_http, blocking_sleep, blocking_subprocess,
    blocking_wait, nested_event_loop, sync_lock_across_await,
};

/// Call rules, each with the detector the checker runs for a call when the rule is enabled.
type CallRule = (Rule, fn(&mut Checker, &CallSite));

const CALL_RULES: &[CallRule] = &[
    (Rule::BlockingSleep, blocking_sleep::rust_call),
    (Rule::BlockingHttp, blocking_http::rust_call),
    (Rule::BlockingFileIo, blocking_file_io::rust_call),
    (Rule::BlockingSubprocess, blocking_subprocess::rust_call),
    (Rule::BlockingDatabase, blocking_database::rust_call),
    (Rule::BlockingWait, blocking_wait::rust_call),
    (Rule::NestedEventLoop, nested_event_loop::rust_call),
];

/// Tokens without one of which a rule cannot fire in a file: a file that contains none of the
/// tokens of any enabled rule is not parsed at all. Every rule here needs async context.
const TRIGGERS: &[(Rule, &[&str])] = &[
    (Rule::BlockingSleep, &["async"]),
    (Rule::BlockingHttp, &["async"]),
    (Rule::BlockingFileIo, &["async"]),
    (Rule::BlockingSubprocess, &["async"]),
    (Rule::BlockingDatabase, &["async"]),
    (Rule::SyncLockAcrossAwait, &["async"]),
    (Rule::BlockingWait, &["async"]),
    (Rule::NestedEventLoop, &["async"]),
];

/// The trigger tokens of `rule`, `None` when it has no Rust detector.
pub fn triggers(rule: Rule) -> Option<&'static [&'static str]> {
    TRIGGERS
        .iter()
        .find(|(listed, _)| *listed == rule)
        .map(|(_, tokens)| *tokens)
}

pub(super) fn may_fire(text: &str, rules: RuleSet) -> bool {
    let tokens: Vec<&str> = TRIGGERS
        .iter()
        .filter(|(rule, _)| rules.contains(*rule))
        .flat_map(|(_, tokens)| tokens.iter().copied())
        .collect();
    crate::prefilter::contains_any(text, tokens)
}

pub(super) fn call(checker: &mut Checker, site: &CallSite) {
    for (rule, detector) in CALL_RULES {
        if checker.enabled(*rule) {
            detector(checker, site);
        }
    }
}

pub(super) fn local(checker: &mut Checker, local: &syn::Local, following: &[syn::Stmt]) {
    if checker.enabled(Rule::SyncLockAcrossAwait) {
        sync_lock_across_await::rust_local(checker, local, following);
    }
}
