//! Resources: does a client, connection or pool bound in a function get closed, managed or
//! handed on before the function is done with it.

use ruff_python_ast::comparable::ComparableExpr;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::{for_each_in_scope, Node};
use crate::python::semantic::{BindingId, SemanticModel};

/// What becomes of a resource bound to a local name, from the rest of its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Used as a context manager (`with x:` / `async with x:`).
    Managed,
    /// Closed or shut down explicitly.
    Closed,
    /// Returned, yielded, stored on an attribute or in a container, passed to a call, aliased,
    /// bound as a `global` or `nonlocal`, or read by a nested function, lambda or class: someone
    /// else may close it.
    Escapes,
    /// None of the above: the function drops it.
    Dropped,
}

/// Methods that release a client, connection, pool or executor.
const RELEASE_METHODS: &[&str] = &[
    "close",
    "aclose",
    "shutdown",
    "terminate",
    "join",
    "disconnect",
    "dispose",
    "wait_closed",
    "__aexit__",
    "__exit__",
    "release",
];

/// The fate of the value an assignment in the function being visited binds, from the loads that
/// read that binding. `passing_escapes` says whether handing it to a given call lets it escape.
/// A value a method of it returns (`conn = engine.connect()`, a streamed
/// `response = session.post(...)`) may need it open, so when that value escapes, the resource
/// does too.
pub fn resource_fate(
    semantic: &SemanticModel,
    resource: BindingId,
    passing_escapes: &dyn Fn(&ast::ExprCall) -> bool,
) -> Fate {
    let fate = direct_fate(semantic, resource, passing_escapes);
    if fate != Fate::Dropped {
        return fate;
    }
    let scope = semantic.binding(resource).scope;
    let derived_escapes = semantic
        .references(resource)
        .filter(|reference| reference.scope == scope)
        .filter_map(|reference| {
            let Stmt::Assign(assign) = semantic.statement(reference.statement) else {
                return None;
            };
            let [Expr::Name(target)] = assign.targets.as_slice() else {
                return None;
            };
            let value = match assign.value.as_ref() {
                Expr::Await(await_expr) => &await_expr.value,
                other => other,
            };
            let Expr::Call(call) = value else { return None };
            let Expr::Attribute(attribute) = call.func.as_ref() else {
                return None;
            };
            (attribute.value.range() == reference.range)
                .then(|| semantic.bound_by(target))
                .flatten()
        })
        .any(|derived| direct_fate(semantic, derived, passing_escapes) == Fate::Escapes);
    if derived_escapes {
        Fate::Escapes
    } else {
        Fate::Dropped
    }
}

fn direct_fate(
    semantic: &SemanticModel,
    id: BindingId,
    passing_escapes: &dyn Fn(&ast::ExprCall) -> bool,
) -> Fate {
    let binding = semantic.binding(id);
    if !semantic.is_local_to_current_function(binding) {
        return Fate::Escapes;
    }
    let Some(function) = semantic.scope(binding.scope).function else {
        return Fate::Escapes;
    };
    // Code that runs at another time (a callback, a method) may close it, or keep it.
    if semantic
        .references(id)
        .any(|reference| !semantic.runs_inline(reference.scope, binding.scope))
    {
        return Fate::Escapes;
    }
    let mut fate = Fate::Dropped;
    // Escaping and context management settle it; closing beats dropping.
    let mut note = |new: Fate| {
        if !matches!(fate, Fate::Escapes | Fate::Managed) {
            fate = new;
        }
    };
    let is_resource = |expr: &Expr| semantic.refers_to(expr, id);
    let directly_holds = |expr: &Expr| match expr {
        Expr::Name(_) => is_resource(expr),
        Expr::Starred(starred) => is_resource(&starred.value),
        Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::List(ast::ExprList { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => elts.iter().any(is_resource),
        Expr::Dict(dict) => dict.items.iter().any(|item| is_resource(&item.value)),
        _ => false,
    };
    for_each_in_scope(&function.body, &mut |node| {
        let outcome = match node {
            Node::Stmt(Stmt::Return(ret)) if ret.value.as_deref().is_some_and(directly_holds) => {
                Some(Fate::Escapes)
            }
            Node::Stmt(Stmt::Assign(assign)) if directly_holds(&assign.value) => {
                Some(Fate::Escapes)
            }
            Node::Stmt(Stmt::AnnAssign(assign))
                if assign.value.as_deref().is_some_and(directly_holds) =>
            {
                Some(Fate::Escapes)
            }
            Node::Stmt(Stmt::With(with))
                if with
                    .items
                    .iter()
                    .any(|item| is_resource(&item.context_expr)) =>
            {
                Some(Fate::Managed)
            }
            Node::Expr(Expr::Yield(yield_expr))
                if yield_expr.value.as_deref().is_some_and(directly_holds) =>
            {
                Some(Fate::Escapes)
            }
            Node::Expr(expr @ (Expr::Tuple(_) | Expr::List(_) | Expr::Set(_) | Expr::Dict(_)))
                if directly_holds(expr) =>
            {
                Some(Fate::Escapes)
            }
            Node::Expr(Expr::Call(call)) => {
                let closes = matches!(call.func.as_ref(), Expr::Attribute(attribute)
                    if is_resource(&attribute.value) && RELEASE_METHODS.contains(&attribute.attr.as_str()));
                let passed = call.arguments.args.iter().any(directly_holds)
                    || call
                        .arguments
                        .keywords
                        .iter()
                        .any(|k| is_resource(&k.value));
                if passed && passing_escapes(call) {
                    Some(Fate::Escapes)
                } else if closes {
                    Some(Fate::Closed)
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(outcome) = outcome {
            note(outcome);
        }
    });
    fate
}

/// Whether a method of `class` releases what it keeps in `self.<attribute>` (`self._thread.join()`
/// in `stop()`, `self._pool.shutdown()` in `__exit__`): the class manages its lifecycle.
pub fn class_releases_attribute(class: &ast::StmtClassDef, attribute: &str) -> bool {
    class.body.iter().any(|statement| {
        let Stmt::FunctionDef(method) = statement else {
            return false;
        };
        let Some(receiver) = method.parameters.args.first() else {
            return false;
        };
        let receiver = receiver.parameter.name.as_str();
        let mut releases = false;
        for_each_in_scope(&method.body, &mut |node| {
            let Node::Expr(Expr::Call(call)) = node else {
                return;
            };
            let Expr::Attribute(release) = call.func.as_ref() else {
                return;
            };
            releases |= RELEASE_METHODS.contains(&release.attr.as_str())
                && matches!(release.value.as_ref(), Expr::Attribute(held)
                    if held.attr.as_str() == attribute
                        && matches!(held.value.as_ref(), Expr::Name(name) if name.id.as_str() == receiver));
        });
        releases
    })
}

/// `atexit.register(holder.join)` (or another release method) in `body`: the resource `holder`
/// names is released when the interpreter exits, which is a managed lifecycle.
pub fn released_at_exit(semantic: &SemanticModel, body: &[Stmt], holder: &Expr) -> bool {
    let holder = ComparableExpr::from(holder);
    let mut released = false;
    for_each_in_scope(body, &mut |node| {
        let Node::Expr(Expr::Call(call)) = node else {
            return;
        };
        if released || semantic.qualified_name(&call.func).as_deref() != Some("atexit.register") {
            return;
        }
        released = matches!(call.arguments.args.first(), Some(Expr::Attribute(release))
            if RELEASE_METHODS.contains(&release.attr.as_str())
                && ComparableExpr::from(release.value.as_ref()) == holder);
    });
    released
}
