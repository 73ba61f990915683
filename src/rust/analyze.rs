//! Which rules look at which node: every enabled rule's Rust hooks (declared in its file, see
//! `registry::Hooks`), called by the checker for every call, statement, `let`, struct literal
//! and assignment.

use super::checker::{CallSite, Checker};
use crate::registry::{RuleSet, RustCallHook, RustExprHook, RustLocalHook, RustStatementHook};

/// The Rust hooks of a file's enabled rules, collected once per file.
pub(super) struct Dispatch {
    calls: Vec<RustCallHook>,
    statements: Vec<RustStatementHook>,
    locals: Vec<RustLocalHook>,
    struct_literals: Vec<RustExprHook<syn::ExprStruct>>,
    assignments: Vec<RustExprHook<syn::ExprAssign>>,
}

impl Dispatch {
    pub(super) fn new(rules: RuleSet) -> Dispatch {
        let hooks = || rules.iter().map(|rule| rule.meta().hooks);
        Dispatch {
            calls: hooks().filter_map(|hooks| hooks.rust_call).collect(),
            statements: hooks().filter_map(|hooks| hooks.rust_statement).collect(),
            locals: hooks().filter_map(|hooks| hooks.rust_local).collect(),
            struct_literals: hooks()
                .filter_map(|hooks| hooks.rust_struct_literal)
                .collect(),
            assignments: hooks().filter_map(|hooks| hooks.rust_assignment).collect(),
        }
    }
}

pub(super) fn call(checker: &mut Checker, site: &CallSite) {
    for index in 0..checker.dispatch.calls.len() {
        let hook = checker.dispatch.calls[index];
        hook(checker, site);
    }
}

pub(super) fn statement(checker: &mut Checker, statement: &syn::Stmt) {
    for index in 0..checker.dispatch.statements.len() {
        let hook = checker.dispatch.statements[index];
        hook(checker, statement);
    }
}

pub(super) fn struct_literal(checker: &mut Checker, literal: &syn::ExprStruct) {
    for index in 0..checker.dispatch.struct_literals.len() {
        let hook = checker.dispatch.struct_literals[index];
        hook(checker, literal);
    }
}

pub(super) fn assignment(checker: &mut Checker, assignment: &syn::ExprAssign) {
    for index in 0..checker.dispatch.assignments.len() {
        let hook = checker.dispatch.assignments[index];
        hook(checker, assignment);
    }
}

pub(super) fn local(checker: &mut Checker, local: &syn::Local, following: &[syn::Stmt]) {
    for index in 0..checker.dispatch.locals.len() {
        let hook = checker.dispatch.locals[index];
        hook(checker, local, following);
    }
}
