//! Provenance: whether the size of a collection comes from data or from code.
//!
//! A gather or a spawn loop over a collection is a fan-out only when the collection can grow with
//! the input: an awaited result, a query, a directory listing, a request handler's parameter, or
//! something built from one. A collection the code states (literals, enum members, class attributes, a slice of
//! constant width) is as wide as the code that wrote it. Anything else — an attribute of `self`,
//! a plain call's result, a registry filled elsewhere — is unknown, and the fan-out rules leave
//! it to their opt-ins: precision first.

use ruff_python_ast::comparable::ComparableExpr;
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::iteration::GROWING_METHODS;
use super::{is_route_decorator, method_statements};
use crate::python::data::data;
use crate::python::semantic::{BindingId, BindingKind, SemanticModel, StatementId};

/// Followed through at most this many names and wrappers: a chain longer than this is unknown.
const MAX_PROVENANCE_DEPTH: u8 = 8;
/// Steps per question: names reached by several bindings and operands branch (`x = x + x` in a
/// loop), so depth alone would allow exponentially many.
const MAX_PROVENANCE_STEPS: u32 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// The code states how many elements there are.
    Code,
    /// The input decides: an awaited result, I/O, a request, or something derived from one.
    Data,
    /// The file does not show.
    Unknown,
}

impl Provenance {
    /// What a collection built from two others is: data-sized when either is.
    pub fn join(self, other: Provenance) -> Provenance {
        match (self, other) {
            (Provenance::Data, _) | (_, Provenance::Data) => Provenance::Data,
            (Provenance::Code, Provenance::Code) => Provenance::Code,
            _ => Provenance::Unknown,
        }
    }

    fn join_all(items: impl IntoIterator<Item = Provenance>) -> Provenance {
        items
            .into_iter()
            .reduce(Provenance::join)
            .unwrap_or(Provenance::Code)
    }
}

/// Where the elements of `expr` come from.
pub fn provenance(semantic: &SemanticModel, expr: &Expr) -> Provenance {
    expr_provenance(semantic, expr, 0, &mut 0)
}

/// Where the elements a comprehension walks come from: its outermost `for` clause decides, and
/// inner clauses can only make it data-sized (`for group in GROUPS for item in group`).
pub fn comprehension_provenance(
    semantic: &SemanticModel,
    generators: &[ast::Comprehension],
) -> Provenance {
    generators_provenance(semantic, generators, 0, &mut 0)
}

fn generators_provenance(
    semantic: &SemanticModel,
    generators: &[ast::Comprehension],
    depth: u8,
    steps: &mut u32,
) -> Provenance {
    Provenance::join_all(generators.iter().map(|generator| {
        if generator.is_async {
            Provenance::Data
        } else {
            expr_provenance(semantic, &generator.iter, depth, steps)
        }
    }))
}

fn expr_provenance(
    semantic: &SemanticModel,
    expr: &Expr,
    depth: u8,
    steps: &mut u32,
) -> Provenance {
    *steps += 1;
    if depth > MAX_PROVENANCE_DEPTH || *steps > MAX_PROVENANCE_STEPS {
        return Provenance::Unknown;
    }
    let next = depth + 1;
    match expr {
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => Provenance::join_all(
            elts.iter()
                .filter_map(|element| match element {
                    Expr::Starred(starred) => Some(&*starred.value),
                    _ => None,
                })
                .map(|unpacked| expr_provenance(semantic, unpacked, next, steps)),
        ),
        Expr::Dict(dict) => Provenance::join_all(
            dict.items
                .iter()
                .filter(|item| item.key.is_none())
                .map(|item| expr_provenance(semantic, &item.value, next, steps)),
        ),
        Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_) => Provenance::Code,
        Expr::ListComp(ast::ExprListComp { generators, .. })
        | Expr::SetComp(ast::ExprSetComp { generators, .. })
        | Expr::DictComp(ast::ExprDictComp { generators, .. })
        | Expr::Generator(ast::ExprGenerator { generators, .. }) => {
            generators_provenance(semantic, generators, next, steps)
        }
        Expr::Await(_) => Provenance::Data,
        Expr::Name(name) => {
            let reaching = semantic.reaching(name);
            if reaching.is_empty() {
                return Provenance::Unknown;
            }
            Provenance::join_all(
                reaching
                    .iter()
                    .map(|&binding| binding_provenance(semantic, binding, next, steps)),
            )
        }
        Expr::Attribute(attribute) => {
            if names_class(semantic, &attribute.value) {
                return Provenance::Code;
            }
            match expr_provenance(semantic, &attribute.value, next, steps) {
                Provenance::Data => Provenance::Data,
                _ => Provenance::Unknown,
            }
        }
        Expr::Subscript(subscript) => {
            if let Expr::Slice(slice) = subscript.slice.as_ref() {
                if has_fixed_width(semantic, slice, next, steps) {
                    return Provenance::Code;
                }
            }
            expr_provenance(semantic, &subscript.value, next, steps)
        }
        Expr::Call(call) => call_provenance(semantic, call, next, steps),
        Expr::BinOp(binary) => expr_provenance(semantic, &binary.left, next, steps)
            .join(expr_provenance(semantic, &binary.right, next, steps)),
        Expr::BoolOp(boolean) => Provenance::join_all(
            boolean
                .values
                .iter()
                .map(|value| expr_provenance(semantic, value, next, steps)),
        ),
        Expr::If(conditional) => expr_provenance(semantic, &conditional.body, next, steps)
            .join(expr_provenance(semantic, &conditional.orelse, next, steps)),
        Expr::Named(named) => expr_provenance(semantic, &named.value, next, steps),
        Expr::Starred(starred) => expr_provenance(semantic, &starred.value, next, steps),
        _ => Provenance::Unknown,
    }
}

fn binding_provenance(
    semantic: &SemanticModel,
    id: BindingId,
    depth: u8,
    steps: &mut u32,
) -> Provenance {
    let binding = semantic.binding(id);
    match &binding.kind {
        BindingKind::Parameter(_) => parameter_provenance(binding.statement),
        BindingKind::Class(_) => Provenance::Code,
        BindingKind::Value(value)
        | BindingKind::Annotated {
            value: Some(value), ..
        } => match binding.statement {
            // `async with session.get(url) as response`: what a context manager yields is I/O.
            Stmt::With(with) if with.is_async => Provenance::Data,
            _ => expr_provenance(semantic, value, depth, steps)
                .join(growth_provenance(semantic, id, depth, steps)),
        },
        BindingKind::Augmented(value) => expr_provenance(semantic, value, depth, steps),
        BindingKind::Unknown => match binding.statement {
            Stmt::FunctionDef(function)
                if function.parameters.range().contains_range(binding.range) =>
            {
                parameter_provenance(binding.statement)
            }
            // An element of a collection is as data-sized as the collection (`for batch in
            // batches`), and an `async for` reads a stream.
            Stmt::For(for_stmt) if for_stmt.target.range().contains_range(binding.range) => {
                if for_stmt.is_async {
                    Provenance::Data
                } else {
                    expr_provenance(semantic, &for_stmt.iter, depth, steps)
                }
            }
            _ => Provenance::Unknown,
        },
        _ => Provenance::Unknown,
    }
}

/// A request handler's parameters are the request: data. Any other function's are as large as
/// its callers make them, which the function does not show: most collections handed around in
/// real code are registries, configured components or a message's few attachments, so a
/// parameter alone does not make a fan-out (the opt-in `include-opaque-collections` does).
fn parameter_provenance(function: &Stmt) -> Provenance {
    match function {
        Stmt::FunctionDef(function) if function.decorator_list.iter().any(is_route_decorator) => {
            Provenance::Data
        }
        _ => Provenance::Unknown,
    }
}

/// What `items.append(x)` / `items.extend(xs)` add to the collection a binding holds: an append
/// adds as many elements as the loops around it repeat, an extend as many as its argument has.
fn growth_provenance(
    semantic: &SemanticModel,
    collection: BindingId,
    depth: u8,
    steps: &mut u32,
) -> Provenance {
    let bound_in = semantic.binding(collection).statement.range();
    Provenance::join_all(
        method_statements(semantic, collection)
            .filter(|(_, method, _)| GROWING_METHODS.contains(method))
            .map(|(reference, method, call)| match method {
                "extend" | "update" => call
                    .arguments
                    .args
                    .first()
                    .map_or(Provenance::Code, |added| {
                        expr_provenance(semantic, added, depth + 1, steps)
                    }),
                _ => {
                    repetition_provenance(semantic, reference.statement, bound_in, depth + 1, steps)
                        .unwrap_or(Provenance::Code)
                }
            }),
    )
}

/// How often `statement` runs for each run of the statement at `bound_in` that encloses or
/// precedes it: as often as the elements of the `for` loops between them (`None` outside any
/// loop); a `while` loop as often as the collection its condition drains, if any.
pub(super) fn repetition_provenance(
    semantic: &SemanticModel,
    statement: StatementId,
    bound_in: TextRange,
    depth: u8,
    steps: &mut u32,
) -> Option<Provenance> {
    semantic
        .enclosing_statements(statement)
        .take_while(|enclosing| !enclosing.range().contains_range(bound_in))
        .filter_map(|enclosing| match enclosing {
            Stmt::For(for_stmt) if for_stmt.is_async => Some(Provenance::Data),
            Stmt::For(for_stmt) => Some(expr_provenance(semantic, &for_stmt.iter, depth, steps)),
            // `while pending: pending.pop()` drains a collection; other `while` loops repeat an
            // unknown number of times.
            Stmt::While(while_stmt) => Some(
                match expr_provenance(semantic, &while_stmt.test, depth, steps) {
                    Provenance::Data => Provenance::Data,
                    _ => Provenance::Unknown,
                },
            ),
            _ => None,
        })
        .reduce(Provenance::join)
}

fn call_provenance(
    semantic: &SemanticModel,
    call: &ast::ExprCall,
    depth: u8,
    steps: &mut u32,
) -> Provenance {
    let lists = &data().collections;
    let target = semantic.call_target(call);
    if let Some(target) = target.as_deref() {
        if lists.sources.matches(target) {
            return Provenance::Data;
        }
        // `range(4)` is code-sized, `range(len(items))` as sized as `items`.
        if lists.builders.matches(target) || matches!(target, "builtins.range" | "builtins.len") {
            return Provenance::join_all(
                call.arguments
                    .args
                    .iter()
                    .filter(|argument| !is_function(semantic, argument))
                    .map(|argument| expr_provenance(semantic, argument, depth, steps)),
            );
        }
    }
    let Expr::Attribute(method) = call.func.as_ref() else {
        return Provenance::Unknown;
    };
    if lists.data_methods.matches(method.attr.as_str()) {
        return Provenance::Data;
    }
    // `items.values()`, `body.get("urls")`, `CONFIG.items()`: as sized as the receiver, when the
    // receiver is a value rather than a module or a class.
    if target.is_some() && !is_value(semantic, &method.value) {
        return Provenance::Unknown;
    }
    match expr_provenance(semantic, &method.value, depth, steps) {
        Provenance::Code if names_class(semantic, &method.value) => Provenance::Unknown,
        other => other,
    }
}

/// `filter(pred, items)` / `map(f, items)`: the function argument says nothing about the size.
fn is_function(semantic: &SemanticModel, expr: &Expr) -> bool {
    match expr {
        Expr::Lambda(_) => true,
        Expr::Name(name) => semantic.resolve_name(name).is_some_and(|binding| {
            matches!(semantic.binding(binding).kind, BindingKind::Function(_))
        }),
        _ => false,
    }
}

/// A receiver that holds a value: not a module, an imported name, or a class.
fn is_value(semantic: &SemanticModel, expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => semantic.resolve_name(name).is_some_and(|binding| {
            !matches!(
                semantic.binding(binding).kind,
                BindingKind::Import(_) | BindingKind::Class(_)
            )
        }),
        Expr::Attribute(attribute) => is_value(semantic, &attribute.value),
        _ => true,
    }
}

/// A name of a class the file defines: iterating it walks its members (an `Enum`), and its
/// attributes are stated in code.
fn names_class(semantic: &SemanticModel, expr: &Expr) -> bool {
    matches!(expr, Expr::Name(name) if semantic.resolve_name(name).is_some_and(|binding| {
        matches!(semantic.binding(binding).kind, BindingKind::Class(_))
    }))
}

/// `items[:100]`, `items[start : start + size]`: a window of stated width, however long the
/// collection is (batching).
fn has_fixed_width(
    semantic: &SemanticModel,
    slice: &ast::ExprSlice,
    depth: u8,
    steps: &mut u32,
) -> bool {
    if slice.step.is_some() {
        return false;
    }
    match (slice.lower.as_deref(), slice.upper.as_deref()) {
        (None | Some(Expr::NumberLiteral(_)), Some(upper)) => {
            is_constant(semantic, upper)
                || expr_provenance(semantic, upper, depth, steps) == Provenance::Code
        }
        (Some(lower), Some(Expr::BinOp(sum))) if sum.op == ast::Operator::Add => {
            let lower = ComparableExpr::from(lower);
            ComparableExpr::from(sum.left.as_ref()) == lower
                || ComparableExpr::from(sum.right.as_ref()) == lower
        }
        _ => false,
    }
}

/// A number, or a name spelled like a constant (`BATCH_SIZE`).
fn is_constant(semantic: &SemanticModel, expr: &Expr) -> bool {
    match expr {
        Expr::NumberLiteral(_) => true,
        Expr::Name(name) => {
            name.id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                || semantic
                    .assigned_value(name)
                    .is_some_and(Expr::is_number_literal_expr)
        }
        _ => false,
    }
}
