//! Which rules look at which node: the checker calls these for every statement and call.
//! Adding a rule means adding its line here (and its trigger words below) and in `rules/mod.rs`.

use ruff_python_ast::{ExprCall, Stmt};
use ruff_text_size::Ranged;

use super::checker::{CallSite, Checker};
use super::semantic::Resolved;
use crate::config::Settings;
use crate::registry::{Language, Rule, RuleSet};
use crate::rules::{
    blocking_database, blocking_file_io, blocking_http, blocking_sleep, blocking_subprocess,
    blocking_wait, client_per_request, connection_per_operation, daemon_thread, dangling_task,
    deprecated_get_event_loop, deprecated_loop_policy, loop_bound_primitive_at_import,
    missing_timeout, nested_event_loop, removed_loop_argument, retry_without_jitter, spawn_in_loop,
    sync_lock_across_await, unawaited_coroutine, unbounded_gather, unbounded_queue,
    unclosed_client, unguarded_call, unmanaged_executor,
};

/// Call rules, each with the detector the checker runs for a call when the rule is enabled.
type CallRule = (Rule, fn(&mut Checker, &CallSite));

const CALL_RULES: &[CallRule] = &[
    (Rule::BlockingSleep, blocking_sleep::python_call),
    (Rule::BlockingHttp, blocking_http::python_call),
    (Rule::BlockingFileIo, blocking_file_io::python_call),
    (Rule::BlockingSubprocess, blocking_subprocess::python_call),
    (Rule::BlockingDatabase, blocking_database::python_call),
    (Rule::BlockingWait, blocking_wait::python_call),
    (
        Rule::DeprecatedGetEventLoop,
        deprecated_get_event_loop::python_call,
    ),
    (Rule::NestedEventLoop, nested_event_loop::python_call),
    (
        Rule::RemovedLoopArgument,
        removed_loop_argument::python_call,
    ),
    (
        Rule::DeprecatedLoopPolicy,
        deprecated_loop_policy::python_call,
    ),
    (
        Rule::LoopBoundPrimitiveAtImport,
        loop_bound_primitive_at_import::python_call,
    ),
    (Rule::UnboundedGather, unbounded_gather::python_call),
    (Rule::SpawnInLoop, spawn_in_loop::python_call),
    (Rule::UnboundedQueue, unbounded_queue::python_call),
    (Rule::DaemonThread, daemon_thread::python_call),
    (Rule::UnmanagedExecutor, unmanaged_executor::python_call),
    (Rule::RetryWithoutJitter, retry_without_jitter::python_call),
    (Rule::MissingTimeout, missing_timeout::python_call),
    (
        Rule::ConnectionPerOperation,
        connection_per_operation::python_call,
    ),
    (Rule::ClientPerRequest, client_per_request::python_call),
    (Rule::UnguardedCall, unguarded_call::python_call),
];

/// Words without one of which a rule cannot fire in a file: a file that contains none of the
/// words of any enabled rule is not parsed at all. A qualified name can only come from source
/// text that spells its root module (`import asyncio as aio`) and the name it is called by
/// (`from time import sleep as nap`), so each rule lists either the roots or the called names
/// of everything it matches; the rules that need async context list `async`. A rule missing
/// here is never pre-filtered.
const TRIGGERS: &[(Rule, &[&str])] = &[
    (Rule::BlockingSleep, &["async"]),
    (Rule::BlockingHttp, &["async"]),
    (Rule::BlockingFileIo, &["async"]),
    (Rule::BlockingSubprocess, &["async"]),
    (Rule::BlockingDatabase, &["async"]),
    (Rule::SyncLockAcrossAwait, &["async"]),
    (Rule::BlockingWait, &["async"]),
    // `nest_asyncio.apply()` fires outside async context too.
    (Rule::NestedEventLoop, &["async", "nest_asyncio"]),
    (Rule::UnawaitedCoroutine, &["async"]),
    // Chains start in async code; the project phase analyses the skipped files they reach.
    (Rule::TransitiveBlockingCall, &["async"]),
    (Rule::UnboundedGather, &["gather", "wait", "as_completed"]),
    (Rule::SpawnInLoop, &["create_task", "ensure_future"]),
    (Rule::DanglingTask, &["create_task", "ensure_future"]),
    (Rule::UnboundedQueue, &["Queue"]),
    (Rule::DeprecatedGetEventLoop, &["get_event_loop"]),
    (Rule::RemovedLoopArgument, &["asyncio"]),
    (Rule::DeprecatedLoopPolicy, &["asyncio", "uvloop"]),
    (Rule::LoopBoundPrimitiveAtImport, &["asyncio"]),
    // `threading` and `_thread`.
    (Rule::DaemonThread, &["thread"]),
    // `ThreadPoolExecutor`, `ProcessPoolExecutor`, `multiprocessing.Pool`, `ThreadPool`.
    (Rule::UnmanagedExecutor, &["Pool"]),
    (
        Rule::RetryWithoutJitter,
        &["sleep", "tenacity", "backoff", "Retry"],
    ),
    (Rule::MissingTimeout, &["requests", "urlopen", "httpx"]),
    (Rule::ConnectionPerOperation, CONNECTION_CONSTRUCTORS),
    (Rule::ClientPerRequest, CLIENT_CONSTRUCTORS),
    // Both constructor lists.
    (Rule::UnclosedClient, CONNECTION_CONSTRUCTORS),
    (Rule::UnclosedClient, CLIENT_CONSTRUCTORS),
];

/// The names the `connection-constructors` are called by (`StrictRedis` contains `Redis`).
const CONNECTION_CONSTRUCTORS: &[&str] = &[
    "connect",
    "create_pool",
    "Redis",
    "from_url",
    "MongoClient",
    "AsyncIOMotorClient",
    "create_engine",
    "create_async_engine",
];

/// The names the `client-constructors` are called by (`AsyncClient`, `ClientSession`,
/// `requests.session`).
const CLIENT_CONSTRUCTORS: &[&str] = &["Client", "Session", "session"];

/// The trigger words of `rule`, `None` when it has none declared (it is never pre-filtered).
pub fn triggers(rule: Rule) -> Option<Vec<&'static str>> {
    let mut words = TRIGGERS
        .iter()
        .filter(|(listed, _)| *listed == rule)
        .flat_map(|(_, words)| words.iter().copied())
        .peekable();
    words.peek()?;
    Some(words.collect())
}

/// Whether any enabled rule can fire in `text`: false only when the text contains none of the
/// enabled rules' trigger words.
pub(super) fn may_fire(text: &str, settings: &Settings, rules: RuleSet) -> bool {
    crate::prefilter::may_fire(text, settings, Language::Python, rules, || {
        trigger_words(settings, rules)
    })
}

/// The words one of which a file must contain for some rule of `rules` to fire in it, `None`
/// when some rule cannot be pre-filtered.
fn trigger_words(settings: &Settings, rules: RuleSet) -> Option<Vec<&str>> {
    // User-extended data lists (`extend-client-constructors`) match names the built-in words
    // do not cover.
    if settings.python.extends_data_lists() {
        return None;
    }
    if rules
        .iter()
        .any(|rule| is_python_rule(rule) && !TRIGGERS.iter().any(|(listed, _)| *listed == rule))
    {
        return None;
    }
    // In table order: `async`, in most files that pass, is searched first.
    crate::prefilter::table_words(TRIGGERS, rules, settings, Language::Python)
}

/// A rule with a Python detector that needs trigger words (tool diagnostics need none, and
/// `unguarded-call` takes its words from the config).
fn is_python_rule(rule: Rule) -> bool {
    let meta = rule.meta();
    meta.languages.contains(&Language::Python)
        && !meta.is_tool_code()
        && rule != Rule::UnguardedCall
}

pub(super) fn call<'a>(checker: &mut Checker<'a>, call: &'a ExprCall) {
    // Resolved once and shared by every rule and the project summary.
    let resolved = checker.semantic.resolve(&call.func);
    let site = CallSite {
        call,
        resolved: resolved.is_some(),
        local: match &resolved {
            Some(Resolved::LocalFunction(definition)) => Some(definition.start()),
            Some(Resolved::LocalClass(definition)) => Some(definition.start()),
            _ => None,
        },
        target: resolved.and_then(Resolved::into_call_target),
    };
    for (rule, detector) in CALL_RULES {
        if checker.enabled(*rule) {
            detector(checker, &site);
        }
    }
    super::project::call(checker, &site);
}

pub(super) fn statement(checker: &mut Checker, statement: &Stmt) {
    super::project::statement(checker, statement);
    match statement {
        Stmt::With(with) if checker.enabled(Rule::SyncLockAcrossAwait) => {
            sync_lock_across_await::python_with(checker, with);
        }
        Stmt::Expr(expr) => {
            if checker.enabled(Rule::SyncLockAcrossAwait) {
                sync_lock_across_await::python_acquire(checker, expr);
            }
            if checker.enabled(Rule::DanglingTask) {
                dangling_task::python_expression_statement(checker, expr);
            }
            if checker.enabled(Rule::UnawaitedCoroutine) {
                unawaited_coroutine::python_expression_statement(checker, expr);
            }
        }
        Stmt::Assign(assign) => {
            if checker.enabled(Rule::DaemonThread) {
                daemon_thread::python_assign(checker, assign);
            }
            if checker.enabled(Rule::UnmanagedExecutor) {
                unmanaged_executor::python_assign(checker, assign);
            }
            if checker.enabled(Rule::UnclosedClient) {
                unclosed_client::python_assign(checker, assign);
            }
        }
        Stmt::For(for_stmt) => {
            if checker.enabled(Rule::UnawaitedCoroutine) {
                unawaited_coroutine::python_async_for(checker, for_stmt);
            }
            if checker.enabled(Rule::RetryWithoutJitter) {
                retry_without_jitter::python_loop(checker, &for_stmt.body);
            }
        }
        Stmt::While(while_stmt) if checker.enabled(Rule::RetryWithoutJitter) => {
            retry_without_jitter::python_loop(checker, &while_stmt.body);
        }
        Stmt::FunctionDef(function) if checker.enabled(Rule::RemovedLoopArgument) => {
            removed_loop_argument::python_decorators(checker, function);
        }
        Stmt::ClassDef(class) if checker.enabled(Rule::DeprecatedLoopPolicy) => {
            deprecated_loop_policy::python_class_bases(checker, class);
        }
        _ => {}
    }
}
