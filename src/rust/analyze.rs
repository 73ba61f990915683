//! Which rules look at which node: the checker calls these for every call and `let`.
//! Adding a Rust detector means adding its line here and its trigger tokens below.

use super::checker::{CallSite, Checker};
use crate::config::Settings;
use crate::registry::{Language, Rule, RuleSet};
use crate::rules::{
    blocking_database, blocking_file_io, blocking_http, blocking_sleep, blocking_subprocess,
    blocking_wait, client_per_request, connection_per_operation, daemon_thread, dangling_task,
    missing_timeout, nested_event_loop, retry_without_jitter, spawn_in_loop,
    sync_lock_across_await, unbounded_gather, unbounded_queue, unguarded_call, unmanaged_executor,
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
    (Rule::UnboundedGather, unbounded_gather::rust_call),
    (Rule::SpawnInLoop, spawn_in_loop::rust_call),
    (Rule::UnboundedQueue, unbounded_queue::rust_call),
    (Rule::UnmanagedExecutor, unmanaged_executor::rust_call),
    (Rule::RetryWithoutJitter, retry_without_jitter::rust_call),
    (Rule::MissingTimeout, missing_timeout::rust_call),
    (
        Rule::ConnectionPerOperation,
        connection_per_operation::rust_call,
    ),
    (Rule::ClientPerRequest, client_per_request::rust_call),
    (Rule::UnguardedCall, unguarded_call::rust_call),
];

/// Statement rules: what happens to a statement's value (a handle dropped on the spot).
type StatementRule = (Rule, fn(&mut Checker, &syn::Stmt));

const STATEMENT_RULES: &[StatementRule] = &[
    (Rule::DaemonThread, daemon_thread::rust_statement),
    (Rule::DanglingTask, dangling_task::rust_statement),
];

/// Tokens without one of which a rule cannot fire in a file: a file that contains none of the
/// tokens of any enabled rule is not parsed at all. The LG2xx rules and LG302 need async
/// context; the others need a name that every path they match contains.
const TRIGGERS: &[(Rule, &[&str])] = &[
    (Rule::BlockingSleep, &["async"]),
    (Rule::BlockingHttp, &["async"]),
    (Rule::BlockingFileIo, &["async"]),
    (Rule::BlockingSubprocess, &["async"]),
    (Rule::BlockingDatabase, &["async"]),
    (Rule::SyncLockAcrossAwait, &["async"]),
    (Rule::BlockingWait, &["async"]),
    (Rule::NestedEventLoop, &["async"]),
    // Chains start in async code; the project phase analyses the skipped files they reach.
    (Rule::TransitiveBlockingCall, &["async"]),
    (Rule::UnboundedGather, &["join_all", "Futures"]),
    (Rule::SpawnInLoop, &["spawn"]),
    (Rule::UnboundedQueue, &["channel", "unbounded"]),
    (Rule::DaemonThread, &["spawn"]),
    (Rule::DanglingTask, &["spawn"]),
    (
        Rule::UnmanagedExecutor,
        &["Runtime", "runtime", "ThreadPool"],
    ),
    (
        Rule::RetryWithoutJitter,
        &["sleep", "tokio_retry", "backon", "backoff::"],
    ),
    (Rule::MissingTimeout, &["reqwest"]),
    (
        Rule::ConnectionPerOperation,
        &["sqlx", "tokio_postgres", "redis"],
    ),
    (Rule::ClientPerRequest, &["reqwest"]),
];

/// The trigger tokens of `rule`, `None` when it has no Rust detector.
pub fn triggers(rule: Rule) -> Option<&'static [&'static str]> {
    TRIGGERS
        .iter()
        .find(|(listed, _)| *listed == rule)
        .map(|(_, tokens)| *tokens)
}

/// Whether any enabled rule can fire in `text`: false only when the text contains none of the
/// enabled rules' trigger words.
pub(super) fn may_fire(text: &str, settings: &Settings, rules: RuleSet) -> bool {
    crate::prefilter::may_fire(text, settings, Language::Rust, rules, || {
        crate::prefilter::table_words(TRIGGERS, rules, settings, Language::Rust)
    })
}

pub(super) fn call(checker: &mut Checker, site: &CallSite) {
    for (rule, detector) in CALL_RULES {
        if checker.enabled(*rule) {
            detector(checker, site);
        }
    }
}

pub(super) fn statement(checker: &mut Checker, statement: &syn::Stmt) {
    for (rule, detector) in STATEMENT_RULES {
        if checker.enabled(*rule) {
            detector(checker, statement);
        }
    }
}

pub(super) fn struct_literal(checker: &mut Checker, literal: &syn::ExprStruct) {
    if checker.enabled(Rule::RetryWithoutJitter) {
        retry_without_jitter::rust_struct(checker, literal);
    }
}

pub(super) fn assignment(checker: &mut Checker, assignment: &syn::ExprAssign) {
    if checker.enabled(Rule::RetryWithoutJitter) {
        retry_without_jitter::rust_assignment(checker, assignment);
    }
}

pub(super) fn local(checker: &mut Checker, local: &syn::Local, following: &[syn::Stmt]) {
    if checker.enabled(Rule::SyncLockAcrossAwait) {
        sync_lock_across_await::rust_local(checker, local, following);
    }
    if checker.enabled(Rule::UnboundedGather) {
        unbounded_gather::rust_local(checker, local);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn rust_files(directory: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                found.push(path);
            }
        }
    }

    /// A fixture that must fire but lacks its rule's trigger words would be skipped unparsed,
    /// and its findings would silently disappear.
    #[test]
    fn every_firing_fixture_contains_a_trigger_word() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rust");
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        let mut checked = 0;
        let settings = Settings::new(
            None,
            &crate::config::CliOverrides::default(),
            Path::new("."),
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for rule in Rule::ALL {
                if !text.contains(&format!("expect: {}", rule.code())) {
                    continue;
                }
                if *rule == Rule::UnguardedCall {
                    // Its triggers are the configured patterns' names: the fixture comparison
                    // runs with the prefilter and checks them.
                    continue;
                }
                let mut only = RuleSet::empty();
                only.insert(*rule);
                assert!(
                    may_fire(&text, &settings, only),
                    "{} fires {} but has none of its trigger words",
                    file.display(),
                    rule.code()
                );
                checked += 1;
            }
        }
        assert!(checked > 0);
    }

    #[test]
    fn every_rust_rule_has_triggers() {
        let rules = CALL_RULES
            .iter()
            .map(|(rule, _)| *rule)
            .chain(STATEMENT_RULES.iter().map(|(rule, _)| *rule));
        for rule in rules.filter(|rule| *rule != Rule::UnguardedCall) {
            assert!(
                TRIGGERS.iter().any(|(triggered, _)| *triggered == rule),
                "{} has no trigger words",
                rule.code()
            );
        }
    }
}
