//! What calling an `async def` gives.

use ruff_python_ast::{self as ast, Expr};

use super::{for_each_in_scope, Node};

/// An `async def` whose call creates a plain coroutine: no `yield` (that would make it an async
/// generator) and no decorator that could wrap it into something else (`staticmethod` and
/// `classmethod` keep it a coroutine function).
pub fn is_plain_coroutine_function(function: &ast::StmtFunctionDef) -> bool {
    if !function.is_async {
        return false;
    }
    let transparent = function.decorator_list.iter().all(|decorator| {
        matches!(&decorator.expression, Expr::Name(name)
            if matches!(name.id.as_str(), "staticmethod" | "classmethod"))
    });
    let mut yields = false;
    for_each_in_scope(&function.body, &mut |node| {
        yields |= matches!(node, Node::Expr(Expr::Yield(_) | Expr::YieldFrom(_)));
    });
    transparent && !yields
}
