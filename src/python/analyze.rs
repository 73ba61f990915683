//! Which rules look at which node: every enabled rule's Python hooks (declared in its file, see
//! `registry::Hooks`), called by the checker for every statement and call.

use ruff_python_ast::{ExprCall, Stmt};
use ruff_text_size::Ranged;

use super::checker::{CallSite, Checker};
use super::semantic::Resolved;
use crate::registry::{PythonCallHook, PythonStatementHook, RuleSet};

/// The Python hooks of a file's enabled rules, collected once per file.
pub(super) struct Dispatch {
    calls: Vec<PythonCallHook>,
    statements: Vec<PythonStatementHook>,
}

impl Dispatch {
    pub(super) fn new(rules: RuleSet) -> Dispatch {
        let hooks = || rules.iter().map(|rule| rule.meta().hooks);
        Dispatch {
            calls: hooks().filter_map(|hooks| hooks.python_call).collect(),
            statements: hooks().filter_map(|hooks| hooks.python_statement).collect(),
        }
    }
}

pub(super) fn call<'a>(checker: &mut Checker<'a>, call: &'a ExprCall) {
    // Resolved once and shared by every rule and the project summary.
    let resolved = checker.semantic.resolve(&call.func);
    let site = CallSite {
        call,
        resolved: resolved.is_some(),
        local: match &resolved {
            Some(Resolved::LocalFunction(definition)) => Some(definition.start()),
            Some(Resolved::LocalClass(definition)) => Some(definition.start()),
            _ => None,
        },
        target: resolved.and_then(Resolved::into_call_target),
        blocking: std::cell::OnceCell::new(),
    };
    for index in 0..checker.dispatch.calls.len() {
        let hook = checker.dispatch.calls[index];
        hook(checker, &site);
    }
    super::project::call(checker, &site);
}

pub(super) fn statement(checker: &mut Checker, statement: &Stmt) {
    super::project::statement(checker, statement);
    for index in 0..checker.dispatch.statements.len() {
        let hook = checker.dispatch.statements[index];
        hook(checker, statement);
    }
}
