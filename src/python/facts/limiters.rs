//! Limiters: what caps how many coroutines run at once.

use ruff_python_ast::{self as ast, Expr, Stmt};

use super::{dotted_name, for_each_in_scope, Bounds, Node};
use crate::python::data::data;
use crate::python::semantic::SemanticModel;

/// Whether `expr` (the subject of `async with` or `.acquire()`) is a limiter: a semaphore or
/// capacity limiter by type (a parameter's annotation included), a configured limiter by type,
/// qualified name or spelling, or named like one (`sem`, `self._semaphore`, `limiter`) when the
/// file does not state its type.
pub fn is_limiter(semantic: &SemanticModel, expr: &Expr, bounds: Bounds) -> bool {
    // `async with sem.acquire()` / `async with limiter()`: the receiver is what bounds.
    let subject = match expr {
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Attribute(attribute) => &attribute.value,
            other => other,
        },
        other => other,
    };
    let type_name = semantic.type_of(subject);
    if type_name.as_deref().is_some_and(|name| {
        data().limiter_types.matches(name) || bounds.limiters.is_some_and(|l| l.matches(name))
    }) {
        return true;
    }
    if let Some(configured) = bounds.limiters {
        let spelled = dotted_name(subject);
        let qualified = semantic.qualified_name(subject);
        if spelled
            .as_deref()
            .is_some_and(|name| configured.matches(name))
            || qualified
                .as_deref()
                .is_some_and(|name| configured.matches(name))
            || spelled
                .as_deref()
                .and_then(|name| name.rsplit('.').next())
                .is_some_and(|last| configured.matches(last))
        {
            return true;
        }
    }
    type_name.is_none() && dotted_name(subject).is_some_and(|name| named_like_limiter(&name))
}

fn named_like_limiter(dotted: &str) -> bool {
    let last = dotted
        .rsplit('.')
        .next()
        .unwrap_or(dotted)
        .to_ascii_lowercase();
    let trimmed = last.trim_matches('_');
    trimmed.contains("semaphore")
        || trimmed.contains("limiter")
        || trimmed == "sem"
        || trimmed.starts_with("sem_")
        || trimmed.ends_with("_sem")
        || trimmed.ends_with("_limit")
        || trimmed == "limit"
        || trimmed.contains("throttle")
}

/// A statement list (not counting nested functions) acquires a limiter with `async with` or
/// `await x.acquire()`.
pub fn body_acquires_limiter(semantic: &SemanticModel, body: &[Stmt], bounds: Bounds) -> bool {
    let mut found = false;
    for_each_in_scope(body, &mut |node| {
        if found {
            return;
        }
        match node {
            Node::Stmt(Stmt::With(with)) if with.is_async => {
                found = with
                    .items
                    .iter()
                    .any(|item| is_limiter(semantic, &item.context_expr, bounds));
            }
            Node::Expr(Expr::Await(await_expr)) => {
                if let Expr::Call(call) = await_expr.value.as_ref() {
                    if let Expr::Attribute(attribute) = call.func.as_ref() {
                        found = attribute.attr.as_str() == "acquire"
                            && is_limiter(semantic, &attribute.value, bounds);
                    }
                }
            }
            _ => {}
        }
    });
    found
}

/// A coroutine function acquires a limiter in its own body, or awaits a function of this file
/// (a method of the same class included) that does: `async with self._sem` one call deeper
/// bounds the work just as well. Only one call deeper: a limiter further down bounds a part of
/// the work that the reader cannot see from here.
pub fn function_acquires_limiter(
    semantic: &SemanticModel,
    function: &ast::StmtFunctionDef,
    bounds: Bounds,
) -> bool {
    if body_acquires_limiter(semantic, &function.body, bounds) {
        return true;
    }
    let mut found = false;
    for_each_in_scope(&function.body, &mut |node| {
        if found {
            return;
        }
        if let Node::Expr(Expr::Await(await_expr)) = node {
            if let Expr::Call(call) = await_expr.value.as_ref() {
                found = semantic.local_function(call).is_some_and(|callee| {
                    !std::ptr::eq(callee, function)
                        && body_acquires_limiter(semantic, &callee.body, bounds)
                });
            }
        }
    });
    found
}

/// The coroutine a call creates is bounded: its function is defined in this file and acquires
/// a limiter (itself or one call deeper), or the call goes through a configured bounded wrapper.
pub fn coroutine_is_bounded(
    semantic: &SemanticModel,
    call: &ast::ExprCall,
    bounds: Bounds,
) -> bool {
    if is_bounded_wrapper(semantic, &call.func, bounds) {
        return true;
    }
    semantic
        .local_function(call)
        .is_some_and(|function| function_acquires_limiter(semantic, function, bounds))
}

pub(super) fn is_bounded_wrapper(semantic: &SemanticModel, func: &Expr, bounds: Bounds) -> bool {
    let Some(wrappers) = bounds.wrappers else {
        return false;
    };
    semantic
        .qualified_name(func)
        .is_some_and(|name| wrappers.matches(&name))
        || dotted_name(func).is_some_and(|name| {
            wrappers.matches(&name)
                || name
                    .rsplit('.')
                    .next()
                    .is_some_and(|last| wrappers.matches(last))
        })
}
