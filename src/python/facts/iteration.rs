//! What a loop iterates: a collection whose size the code states, or a runtime one.

use ruff_python_ast::{self as ast, Expr};

use super::method_statements;
use super::provenance::{comprehension_provenance, provenance, Provenance};
use crate::python::semantic::{BindingId, LoopContext, SemanticModel};

/// Methods that add elements to a list, set or dict.
pub(super) const GROWING_METHODS: &[&str] =
    &["append", "extend", "insert", "add", "update", "setdefault"];

/// A collection whose size the code states: a literal list/tuple/set/dict without unpacking,
/// `range(<int literal>)`, or a name bound to one of those that nothing adds to.
pub fn is_literal_iterable(semantic: &SemanticModel, expr: &Expr) -> bool {
    match expr {
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => !elts.iter().any(Expr::is_starred_expr),
        Expr::Dict(dict) => dict.items.iter().all(|item| item.key.is_some()),
        Expr::StringLiteral(_) | Expr::BytesLiteral(_) => true,
        Expr::Call(call) => {
            let is_range = semantic.qualified_name(&call.func).as_deref() == Some("builtins.range");
            let literal_bounds = !call.arguments.args.is_empty()
                && call.arguments.keywords.is_empty()
                && call
                    .arguments
                    .args
                    .iter()
                    .all(|argument| argument.is_number_literal_expr());
            is_range && literal_bounds
        }
        // One step only: a value that is itself a name is not followed.
        Expr::Name(name) => {
            semantic
                .assigned_value(name)
                .is_some_and(|value| !value.is_name_expr() && is_literal_iterable(semantic, value))
                && semantic
                    .resolve_name(name)
                    .is_some_and(|binding| !is_grown(semantic, binding))
        }
        _ => false,
    }
}

/// `items = []` then `items.append(x)`: the collection a binding holds has elements added to
/// it, in its scope or any other.
fn is_grown(semantic: &SemanticModel, collection: BindingId) -> bool {
    method_statements(semantic, collection).any(|(_, method, _)| GROWING_METHODS.contains(&method))
}

/// Every `for` clause of a comprehension walks a literal collection.
pub fn comprehension_is_literal(
    semantic: &SemanticModel,
    generators: &[ast::Comprehension],
) -> bool {
    generators
        .iter()
        .all(|generator| is_literal_iterable(semantic, &generator.iter))
}

/// Where the elements a `for` loop walks come from; an `async for` reads a stream.
pub fn for_provenance(semantic: &SemanticModel, for_stmt: &ast::StmtFor) -> Provenance {
    if for_stmt.is_async {
        Provenance::Data
    } else if is_literal_iterable(semantic, &for_stmt.iter) {
        Provenance::Code
    } else {
        provenance(semantic, &for_stmt.iter)
    }
}

/// Where the elements the loop being visited walks come from; `None` for a `while` loop, which
/// walks no collection.
pub fn loop_provenance(semantic: &SemanticModel, current: LoopContext) -> Option<Provenance> {
    match current {
        LoopContext::For(for_stmt) => Some(for_provenance(semantic, for_stmt)),
        LoopContext::Comprehension(generators) => {
            Some(if comprehension_is_literal(semantic, generators) {
                Provenance::Code
            } else {
                comprehension_provenance(semantic, generators)
            })
        }
        LoopContext::While(_) => None,
    }
}

/// The loop being visited runs once per element of a collection whose size the code does not
/// state; `while` loops are not per-item loops.
pub fn in_per_item_loop(semantic: &SemanticModel) -> bool {
    semantic
        .current_loop()
        .and_then(|current| loop_provenance(semantic, current))
        .is_some_and(|collection| collection != Provenance::Code)
}
