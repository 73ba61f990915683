//! Streams and the branches that never run for one: `File(io.BytesIO(data))` where `File`
//! opens its argument only `if isinstance(src, (str, os.PathLike))`.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::python::semantic::SemanticModel;

/// Types no stream is an instance of.
const PATH_TYPES: &[&str] = &[
    "builtins.str",
    "builtins.bytes",
    "os.PathLike",
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
];

/// The base class of every stream the calls below make.
const STREAM_BASE: &str = "io.IOBase";

/// Calls that make a stream (an `io.IOBase`).
const STREAM_MAKERS: &[&str] = &["io.BytesIO", "io.StringIO", "builtins.open", "io.open"];

/// An argument the file shows to be a stream: `io.BytesIO(data)`, `open(path)`, or a name
/// bound to one.
pub fn is_stream(semantic: &SemanticModel, argument: &Expr) -> bool {
    matches!(argument, Expr::Call(_) | Expr::Name(_))
        && semantic
            .type_of(argument)
            .is_some_and(|type_name| STREAM_MAKERS.contains(&type_name.as_str()))
}

/// The parameter of `function` (its name, and its position among the positional ones) that the
/// code at `node` runs only for when its argument is no stream: `node` is in a branch of an
/// `if` whose test says so, `if isinstance(src, (str, os.PathLike)):` or the `else` of
/// `if isinstance(src, io.IOBase):` (also with `not`).
pub fn parameter_excluding_streams<'a>(
    semantic: &SemanticModel<'a>,
    function: &'a ast::StmtFunctionDef,
    node: TextRange,
) -> Option<(&'a str, Option<usize>)> {
    semantic
        .statement_stack()
        .iter()
        .rev()
        .take_while(|statement| statement.range() != function.range())
        .find_map(|statement| {
            let Stmt::If(if_stmt) = statement else {
                return None;
            };
            let name = branch_excluding_streams(semantic, if_stmt, node)?;
            parameter(semantic, function, name)
        })
}

/// The name that the branch of `if_stmt` holding `node` is taken only for when it is no
/// stream.
fn branch_excluding_streams<'t>(
    semantic: &SemanticModel,
    if_stmt: &'t ast::StmtIf,
    node: TextRange,
) -> Option<&'t ast::ExprName> {
    let contains = |body: &[Stmt]| {
        body.first().zip(body.last()).is_some_and(|(first, last)| {
            TextRange::new(first.start(), last.end()).contains_range(node)
        })
    };
    if contains(&if_stmt.body) {
        return no_stream_when(semantic, &if_stmt.test, true);
    }
    let taken = if_stmt
        .elif_else_clauses
        .iter()
        .position(|clause| contains(&clause.body))?;
    // Every test before the branch was false, and its own (an `elif`'s) true.
    let earlier = std::iter::once(&*if_stmt.test).chain(
        if_stmt.elif_else_clauses[..taken]
            .iter()
            .filter_map(|clause| clause.test.as_ref()),
    );
    earlier
        .filter_map(|test| no_stream_when(semantic, test, false))
        .chain(
            if_stmt.elif_else_clauses[taken]
                .test
                .as_ref()
                .and_then(|test| no_stream_when(semantic, test, true)),
        )
        .next()
}

/// The name a test with this outcome shows to be no stream: `isinstance(p, <path types>)`
/// true, `isinstance(p, io.IOBase)` false, or either under `not`.
fn no_stream_when<'t>(
    semantic: &SemanticModel,
    test: &'t Expr,
    outcome: bool,
) -> Option<&'t ast::ExprName> {
    match test {
        Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
            no_stream_when(semantic, &unary.operand, !outcome)
        }
        Expr::Call(call)
            if semantic.call_target(call).as_deref() == Some("builtins.isinstance") =>
        {
            let [Expr::Name(name), types] = &call.arguments.args[..] else {
                return None;
            };
            let types = match types {
                Expr::Tuple(tuple) => &tuple.elts[..],
                one => std::slice::from_ref(one),
            };
            let types: Vec<String> = types
                .iter()
                .map(|type_expr| semantic.qualified_name(type_expr))
                .collect::<Option<_>>()?;
            let excludes = match outcome {
                true => types.iter().all(|name| PATH_TYPES.contains(&name.as_str())),
                false => types.iter().any(|name| name == STREAM_BASE),
            };
            (excludes && !types.is_empty()).then_some(name)
        }
        _ => None,
    }
}

/// The parameter of `function` that `name` reads, unless something rebound it before.
fn parameter<'a>(
    semantic: &SemanticModel<'a>,
    function: &'a ast::StmtFunctionDef,
    name: &ast::ExprName,
) -> Option<(&'a str, Option<usize>)> {
    let binding = semantic.binding(semantic.resolve_name(name)?);
    let parameters = &function.parameters;
    let positional = parameters.posonlyargs.iter().chain(&parameters.args);
    if let Some(position) = positional
        .clone()
        .position(|parameter| parameter.parameter.name.range == binding.range)
    {
        let parameter = positional.clone().nth(position)?;
        return Some((parameter.parameter.name.as_str(), Some(position)));
    }
    parameters
        .kwonlyargs
        .iter()
        .find(|parameter| parameter.parameter.name.range == binding.range)
        .map(|parameter| (parameter.parameter.name.as_str(), None))
}
