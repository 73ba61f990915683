//! LG301 deprecated-get-event-loop — docs: rules/LG301-deprecated-get-event-loop.md

use super::prelude::*;

pub const META: RuleMeta = RuleMeta {
    code: "LG301",
    name: "deprecated-get-event-loop",
    summary: "`asyncio.get_event_loop()`: deprecated, and creates or picks the wrong loop outside a coroutine",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(4),
    test_code: TestCodePolicy::Check,
    languages: &[Language::Python],
    fix: FixKind::Safe,
    options: &[],
    doc: include_str!("../../rules/LG301-deprecated-get-event-loop.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        python_triggers: Some(&["get_event_loop"]),
        ..Hooks::NONE
    },
};

const GET_EVENT_LOOP: &[&str] = &[
    "asyncio.get_event_loop",
    "asyncio.AbstractEventLoopPolicy.get_event_loop",
];

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !GET_EVENT_LOOP.contains(&name) {
        return;
    }
    let in_async = checker.semantic.in_async_context();
    // In a coroutine the call returns the running loop: nothing is wrong today, it is the
    // spelling that is deprecated. Elsewhere it raises (3.14) or creates a loop.
    let message = if in_async {
        "`asyncio.get_event_loop()` in a coroutine returns the running loop, but the call is deprecated: `asyncio.get_running_loop()` says what is meant and can never create a loop"
    } else {
        "`asyncio.get_event_loop()` is deprecated: outside a running loop it raises on Python 3.14 when no loop is set, and on older versions creates an implicit loop that nobody closes"
    };
    let diagnostic = Diagnostic::new(Rule::DeprecatedGetEventLoop, message, site.call.range());
    let diagnostic = if in_async {
        let fix = (name == "asyncio.get_event_loop").then(|| {
            let asyncio = edits::module_reference(checker, "asyncio");
            let mut fix_edits = vec![Edit::replacement(
                site.call.func.range(),
                format!("{}.get_running_loop", asyncio.name),
            )];
            fix_edits.extend(asyncio.import);
            Fix::safe("Replace with `asyncio.get_running_loop()`", fix_edits)
        });
        diagnostic
            .with_help("inside a coroutine, use `asyncio.get_running_loop()`")
            .with_fix(fix)
    } else {
        diagnostic.with_help(
            "start the program with `asyncio.run(main())` and call `asyncio.get_running_loop()` inside it, or create a loop with `asyncio.new_event_loop()` and close it explicitly",
        )
    };
    checker.report(diagnostic);
}
