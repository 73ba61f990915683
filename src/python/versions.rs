//! Python version guards: code under `if sys.version_info < (3, 14):` (or in the `else` of
//! `if sys.version_info >= (3, 14):`) only runs on older Pythons, where an API that a later
//! version deprecates is still the one to use.

use ruff_python_ast::{self as ast, CmpOp, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::semantic::SemanticModel;

/// Whether the code at `at`, inside the statements being visited, only runs on Python versions
/// before `version` (`(3, 14)`).
pub fn runs_only_before(semantic: &SemanticModel, at: TextSize, version: (u64, u64)) -> bool {
    semantic.statement_stack().iter().any(|statement| {
        let Stmt::If(if_stmt) = statement else {
            return false;
        };
        if if_stmt.body.iter().any(|inner| inner.range().contains(at)) {
            return implies_before(semantic, &if_stmt.test, version);
        }
        // In a later clause: every earlier test was false.
        let mut earlier: Vec<&Expr> = vec![&if_stmt.test];
        for clause in &if_stmt.elif_else_clauses {
            if clause.range().contains(at) {
                return clause
                    .test
                    .as_ref()
                    .is_some_and(|test| implies_before(semantic, test, version))
                    || earlier
                        .iter()
                        .any(|test| implies_not_before(semantic, test, version));
            }
            if let Some(test) = &clause.test {
                earlier.push(test);
            }
        }
        false
    })
}

/// `test` true means the version is below `version`.
fn implies_before(semantic: &SemanticModel, test: &Expr, version: (u64, u64)) -> bool {
    match test {
        Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::And => bool_op
            .values
            .iter()
            .any(|value| implies_before(semantic, value, version)),
        _ => version_comparison(semantic, test).is_some_and(|(op, bound)| match op {
            CmpOp::Lt => bound <= version,
            CmpOp::LtE => bound < version,
            _ => false,
        }),
    }
}

/// `test` false means the version is below `version` (`sys.version_info >= (3, 14)`).
fn implies_not_before(semantic: &SemanticModel, test: &Expr, version: (u64, u64)) -> bool {
    match test {
        Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::Or => bool_op
            .values
            .iter()
            .all(|value| implies_not_before(semantic, value, version)),
        _ => version_comparison(semantic, test).is_some_and(|(op, bound)| match op {
            CmpOp::GtE => bound <= version,
            CmpOp::Gt => bound < version,
            _ => false,
        }),
    }
}

/// `sys.version_info <op> (major, minor, ...)`, also with `sys.version_info[:2]`.
fn version_comparison(semantic: &SemanticModel, test: &Expr) -> Option<(CmpOp, (u64, u64))> {
    let Expr::Compare(compare) = test else {
        return None;
    };
    let ([op], [right]) = (&*compare.ops, &*compare.comparators) else {
        return None;
    };
    let left = match compare.left.as_ref() {
        Expr::Subscript(subscript) => subscript.value.as_ref(),
        other => other,
    };
    if semantic.qualified_name(left).as_deref() != Some("sys.version_info") {
        return None;
    }
    let Expr::Tuple(tuple) = right else {
        return None;
    };
    let number = |index: usize| match tuple.elts.get(index) {
        Some(Expr::NumberLiteral(literal)) => match &literal.value {
            ast::Number::Int(int) => int.as_u64(),
            _ => None,
        },
        None => Some(0),
        _ => None,
    };
    Some((*op, (number(0)?, number(1)?)))
}
