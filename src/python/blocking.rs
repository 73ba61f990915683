//! The one answer to "does this call block the thread it runs on". The LG2xx detectors report
//! what it says about calls in async code; LG208's summaries record what it says about calls in
//! sync functions, so a helper is followed for exactly the calls a coroutine would be flagged for.

use ruff_python_ast::{self as ast, Expr};

use super::checker::CallSite;
use super::data::data;
use super::semantic::SemanticModel;
use crate::config::Settings;
use crate::registry::Rule;

/// Why a call blocks, and which rule's list says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocking {
    /// The call's target is on the rule's `calls` list (with the user's extensions), or is a
    /// sync queue's `get`/`put` that waits.
    Call(Rule),
    /// A method of a receiver of a type every method of which but a few does I/O (a sync
    /// database connection or cursor).
    Method { rule: Rule, receiver_type: String },
}

impl Blocking {
    pub fn rule(&self) -> Rule {
        match self {
            Blocking::Call(rule) | Blocking::Method { rule, .. } => *rule,
        }
    }
}

/// Whether `site` blocks, wherever it runs (the caller knows whether that is async code).
pub fn classify(
    semantic: &SemanticModel,
    settings: &Settings,
    site: &CallSite,
) -> Option<Blocking> {
    if let Some(name) = site.target() {
        if let Some(rule) = settings.python.blocking_rule(name) {
            // A zero timeout is a poll that returns at once.
            let polls = rule == Rule::BlockingWait && has_zero_timeout(site, name);
            return (!polls).then_some(Blocking::Call(rule));
        }
        if data().rules.blocking_wait.queue_calls.matches(name)
            && queue_call_blocks(site, name)
            && !has_zero_timeout(site, name)
        {
            return Some(Blocking::Call(Rule::BlockingWait));
        }
    }
    connection_method(semantic, site)
}

/// `conn.execute(...)` on a sync connection or cursor.
fn connection_method(semantic: &SemanticModel, site: &CallSite) -> Option<Blocking> {
    let Expr::Attribute(attribute) = site.call.func.as_ref() else {
        return None;
    };
    let lists = &data().rules.blocking_database;
    if lists.non_blocking_methods.matches(attribute.attr.as_str()) {
        return None;
    }
    let receiver_type = semantic.type_of(&attribute.value)?;
    lists
        .receiver_types
        .matches(&receiver_type)
        .then_some(Blocking::Method {
            rule: Rule::BlockingDatabase,
            receiver_type,
        })
}

/// `join(timeout=0)`, `wait(0)`, `result(timeout=0)`: a poll that returns at once.
fn has_zero_timeout(site: &CallSite, name: &str) -> bool {
    let timeout_position = match name.rsplit('.').next() {
        Some("join" | "wait" | "result" | "exception") => 0,
        Some("get") => 1,
        Some("put") => 2,
        _ => return false,
    };
    let timeout = site
        .keyword("timeout")
        .map(|keyword| &keyword.value)
        .or_else(|| site.call.arguments.args.get(timeout_position));
    timeout.is_some_and(|value| match value {
        Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(int) => int.as_u64() == Some(0),
            ast::Number::Float(float) => *float == 0.0,
            ast::Number::Complex { .. } => false,
        },
        _ => false,
    })
}

/// `q.get()`/`q.put(x)` block unless `block=False` (or the positional equivalent) is passed.
fn queue_call_blocks(site: &CallSite, name: &str) -> bool {
    let block_position = if name.ends_with(".put") { 1 } else { 0 };
    let block_argument = site
        .keyword("block")
        .map(|keyword| &keyword.value)
        .or_else(|| site.call.arguments.args.get(block_position));
    !block_argument
        .is_some_and(|value| matches!(value, Expr::BooleanLiteral(literal) if !literal.value))
}
