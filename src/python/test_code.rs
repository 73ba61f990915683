//! The test items of an ordinary Python file (see `crate::test_code`): pytest fixtures and
//! `unittest.TestCase` subclasses. A `test_*` function outside a test file is not one: pytest
//! does not collect it there, and production code has such names (`test_connection`).

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::semantic::SemanticModel;

/// Decorators that make a function a pytest fixture.
const FIXTURE_DECORATORS: &[&str] = &["pytest.fixture", "pytest_asyncio.fixture"];

/// The ranges of the module's test items, with names resolved at module level.
pub fn test_ranges(module: &ast::ModModule, semantic: &SemanticModel) -> Vec<TextRange> {
    let mut ranges = Vec::new();
    // Class bodies nest to any depth: a work list, not recursion.
    let mut bodies: Vec<&[Stmt]> = vec![&module.body];
    while let Some(body) = bodies.pop() {
        for statement in body {
            match statement {
                Stmt::FunctionDef(function) if is_fixture(function, semantic) => {
                    ranges.push(function.range());
                }
                Stmt::ClassDef(class) if is_test_case(class, semantic) => {
                    ranges.push(class.range());
                }
                Stmt::ClassDef(class) => bodies.push(&class.body),
                _ => {}
            }
        }
    }
    ranges.sort_by_key(|range| range.start());
    ranges
}

fn is_fixture(function: &ast::StmtFunctionDef, semantic: &SemanticModel) -> bool {
    function.decorator_list.iter().any(|decorator| {
        let callee = match &decorator.expression {
            Expr::Call(call) => &call.func,
            other => other,
        };
        semantic
            .qualified_name(callee)
            .is_some_and(|name| FIXTURE_DECORATORS.contains(&name.as_str()))
    })
}

/// A subclass of `unittest.TestCase` or of a framework's test case (`IsolatedAsyncioTestCase`,
/// `django.test.TestCase`, `AioHTTPTestCase`): every such base's name ends in `TestCase`.
fn is_test_case(class: &ast::StmtClassDef, semantic: &SemanticModel) -> bool {
    class.bases().iter().any(|base| {
        semantic.qualified_name(base).is_some_and(|name| {
            name.rsplit('.')
                .next()
                .is_some_and(|last| last.ends_with("TestCase"))
        })
    })
}
