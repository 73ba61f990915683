//! LG305 loop-bound-primitive-at-import — docs: rules/LG305-loop-bound-primitive-at-import.md

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "LG305",
    name: "loop-bound-primitive-at-import",
    summary: "An asyncio lock, event, semaphore or queue created at import time, outliving any one event loop",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(4),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG305-loop-bound-primitive-at-import.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        python_triggers: Some(&["asyncio"]),
        ..Hooks::NONE
    },
};

const LOOP_BOUND_PRIMITIVES: &[&str] = &[
    "asyncio.Lock",
    "asyncio.Event",
    "asyncio.Condition",
    "asyncio.Semaphore",
    "asyncio.BoundedSemaphore",
    "asyncio.Queue",
    "asyncio.LifoQueue",
    "asyncio.PriorityQueue",
];

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !LOOP_BOUND_PRIMITIVES.contains(&name) || !checker.semantic.at_module_or_class_level() {
        return;
    }
    let diagnostic = Diagnostic::new(
        Rule::LoopBoundPrimitiveAtImport,
        format!("`{name}()` created at import time binds to the first event loop that uses it: a second loop (tests, `asyncio.run` twice, threads) fails with \"attached to a different loop\""),
        site.call.range(),
    )
    .with_help("create it inside the running loop: lazily on first use, or in an async factory or startup hook");
    checker.report(diagnostic);
}
