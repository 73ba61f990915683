//! Facts several rules share, answered from the semantic model and the tree: what a collection
//! iterates, does a function acquire a limiter, is a fan-out bounded, does a resource escape its
//! function, does a value draw randomness, is a function a route handler.
//!
//! A variable is followed through its bindings and their references in the semantic model, never
//! by its spelling: a name rebound in between, a same-named variable of a comprehension or
//! another function, and a read from a nested function are each told apart.
//!
//! Precision beats recall everywhere here: when the file does not show that a fan-out is
//! unbounded or a resource leaks, the answer is the one that keeps the rule quiet.

mod coroutines;
mod delays;
mod fan_out;
mod handlers;
mod iteration;
mod limiters;
mod methods;
mod once;
mod provenance;
mod randomness;
mod resources;
mod streams;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::semantic::{BindingId, Reference, SemanticModel};
use crate::matcher::CallMatcher;

pub use coroutines::is_plain_coroutine_function;
pub use delays::is_mandated_wait;
pub use fan_out::{fan_out, FanOut};
pub use handlers::{is_route_decorator, registered_handlers};
pub use iteration::{
    comprehension_is_literal, in_per_item_loop, is_literal_iterable, loop_provenance,
};
pub use limiters::{body_acquires_limiter, coroutine_is_bounded, is_limiter};
pub use methods::{accessor, is_classmethod, is_staticmethod, Accessor};
pub use once::is_memoised;
pub use provenance::{provenance, Provenance};
pub use randomness::involves_randomness;
pub use resources::{class_releases_attribute, released_at_exit, resource_fate, Fate};
pub use streams::{is_stream, parameter_excluding_streams};

/// What the user's config adds to the built-in notion of a bound.
#[derive(Clone, Copy, Default)]
pub struct Bounds<'m> {
    /// `limiters`: types or names whose `async with` caps concurrency.
    pub limiters: Option<&'m CallMatcher>,
    /// `bounded-wrappers`: functions that bound whatever they are given.
    pub wrappers: Option<&'m CallMatcher>,
}

impl<'m> Bounds<'m> {
    /// A fan-out rule's `limiters` and `bounded-wrappers` options.
    pub fn of(tables: &'m crate::calls::CallTables, rule: crate::registry::Rule) -> Self {
        Bounds {
            limiters: tables.patterns(rule, &crate::rules::LIMITERS),
            wrappers: tables.patterns(rule, &crate::rules::BOUNDED_WRAPPERS),
        }
    }
}

/// `a.b.c` for a chain of names and attributes.
pub fn dotted_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(name) => Some(name.id.to_string()),
        Expr::Attribute(attribute) => {
            dotted_name(&attribute.value).map(|base| format!("{base}.{}", attribute.attr))
        }
        _ => None,
    }
}

/// Whether `expr` reads the value of `binding` anywhere in it (lambdas and comprehensions in it
/// included, where they read it rather than a name of their own).
pub fn mentions(semantic: &SemanticModel, expr: &Expr, binding: BindingId) -> bool {
    let mut found = false;
    walk_expressions(expr, &mut |e| found |= semantic.refers_to(e, binding));
    found
}

/// The statements that are a call of a method of a binding's value (`items.append(x)`), in any
/// scope: each with the reference it is made through, the method's name and the call.
pub fn method_statements<'s, 'a>(
    semantic: &'s SemanticModel<'a>,
    binding: BindingId,
) -> impl Iterator<Item = (&'s Reference, &'a str, &'a ast::ExprCall)> + 's {
    semantic.references(binding).filter_map(|reference| {
        let Stmt::Expr(statement) = semantic.statement(reference.statement) else {
            return None;
        };
        let Expr::Call(call) = statement.value.as_ref() else {
            return None;
        };
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return None;
        };
        (attribute.value.range() == reference.range).then_some((
            reference,
            attribute.attr.as_str(),
            call,
        ))
    })
}

// ---- walking helpers -----------------------------------------------------------------------

/// A node handed to the callbacks below.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    Stmt(&'a Stmt),
    Expr(&'a Expr),
}

/// Calls `f` for every statement and expression of `body`, not entering nested functions,
/// classes or lambdas (their code runs at another time).
pub fn for_each_in_scope<'a>(body: &'a [Stmt], f: &mut dyn FnMut(Node<'a>)) {
    struct Walker<'f, 'a> {
        f: &'f mut dyn FnMut(Node<'a>),
    }
    impl<'a> Visitor<'a> for Walker<'_, 'a> {
        fn visit_stmt(&mut self, statement: &'a Stmt) {
            if !matches!(statement, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                (self.f)(Node::Stmt(statement));
                walk_stmt(self, statement);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            (self.f)(Node::Expr(expr));
            if !expr.is_lambda_expr() {
                walk_expr(self, expr);
            }
        }
    }
    let mut walker = Walker { f };
    walker.visit_body(body);
}

/// Calls `f` for every expression of `body`, nested functions and classes included.
fn for_each_expression<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Expr)) {
    Expressions { f }.visit_body(body);
}

/// Calls `f` for `expr` and every expression in it.
pub fn walk_expressions<'a>(expr: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    Expressions { f }.visit_expr(expr);
}

struct Expressions<'f, 'a> {
    f: &'f mut dyn FnMut(&'a Expr),
}

impl<'a> Visitor<'a> for Expressions<'_, 'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        (self.f)(expr);
        walk_expr(self, expr);
    }
}
