//! Which rules look at which node: the checker calls these for every statement and call.
//! Adding a rule means adding its line here and in `rules/mod.rs`.

use ruff_python_ast::{ExprCall, Stmt};

use super::checker::{CallSite, Checker};
use crate::registry::Rule;
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

pub(super) fn call<'a>(checker: &mut Checker<'a>, call: &'a ExprCall) {
    // Resolved once and shared by every rule.
    let site = CallSite {
        call,
        target: checker.semantic.call_target(call),
    };
    for (rule, detector) in CALL_RULES {
        if checker.enabled(*rule) {
            detector(checker, &site);
        }
    }
}

pub(super) fn statement(checker: &mut Checker, statement: &Stmt) {
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
