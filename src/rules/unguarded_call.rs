//! LG801 unguarded-call — docs: rules/LG801-unguarded-call.md

use super::prelude::*;
use crate::python::facts::dotted_name;

pub const META: RuleMeta = RuleMeta {
    code: "LG801",
    name: "unguarded-call",
    summary: "A call the config says must run under a guard (circuit breaker, rate limiter, semaphore) made without it",
    enablement: Enablement::Default,
    severity: Severity::Error,
    fm043: Some(7),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG801-unguarded-call.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        python_triggers: Some(&[]),
        rust_triggers: Some(&[]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    if checker.settings.guarded_calls.is_empty() {
        return;
    }
    let Some(name) = site.target() else { return };
    let Some(rule) = checker
        .settings
        .guarded_calls
        .iter()
        .find(|guarded| !guarded.call.is_rust() && guarded.call.matches(name))
    else {
        return;
    };
    let guards = &rule.guards;
    if enclosing_guards(checker).any(|candidates| candidates.iter().any(|c| guards.contains(c))) {
        return;
    }
    let listed = guards
        .iter()
        .map(|g| format!("`{g}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let diagnostic = Diagnostic::new(
        Rule::UnguardedCall,
        format!("`{name}` must run under one of {listed} (`[[guarded-calls]]` pattern `{}`), but no enclosing `with`/`async with` or decorator of this function provides one: failures here bypass the breaker or limiter", rule.call.as_str()),
        site.call.range(),
    )
    .with_help(format!("wrap the call in `async with {}:` (or `with`), or decorate the function with it", guards[0]));
    checker.report(diagnostic);
}

/// For each `with` item around the call (inside the current function) and each decorator of
/// that function, the names it can be spelled by.
fn enclosing_guards<'c>(checker: &'c Checker) -> impl Iterator<Item = Vec<String>> + 'c {
    let with_items = checker
        .semantic
        .statement_stack()
        .iter()
        .rev()
        .take_while(|statement| {
            !matches!(
                statement,
                ast::Stmt::FunctionDef(_) | ast::Stmt::ClassDef(_)
            )
        })
        .filter_map(|statement| match statement {
            ast::Stmt::With(with) => Some(with.items.iter().map(|item| &item.context_expr)),
            _ => None,
        })
        .flatten();
    let decorators = checker
        .semantic
        .current_function()
        .into_iter()
        .flat_map(|function| {
            function
                .decorator_list
                .iter()
                .map(|decorator| &decorator.expression)
        });
    with_items
        .chain(decorators)
        .map(|expr| spellings(checker, expr))
}

/// `self.breaker` → `self.breaker`, `breaker`; `limiter.acquire()` → also `limiter`;
/// `breaker()` → `breaker`; plus the qualified name when the file imports it.
fn spellings(checker: &Checker, expr: &ast::Expr) -> Vec<String> {
    let mut names = Vec::new();
    let mut add = |expr: &ast::Expr| {
        if let Some(dotted) = dotted_name(expr) {
            if let Some(last) = dotted.rsplit('.').next() {
                names.push(last.to_string());
            }
            names.push(dotted);
        }
        if let Some(qualified) = checker.semantic.qualified_name(expr) {
            names.push(qualified);
        }
    };
    match expr {
        ast::Expr::Call(call) => {
            add(&call.func);
            if let ast::Expr::Attribute(attribute) = call.func.as_ref() {
                add(&attribute.value);
            }
        }
        other => add(other),
    }
    names
}

/// A call a Rust `[[guarded-calls]]` pattern (one with `::`) names, outside every guard's
/// `.call(...)`/`.run(...)` and every permit held in this function.
pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = site.target() else { return };
    let Some(rule) = checker
        .settings
        .guarded_calls
        .iter()
        .find(|guarded| guarded.call.is_rust() && guarded.call.matches(name))
    else {
        return;
    };
    let guards = &rule.guards;
    if checker
        .semantic
        .guards_in_force()
        .any(|spellings| spellings.iter().any(|spelling| guards.contains(spelling)))
    {
        return;
    }
    let listed = guards
        .iter()
        .map(|g| format!("`{g}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let diagnostic = Diagnostic::new(
        Rule::UnguardedCall,
        format!("`{name}` must run under one of {listed} (`[[guarded-calls]]` pattern `{}`), but it is neither inside a guard's `.call(...)`/`.run(...)` nor in a block holding a permit from one: failures here bypass the breaker or limiter", rule.call.as_str()),
        checker.range(site.span()),
    )
    .with_help(format!("run it through the guard (`{0}.call(|| ...)`), or hold a permit first (`let _permit = {0}.acquire().await?;`)", guard_to_show(guards)));
    checker.report(diagnostic);
}

/// A guard to write in the help: a name or field rather than a type path, when there is one.
fn guard_to_show(guards: &[String]) -> &str {
    guards
        .iter()
        .find(|guard| !guard.contains("::"))
        .unwrap_or(&guards[0])
}
