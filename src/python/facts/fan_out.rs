//! Fan-out: how many coroutines a collection handed to `gather`/`wait` starts at once.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::iteration::{comprehension_is_literal, is_literal_iterable};
use super::limiters::{body_acquires_limiter, coroutine_is_bounded, is_bounded_wrapper};
use super::{method_statements, Bounds};
use crate::matcher::CallMatcher;
use crate::python::data::data;
use crate::python::semantic::{BindingId, Resolved, SemanticModel};

/// How wide a collection of awaitables handed to `gather`/`wait` is.
#[derive(Debug, Clone, Copy)]
pub enum FanOut<'a> {
    /// The code states the size, or each coroutine acquires a limiter.
    Bounded,
    /// Tasks already started elsewhere: waiting for them adds no concurrency.
    Tasks,
    /// The file does not show what is in it (a parameter, an attribute, a call's result).
    Opaque,
    /// One coroutine per element of a runtime collection; the call creating each, when the
    /// file does not define its function (another file may bound it).
    Unbounded(Option<&'a ast::ExprCall>),
}

/// Classifies the collection `expr` whose elements are awaited concurrently.
pub fn fan_out<'a>(
    semantic: &SemanticModel<'a>,
    expr: &'a Expr,
    bounds: Bounds,
    spawns: &CallMatcher,
) -> FanOut<'a> {
    fan_out_with_depth(semantic, expr, bounds, spawns, 0)
}

fn fan_out_with_depth<'a>(
    semantic: &SemanticModel<'a>,
    expr: &'a Expr,
    bounds: Bounds,
    spawns: &CallMatcher,
    depth: u8,
) -> FanOut<'a> {
    match expr {
        // `[*coros]` is as wide as what it unpacks.
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => {
            if elts.iter().any(Expr::is_starred_expr) {
                FanOut::Opaque
            } else {
                FanOut::Bounded
            }
        }
        Expr::ListComp(ast::ExprListComp {
            elt, generators, ..
        })
        | Expr::SetComp(ast::ExprSetComp {
            elt, generators, ..
        })
        | Expr::Generator(ast::ExprGenerator {
            elt, generators, ..
        }) => {
            if comprehension_is_literal(semantic, generators) {
                return FanOut::Bounded;
            }
            element_fan_out(semantic, elt, bounds, spawns)
        }
        // `map(fetch, items)`: one coroutine per item.
        Expr::Call(call)
            if semantic.qualified_name(&call.func).as_deref() == Some("builtins.map")
                && call.arguments.args.len() >= 2 =>
        {
            if call.arguments.args[1..]
                .iter()
                .all(|iterable| is_literal_iterable(semantic, iterable))
            {
                return FanOut::Bounded;
            }
            let function = &call.arguments.args[0];
            if is_bounded_wrapper(semantic, function, bounds) {
                return FanOut::Bounded;
            }
            match semantic.resolve(function) {
                Some(Resolved::LocalFunction(def)) => {
                    if body_acquires_limiter(semantic, &def.body, bounds) {
                        FanOut::Bounded
                    } else if def.is_async {
                        FanOut::Unbounded(None)
                    } else {
                        FanOut::Opaque
                    }
                }
                _ => FanOut::Opaque,
            }
        }
        Expr::Name(name) if depth < 4 => match semantic.assigned_value(name) {
            Some(Expr::List(list)) if list.elts.is_empty() => match semantic.resolve_name(name) {
                Some(list) => appended_fan_out(semantic, list, name.start(), bounds, spawns),
                None => FanOut::Opaque,
            },
            Some(value) if !value.is_name_expr() => {
                fan_out_with_depth(semantic, value, bounds, spawns, depth + 1)
            }
            _ => FanOut::Opaque,
        },
        _ => FanOut::Opaque,
    }
}

fn element_fan_out<'a>(
    semantic: &SemanticModel<'a>,
    element: &'a Expr,
    bounds: Bounds,
    spawns: &CallMatcher,
) -> FanOut<'a> {
    let Expr::Call(call) = element else {
        return FanOut::Opaque;
    };
    if semantic
        .call_target(call)
        .is_some_and(|target| spawns.matches(&target))
    {
        return FanOut::Tasks;
    }
    if coroutine_is_bounded(semantic, call, bounds) || is_bounded_by_nature(semantic, call) {
        return FanOut::Bounded;
    }
    FanOut::Unbounded(Some(call))
}

/// An executor offload (its pool caps the threads) or a wait on an event or condition (which
/// holds no resources): many at once cost nothing worth bounding.
fn is_bounded_by_nature(semantic: &SemanticModel, call: &ast::ExprCall) -> bool {
    let lists = &data().rules.unbounded_gather;
    semantic
        .call_target(call)
        .is_some_and(|target| lists.bounded_calls.matches(&target))
        || matches!(call.func.as_ref(), Expr::Attribute(attribute)
            if lists.bounded_methods.matches(attribute.attr.as_str()))
}

/// `tasks = []` filled by `tasks.append(coro(...))` before it is read at `read_at`: unbounded
/// when an append runs once per element of a runtime collection within the list's lifetime,
/// bounded when every append runs once per list.
fn appended_fan_out<'a>(
    semantic: &SemanticModel<'a>,
    list: BindingId,
    read_at: TextSize,
    bounds: Bounds,
    spawns: &CallMatcher,
) -> FanOut<'a> {
    let appends = appends(semantic, list, read_at);
    if appends.is_empty() {
        return FanOut::Opaque;
    }
    let mut result = FanOut::Bounded;
    for (element, per_item) in appends {
        let element_kind = element_fan_out(semantic, element, bounds, spawns);
        match element_kind {
            FanOut::Tasks => return FanOut::Tasks,
            FanOut::Opaque if per_item => result = FanOut::Opaque,
            FanOut::Unbounded(call) if per_item => return FanOut::Unbounded(call),
            _ => {}
        }
    }
    result
}

/// The elements `list.append(element)` statements of the list's own scope add to it before
/// `before`, each with whether it runs once per item: inside a loop over a runtime collection
/// (or a `while` loop) that does not also rebind the list.
fn appends<'a>(
    semantic: &SemanticModel<'a>,
    list: BindingId,
    before: TextSize,
) -> Vec<(&'a Expr, bool)> {
    let binding = semantic.binding(list);
    let bound_in = binding.statement.range();
    let mut appends = Vec::new();
    for (reference, method, call) in method_statements(semantic, list) {
        if method != "append" || reference.scope != binding.scope || reference.start() >= before {
            continue;
        }
        let Some(element) = call.arguments.args.first() else {
            continue;
        };
        let per_item = semantic
            .enclosing_statements(reference.statement)
            .take_while(|enclosing| !enclosing.range().contains_range(bound_in))
            .any(|enclosing| match enclosing {
                Stmt::For(for_stmt) => !is_literal_iterable(semantic, &for_stmt.iter),
                Stmt::While(_) => true,
                _ => false,
            });
        appends.push((element, per_item));
    }
    appends
}
