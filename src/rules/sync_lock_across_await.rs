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
        rust_statement: Some(rust_statement),
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
    if !is_thread_guard(checker, &source) {
        return;
    }
    let method = source.method;
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

/// Whether the guard a call hands back is a thread lock's: not an async lock's (those are
/// awaited, or typed), and for `read()`/`write()`, which are also I/O method names (a
/// websocket's `read()`), a receiver typed as an `RwLock` or a poisoning result unwrapped on the
/// spot.
fn is_thread_guard(checker: &RustChecker, source: &GuardSource) -> bool {
    let lock_type = checker.semantic.type_of(source.lock);
    let lists = &rust_data().rules.sync_lock_across_await;
    if lock_type
        .as_deref()
        .is_some_and(|lock_type| lists.not_thread_locks.matches(lock_type))
    {
        return false;
    }
    let is_rwlock = lock_type
        .as_deref()
        .is_some_and(|lock_type| lists.rwlock_types.matches(lock_type));
    source.method == "lock" || is_rwlock || source.poison_checked
}

/// A guard that is a temporary of a `match`, `if let` or `while let` scrutinee
/// (`match *m.lock().unwrap() { .. }`, `while let Some(job) = queue.lock().unwrap().pop_front()`)
/// lives until the end of the `match`, through the `if let`'s `then` block, and through each
/// iteration of the `while let` body: an `.await` there suspends with the lock held. An `if
/// let`'s `else` block is not counted: Rust 2024 drops the temporaries before it, and the
/// edition is not known here, so the reading that is right in both is taken.
pub(crate) fn rust_statement(checker: &mut RustChecker, statement: &syn::Stmt) {
    if !checker.semantic.in_async_context() {
        return;
    }
    let expr = match statement {
        syn::Stmt::Expr(expr, _) => expr,
        syn::Stmt::Local(local) => match &local.init {
            Some(init) => init.expr.as_ref(),
            None => return,
        },
        _ => return,
    };
    let (scrutinee, kind, bodies): (&syn::Expr, &str, Vec<Held>) = match expr {
        syn::Expr::Match(match_expr) => (
            &match_expr.expr,
            "match",
            match_expr
                .arms
                .iter()
                .map(|arm| Held {
                    pattern: Some(&arm.pat),
                    body: HeldBody::Expr(&arm.body),
                })
                .collect(),
        ),
        syn::Expr::If(if_expr) => match if_expr.cond.as_ref() {
            syn::Expr::Let(condition) => (
                &condition.expr,
                "if let",
                vec![Held {
                    pattern: Some(&condition.pat),
                    body: HeldBody::Block(&if_expr.then_branch),
                }],
            ),
            _ => return,
        },
        syn::Expr::While(while_loop) => match while_loop.cond.as_ref() {
            syn::Expr::Let(condition) => (
                &condition.expr,
                "while let",
                vec![Held {
                    pattern: Some(&condition.pat),
                    body: HeldBody::Block(&while_loop.body),
                }],
            ),
            _ => return,
        },
        _ => return,
    };
    let Some((source, whole)) = scrutinee_guard(scrutinee) else {
        return;
    };
    if !is_thread_guard(checker, &source) {
        return;
    }
    let suspension = bodies.iter().find_map(|held| {
        // `Ok(guard) => { drop(guard); x.await }`: the guard moved into the arm's binding and
        // released before the await.
        let released = whole
            .then(|| held.pattern.and_then(arm_binding))
            .flatten()
            .is_some_and(|name| held.releases_before_suspending(&name));
        if released {
            return None;
        }
        held.first_suspension()
    });
    let Some(suspension) = suspension else {
        return;
    };
    let method = &source.method;
    let diagnostic = Diagnostic::new(
        Rule::SyncLockAcrossAwait,
        format!("the guard from `.{method}()` (a thread lock: it is not awaited) is a temporary of this `{kind}` scrutinee, alive until the `{kind}` ends, and the task suspends inside it: a task that runs meanwhile and takes the lock blocks the worker thread, and the future is not `Send`"),
        checker.range(syn::spanned::Spanned::span(scrutinee)),
    )
    .with_note("the task suspends here while the guard is alive", Some(checker.range(suspension)))
    .with_help(format!("bind what is needed from the lock in a `let` before the `{kind}` (`let value = m.{method}().unwrap().clone();`), so that the guard is dropped first, or use `tokio::sync::Mutex`/`RwLock`"));
    checker.report(diagnostic);
}

/// A body during which a scrutinee's temporaries live, with the pattern that may take the
/// guard itself.
struct Held<'a> {
    pattern: Option<&'a syn::Pat>,
    body: HeldBody<'a>,
}

enum HeldBody<'a> {
    Block(&'a syn::Block),
    Expr(&'a syn::Expr),
}

impl Held<'_> {
    fn first_suspension(&self) -> Option<proc_macro2::Span> {
        match self.body {
            HeldBody::Block(block) => crate::rust::semantic::first_suspension_point(&block.stmts),
            HeldBody::Expr(expr) => crate::rust::semantic::suspension_point(expr),
        }
    }

    /// Whether `drop(name)` comes before the body's first suspension point.
    fn releases_before_suspending(&self, name: &str) -> bool {
        let statements = match self.body {
            HeldBody::Block(block) => &block.stmts,
            HeldBody::Expr(syn::Expr::Block(block)) => &block.block.stmts,
            HeldBody::Expr(_) => return false,
        };
        for statement in statements {
            if drops(statement, name) {
                return true;
            }
            if crate::rust::semantic::first_suspension_point(std::slice::from_ref(statement))
                .is_some()
            {
                return false;
            }
        }
        false
    }
}

/// The name an arm's pattern binds the scrutinee's value to: `guard`, `Ok(guard)`.
fn arm_binding(pattern: &syn::Pat) -> Option<String> {
    match pattern {
        syn::Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => arm_binding(&tuple.elems[0]),
        pattern => bound_name(pattern),
    }
}

/// The guard call in a scrutinee, reading through what keeps its temporaries alive (method
/// calls, field and index accesses, `*`, `&`, `?`), and whether the guard (or its `LockResult`)
/// is the whole scrutinee value. Not through an `.await` (an async lock's guard) or into
/// blocks and closures, which end their own temporaries.
fn scrutinee_guard(scrutinee: &syn::Expr) -> Option<(GuardSource<'_>, bool)> {
    let mut expr = scrutinee;
    let mut whole = true;
    // Each step goes one node down the tree, which is finite.
    loop {
        if let Some(source) = guard_source(expr) {
            return Some((source, whole));
        }
        expr = match expr {
            syn::Expr::MethodCall(call) => &call.receiver,
            syn::Expr::Field(field) => &field.base,
            syn::Expr::Index(index) => &index.expr,
            syn::Expr::Unary(unary) => &unary.expr,
            syn::Expr::Reference(reference) => &reference.expr,
            syn::Expr::Paren(paren) => &paren.expr,
            syn::Expr::Try(tried) => &tried.expr,
            _ => return None,
        };
        whole = false;
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
