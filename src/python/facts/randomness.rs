//! Randomness: does a value (a retry delay) depend on a random draw.

use ruff_python_ast::{Expr, Stmt};

use super::{for_each_in_scope, walk_expressions, Node};
use crate::matcher::CallMatcher;
use crate::python::semantic::{BindingKind, SemanticModel};

/// A name is followed to the values of the bindings that reach it (a call to what the function
/// returns), and their names to theirs, this many steps deep.
const MAX_DEPTH: u8 = 4;

/// At most this many bindings and functions are looked at for one expression: each name may be
/// reached by several bindings, so the steps branch.
const MAX_BINDINGS: u32 = 64;

/// Whether an expression involves randomness: a call of a random source, or of a function or
/// name whose name contains `random` or `jitter`, a name whose value (any binding that may reach
/// it) involves randomness, or a call of a function of this file that returns such a value.
pub fn involves_randomness(
    semantic: &SemanticModel,
    expr: &Expr,
    random_sources: &CallMatcher,
) -> bool {
    let mut budget = MAX_BINDINGS;
    draws(semantic, expr, random_sources, 0, &mut budget)
}

fn draws(
    semantic: &SemanticModel,
    expr: &Expr,
    random_sources: &CallMatcher,
    depth: u8,
    budget: &mut u32,
) -> bool {
    let mut names = Vec::new();
    let mut functions = Vec::new();
    let mut random = false;
    walk_expressions(expr, &mut |e| match e {
        Expr::Call(call) => {
            random |= semantic
                .qualified_name(&call.func)
                .is_some_and(|name| random_sources.matches(&name));
            functions.extend(semantic.local_function(call));
        }
        Expr::Name(name) => {
            random |= looks_random(name.id.as_str());
            names.push(name);
        }
        Expr::Attribute(attribute) => random |= looks_random(attribute.attr.as_str()),
        _ => {}
    });
    if random {
        return true;
    }
    if depth >= MAX_DEPTH {
        return false;
    }
    // `time.sleep(backoff(attempt))`: what the function returns.
    let returns_random = functions.into_iter().any(|function| {
        if !spend(budget) {
            return false;
        }
        let mut returned = Vec::new();
        for_each_in_scope(&function.body, &mut |node| {
            if let Node::Stmt(Stmt::Return(ret)) = node {
                returned.extend(ret.value.as_deref());
            }
        });
        returned
            .into_iter()
            .any(|value| draws(semantic, value, random_sources, depth + 1, budget))
    });
    returns_random
        || names.into_iter().any(|name| {
            semantic.reaching(name).iter().any(|id| {
                if !spend(budget) {
                    return false;
                }
                let binding = semantic.binding(*id);
                match binding.kind {
                    BindingKind::Value(value)
                    | BindingKind::Annotated {
                        value: Some(value), ..
                    } => draws(semantic, value, random_sources, depth + 1, budget),
                    // `delay += random.random()`, or a delay that was random before.
                    BindingKind::Augmented(value) => {
                        draws(semantic, value, random_sources, depth + 1, budget)
                            || matches!(binding.statement, Stmt::AugAssign(assign)
                                if draws(semantic, &assign.target, random_sources, depth + 1, budget))
                    }
                    _ => false,
                }
            })
        })
}

/// Takes one binding or function from the budget; false once it is spent.
fn spend(budget: &mut u32) -> bool {
    match budget.checked_sub(1) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    }
}

fn looks_random(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("random") || lower.contains("jitter")
}
