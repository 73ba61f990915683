//! Fan-out: how many coroutines a collection handed to `gather`/`wait` starts at once.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextSize};

use super::iteration::{comprehension_is_literal, is_literal_iterable};
use super::limiters::{coroutine_is_bounded, function_acquires_limiter, is_bounded_wrapper};
use super::provenance::{comprehension_provenance, provenance, repetition_provenance, Provenance};
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
    /// One coroutine per element of a data-sized collection; the call creating each, when the
    /// file does not define its function (another file may bound it).
    Unbounded(Option<&'a ast::ExprCall>),
    /// One coroutine per element of a collection whose size the file does not show (a
    /// parameter, an attribute): unbounded only if its size comes from data.
    UnknownSize(Option<&'a ast::ExprCall>),
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
            sized_by(
                comprehension_provenance(semantic, generators),
                element_fan_out(semantic, elt, bounds, spawns),
            )
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
            let elements = match semantic.resolve(function) {
                Some(Resolved::LocalFunction(def)) => {
                    if function_acquires_limiter(semantic, def, bounds) {
                        FanOut::Bounded
                    } else if def.is_async {
                        FanOut::Unbounded(None)
                    } else {
                        FanOut::Opaque
                    }
                }
                _ => FanOut::Opaque,
            };
            let iterables = call.arguments.args[1..]
                .iter()
                .map(|iterable| provenance(semantic, iterable))
                .reduce(Provenance::join)
                .unwrap_or(Provenance::Code);
            sized_by(iterables, elements)
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

/// A fan-out whose elements would be `elements`, over a collection of this provenance: only a
/// data-sized collection makes unbounded elements an unbounded fan-out.
fn sized_by(collection: Provenance, elements: FanOut<'_>) -> FanOut<'_> {
    match (collection, elements) {
        (_, FanOut::Tasks) => FanOut::Tasks,
        (Provenance::Code, _) => FanOut::Bounded,
        (Provenance::Unknown, FanOut::Unbounded(call)) => FanOut::UnknownSize(call),
        (_, elements) => elements,
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
    for (element, repeated_over) in appends {
        let Some(collection) = repeated_over else {
            continue;
        };
        match sized_by(
            collection,
            element_fan_out(semantic, element, bounds, spawns),
        ) {
            FanOut::Tasks => return FanOut::Tasks,
            FanOut::Unbounded(call) => return FanOut::Unbounded(call),
            FanOut::UnknownSize(call) => result = FanOut::UnknownSize(call),
            FanOut::Opaque if !matches!(result, FanOut::UnknownSize(_)) => result = FanOut::Opaque,
            FanOut::Opaque | FanOut::Bounded => {}
        }
    }
    result
}

/// The elements `list.append(element)` statements of the list's own scope add to it before
/// `before`, each with the provenance of the loops that repeat it within the list's lifetime
/// (`None` when it runs once per list). A `while` loop repeats it an unknown number of times.
fn appends<'a>(
    semantic: &SemanticModel<'a>,
    list: BindingId,
    before: TextSize,
) -> Vec<(&'a Expr, Option<Provenance>)> {
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
        appends.push((
            element,
            repetition_provenance(semantic, reference.statement, bound_in, 0, &mut 0),
        ));
    }
    appends
}
