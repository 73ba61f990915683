//! LG304 deprecated-loop-policy — docs: rules/LG304-deprecated-loop-policy.md

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "LG304",
    name: "deprecated-loop-policy",
    summary: "Event-loop policies and `uvloop.install()`, deprecated since Python 3.14",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(4),
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG304-deprecated-loop-policy.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        python_statement: Some(python_statement),
        python_triggers: Some(&["asyncio", "uvloop"]),
        ..Hooks::NONE
    },
};

const POLICY_CALLS: &[&str] = &[
    "asyncio.set_event_loop_policy",
    "asyncio.get_event_loop_policy",
    "uvloop.install",
];

const HELP: &str =
    "use `uvloop.run(main())` or `asyncio.run(main(), loop_factory=uvloop.new_event_loop)`";

fn is_policy_class(name: &str) -> bool {
    name == "uvloop.EventLoopPolicy"
        || name
            .strip_prefix("asyncio.")
            .is_some_and(|class| !class.contains('.') && class.ends_with("EventLoopPolicy"))
}

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let is_policy_call = POLICY_CALLS.contains(&name);
    if !is_policy_call && !is_policy_class(name) {
        return;
    }
    // `set_event_loop_policy(WindowsSelectorEventLoopPolicy())` is one finding, not two.
    if !is_policy_call && inside_set_policy_call(checker) {
        return;
    }
    if only_before_deprecation(checker, site.call.start()) {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::DeprecatedLoopPolicy,
        format!("`{name}` uses the event-loop policy system, deprecated since Python 3.14 and due for removal"),
        site.call.range(),
    )
    .with_help(HELP);
    checker.report(diagnostic);
}

/// Under `if sys.version_info < (3, 14):` the policy system is not deprecated yet, and the
/// code already has its replacement for later versions.
fn only_before_deprecation(checker: &Checker, at: ruff_text_size::TextSize) -> bool {
    crate::python::versions::runs_only_before(&checker.semantic, at, (3, 14))
}

fn inside_set_policy_call(checker: &Checker) -> bool {
    let Some(ast::Expr::Call(parent)) = checker.semantic.parent_expression() else {
        return false;
    };
    checker.semantic.call_target(parent).as_deref() == Some("asyncio.set_event_loop_policy")
}

pub(crate) fn python_statement(checker: &mut Checker, statement: &ast::Stmt) {
    if let ast::Stmt::ClassDef(class) = statement {
        python_class_bases(checker, class);
    }
}

/// `class MyPolicy(asyncio.DefaultEventLoopPolicy)`.
fn python_class_bases(checker: &mut Checker, class: &ast::StmtClassDef) {
    for base in class.bases() {
        let Some(name) = checker.semantic.qualified_name(base) else {
            continue;
        };
        if is_policy_class(&name) && !only_before_deprecation(checker, base.start()) {
            let diagnostic = Diagnostic::new(
                Rule::DeprecatedLoopPolicy,
                format!("`{}` subclasses `{name}`: the event-loop policy system is deprecated since Python 3.14", class.name),
                base.range(),
            )
            .with_help("pass a loop factory instead: `asyncio.run(main(), loop_factory=...)`");
            checker.report(diagnostic);
        }
    }
}
