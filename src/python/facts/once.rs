//! Code that runs once per process, however often it is called.

use ruff_python_ast::{self as ast, Expr};

use crate::python::semantic::SemanticModel;

/// Decorators that memoise a function: its body runs once per distinct argument list (per
/// instance, for a `cached_property`).
const MEMOISING_DECORATORS: &[&str] = &[
    "functools.cache",
    "functools.lru_cache",
    "functools.cached_property",
];

/// A function memoised with `@functools.cache`, `@lru_cache(...)` or `@cached_property`: a
/// blocking call in it stalls the loop on the first call only (a version read from a file, a
/// config parsed once), which no one fixes.
pub fn is_memoised(semantic: &SemanticModel, function: &ast::StmtFunctionDef) -> bool {
    function.decorator_list.iter().any(|decorator| {
        let decorator = match &decorator.expression {
            Expr::Call(call) => call.func.as_ref(),
            other => other,
        };
        semantic
            .qualified_name(decorator)
            .is_some_and(|name| MEMOISING_DECORATORS.contains(&name.as_str()))
    })
}
