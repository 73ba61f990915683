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
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG206-sync-lock-across-await.md"),
    hooks: Hooks {
        python_statement: Some(python_statement),
        rust_local: Some(rust_local),
        python_triggers: Some(&["async"]),
        rust_triggers: Some(&["async"]),
        ..Hooks::NONE
    },
};

const HELP: &str = "release the lock before awaiting, or use an `asyncio.Lock` with `async with`";

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    match statement {
        ast::Stmt::With(with) => python_with(checker, with),
        ast::Stmt::Expr(expr) => python_acquire(checker, expr),
        _ => {}
    }
}

/// `with lock:` whose body suspends.
fn python_with(checker: &mut Checker, with: &ast::StmtWith) {
    if with.is_async || !checker.semantic.in_async_context() {
        return;
    }
    for item in &with.items {
        let Some(lock_type) = thread_lock_type(checker, &item.context_expr) else {
            continue;
        };
        let Some(suspension) = first_suspension_point(&with.body) else {
            return;
        };
        report(checker, item.context_expr.range(), &lock_type, suspension);
    }
}

/// `lock.acquire()` followed, before `lock.release()`, by a suspension point.
fn python_acquire(checker: &mut Checker, statement: &ast::StmtExpr) {
    if !checker.semantic.in_async_context() {
        return;
    }
    let Some((lock, "acquire")) = method_call(&statement.value) else {
        return;
    };
    let Some(lock_type) = thread_lock_type(checker, lock) else {
        return;
    };
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

fn report(
    checker: &mut Checker,
    at: ruff_text_size::TextRange,
    lock_type: &str,
    suspension: ruff_text_size::TextRange,
) {
    let diagnostic = Diagnostic::new(
        Rule::SyncLockAcrossAwait,
        format!("`{}` (a `{lock_type}`) is held across a suspension point: a task that runs meanwhile and takes it blocks the whole event loop thread", quote_code(checker.text(at))),
        at,
    )
    .with_note("the coroutine suspends here while holding the lock", Some(suspension))
    .with_help(HELP);
    checker.report(diagnostic);
}

fn thread_lock_type(checker: &Checker, expr: &ast::Expr) -> Option<String> {
    let lock_type = checker.semantic.type_of(expr)?;
    data()
        .rules
        .sync_lock_across_await
        .lock_types
        .matches(&lock_type)
        .then_some(lock_type)
}

fn method_call(expr: &ast::Expr) -> Option<(&ast::Expr, &str)> {
    let ast::Expr::Call(call) = expr else {
        return None;
    };
    let ast::Expr::Attribute(attribute) = call.func.as_ref() else {
        return None;
    };
    Some((&attribute.value, attribute.attr.as_str()))
}

fn releases(checker: &Checker, statement: &ast::Stmt, lock_text: &str) -> bool {
    let ast::Stmt::Expr(expr) = statement else {
        return false;
    };
    matches!(method_call(&expr.value), Some((lock, "release")) if checker.text(lock.range()) == lock_text)
}

/// `let guard = lock.lock().unwrap();` (not awaited, so a thread lock) followed, while the guard
/// is alive, by an `.await` in the same block.
pub(crate) fn rust_local(checker: &mut RustChecker, local: &syn::Local, following: &[syn::Stmt]) {
    if !checker.semantic.in_async_context() {
        return;
    }
    let Some(name) = bound_name(&local.pat) else {
        return;
    };
    let Some(init) = &local.init else { return };
    let Some(source) = guard_source(&init.expr) else {
        return;
    };
    let (lock, method) = (source.lock, source.method);
    let lock_type = checker.semantic.type_of(lock);
    let lists = crate::rust::data::data();
    if lock_type.as_deref().is_some_and(|lock_type| {
        lists
            .rules
            .sync_lock_across_await
            .not_thread_locks
            .matches(lock_type)
    }) {
        return;
    }
    // `read()`/`write()` are also I/O method names (a websocket's `read()`): only a receiver
    // typed as an `RwLock`, or a poisoning result unwrapped on the spot, says it is a lock.
    let is_rwlock = lock_type.as_deref().is_some_and(|lock_type| {
        lists
            .rules
            .sync_lock_across_await
            .rwlock_types
            .matches(lock_type)
    });
    if method != "lock" && !is_rwlock && !source.poison_checked {
        return;
    }
    if used_as_future(&name, following) {
        return;
    }
    for statement in following {
        if drops(statement, &name) {
            return;
        }
        let Some(suspension) =
            crate::rust::semantic::first_suspension_point(std::slice::from_ref(statement))
        else {
            continue;
        };
        use syn::spanned::Spanned;
        let diagnostic = Diagnostic::new(
            Rule::SyncLockAcrossAwait,
            format!("the guard `{name}` from `.{method}()` (a thread lock: it is not awaited) is still held at a later `.await`: a task that runs meanwhile and takes the lock blocks the worker thread, and the future is not `Send`"),
            checker.range(local.span()),
        )
        .with_note("the task suspends here while the guard is alive", Some(checker.range(suspension)))
        .with_help(format!("drop the guard before awaiting (end its block, or `drop({name})`), or use `tokio::sync::Mutex`/`RwLock`"));
        checker.report(diagnostic);
        return;
    }
}

fn bound_name(pattern: &syn::Pat) -> Option<String> {
    match pattern {
        syn::Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
        syn::Pat::Type(typed) => bound_name(&typed.pat),
        _ => None,
    }
}

struct GuardSource<'e> {
    lock: &'e syn::Expr,
    method: String,
    /// The call's result was unwrapped right away, as std's poisoning `LockResult` is.
    poison_checked: bool,
}

/// The lock and method of `lock.lock()`, `lock.write().unwrap()`, `lock.read().expect("..")?`;
/// anything else (`lock.lock().await`, `lock.lock().unwrap().clone()`) holds no guard.
fn guard_source(mut expr: &syn::Expr) -> Option<GuardSource<'_>> {
    let mut unwrapped = false;
    loop {
        match expr {
            syn::Expr::Try(try_expr) => expr = &try_expr.expr,
            syn::Expr::MethodCall(call) => {
                let method = call.method.to_string();
                match method.as_str() {
                    "unwrap" | "expect" | "unwrap_or_else" => {
                        unwrapped = true;
                        expr = &call.receiver;
                    }
                    "map_err" => expr = &call.receiver,
                    "lock" | "read" | "write" if call.args.is_empty() => {
                        return Some(GuardSource {
                            lock: &call.receiver,
                            method,
                            poison_checked: unwrapped,
                        })
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

/// An async mutex's `lock()` future bound first and awaited or pinned later
/// (`let acquire = m.lock(); pin_mut!(acquire);`): not a guard at all.
fn used_as_future(name: &str, following: &[syn::Stmt]) -> bool {
    use syn::visit::Visit;

    struct Finder<'n> {
        name: &'n str,
        found: bool,
    }

    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_await(&mut self, await_expr: &'ast syn::ExprAwait) {
            let awaited = match await_expr.base.as_ref() {
                syn::Expr::Path(path) => path.path.is_ident(self.name),
                _ => false,
            };
            self.found |= awaited;
            syn::visit::visit_expr_await(self, await_expr);
        }

        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let pins = crate::rust::macros::name(mac).is_some_and(|name| name.starts_with("pin"));
            let mentions = mac.tokens.clone().into_iter().any(
                |token| matches!(token, proc_macro2::TokenTree::Ident(ident) if ident == self.name),
            );
            self.found |= pins && mentions;
        }
    }

    let mut finder = Finder { name, found: false };
    for statement in following {
        finder.visit_stmt(statement);
    }
    finder.found
}

/// `drop(guard);` or `std::mem::drop(guard);`.
fn drops(statement: &syn::Stmt, name: &str) -> bool {
    let syn::Stmt::Expr(syn::Expr::Call(call), _) = statement else {
        return false;
    };
    let syn::Expr::Path(function) = call.func.as_ref() else {
        return false;
    };
    let is_drop = function
        .path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "drop");
    is_drop
        && call.args.len() == 1
        && matches!(&call.args[0], syn::Expr::Path(argument) if argument.path.is_ident(name))
}
