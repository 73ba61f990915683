//! LG206 sync-lock-across-await — docs: rules/LG206-sync-lock-across-await.md

use super::prelude::*;
use crate::python::data::data;
use crate::python::semantic::first_suspension_point;

pub const META: RuleMeta = RuleMeta {
    code: "LG206",
    name: "sync-lock-across-await",
    summary: "A thread lock held across an `await`: another task can block the whole thread on it",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(5),
    languages: &[Language::Python],
    fix: FixKind::DisplayOnly,
    options: &[],
    doc: include_str!("../../rules/LG206-sync-lock-across-await.md"),
};

const HELP: &str = "release the lock before awaiting, or use an `asyncio.Lock` with `async with`";

/// `with lock:` whose body suspends.
pub(crate) fn python_with(checker: &mut Checker, with: &ast::StmtWith) {
    if with.is_async || !checker.semantic.in_async_context() {
        return;
    }
    for item in &with.items {
        let Some(lock_type) = thread_lock_type(checker, &item.context_expr) else { continue };
        let Some(suspension) = first_suspension_point(&with.body) else { return };
        report(checker, item.context_expr.range(), &lock_type, suspension);
    }
}

/// `lock.acquire()` followed, before `lock.release()`, by a suspension point.
pub(crate) fn python_acquire(checker: &mut Checker, statement: &ast::StmtExpr) {
    if !checker.semantic.in_async_context() {
        return;
    }
    let Some((lock, "acquire")) = method_call(&statement.value) else { return };
    let Some(lock_type) = thread_lock_type(checker, lock) else { return };
    let lock_text = checker.text(lock.range());
    let held: Vec<ast::Stmt> = checker
        .semantic
        .following_statements()
        .iter()
        .take_while(|next| !releases(checker, next, lock_text))
        .cloned()
        .collect();
    if let Some(suspension) = first_suspension_point(&held) {
        report(checker, statement.value.range(), &lock_type, suspension);
    }
}

fn report(checker: &mut Checker, at: ruff_text_size::TextRange, lock_type: &str, suspension: ruff_text_size::TextRange) {
    let diagnostic = Diagnostic::new(
        Rule::SyncLockAcrossAwait,
        format!("`{}` (a `{lock_type}`) is held across a suspension point: a task that runs meanwhile and takes it blocks the whole event loop thread", checker.text(at)),
        at,
    )
    .with_note("the coroutine suspends here while holding the lock", Some(suspension))
    .with_help(HELP);
    checker.report(diagnostic);
}

fn thread_lock_type(checker: &Checker, expr: &ast::Expr) -> Option<String> {
    let lock_type = checker.semantic.type_of(expr)?;
    data()
        .list(Rule::SyncLockAcrossAwait, "lock-types")
        .matches(&lock_type)
        .then_some(lock_type)
}

fn method_call(expr: &ast::Expr) -> Option<(&ast::Expr, &str)> {
    let ast::Expr::Call(call) = expr else { return None };
    let ast::Expr::Attribute(attribute) = call.func.as_ref() else { return None };
    Some((&attribute.value, attribute.attr.as_str()))
}

fn releases(checker: &Checker, statement: &ast::Stmt, lock_text: &str) -> bool {
    let ast::Stmt::Expr(expr) = statement else { return false };
    matches!(method_call(&expr.value), Some((lock, "release")) if checker.text(lock.range()) == lock_text)
}
