//! LG401 daemon-thread — docs: rules/LG401-daemon-thread.md

use super::prelude::*;
use crate::python::data::data;

pub const META: RuleMeta = RuleMeta {
    code: "LG401",
    name: "daemon-thread",
    summary: "A daemon thread: killed mid-operation at interpreter exit, with nothing joining it",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(3),
    languages: &[Language::Python],
    fix: FixKind::DisplayOnly,
    options: &[],
    doc: include_str!("../../rules/LG401-daemon-thread.md"),
};

const MESSAGE: &str = "is a daemon thread: at interpreter exit it is killed wherever it is (mid-write, holding a lock), and nothing joins it or sees it fail";
const HELP: &str = "run it under `loopguard_shim.ThreadSupervisor()` (`spawn(name, target)`, joined with a deadline on `shutdown()` and at exit), or keep the thread and `join()` it on shutdown";

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    let is_daemon_constructor = lists.list(Rule::DaemonThread, "constructors").matches(name)
        && site.keyword("daemon").is_some_and(|keyword| is_true(&keyword.value));
    let is_set_daemon = name
        .strip_suffix(".setDaemon")
        .is_some_and(|receiver| lists.list(Rule::DaemonThread, "thread-types").matches(receiver))
        && site.call.arguments.args.first().is_some_and(is_true);
    let is_raw = lists.list(Rule::DaemonThread, "raw-threads").matches(name);
    if !(is_daemon_constructor || is_set_daemon || is_raw) {
        return;
    }
    let subject = if is_raw {
        format!("`{name}` starts a thread that")
    } else {
        format!("`{}`", quote_code(checker.text(site.call.func.range())))
    };
    let message = if is_raw {
        format!("{subject} cannot be joined and dies at interpreter exit wherever it is (mid-write, holding a lock)")
    } else {
        format!("{subject} {MESSAGE}")
    };
    let diagnostic = Diagnostic::new(Rule::DaemonThread, message, site.call.range()).with_help(HELP);
    checker.report(diagnostic);
}

/// `thread.daemon = True` on a receiver the file shows to be a thread.
pub(crate) fn python_assign(checker: &mut Checker, assign: &ast::StmtAssign) {
    if !is_true(&assign.value) {
        return;
    }
    for target in &assign.targets {
        let ast::Expr::Attribute(attribute) = target else { continue };
        if attribute.attr.as_str() != "daemon" {
            continue;
        }
        let Some(receiver_type) = checker.semantic.type_of(&attribute.value) else { continue };
        if !data().list(Rule::DaemonThread, "thread-types").matches(&receiver_type) {
            continue;
        }
        let diagnostic = Diagnostic::new(
            Rule::DaemonThread,
            format!("`{}` {MESSAGE}", quote_code(checker.text(attribute.value.range()))),
            target.range(),
        )
        .with_help(HELP);
        checker.report(diagnostic);
    }
}

fn is_true(expr: &ast::Expr) -> bool {
    matches!(expr, ast::Expr::BooleanLiteral(literal) if literal.value)
}
