//! LG102 spawn-in-loop — docs: rules/LG102-spawn-in-loop.md

use super::prelude::*;
use super::{BOUNDED_WRAPPERS, INCLUDE_OPAQUE_COLLECTIONS, LIMITERS};
use crate::python::data::data;
use crate::python::facts::{self, Bounds, Node, Provenance};
use crate::python::project;
use crate::python::semantic::{BindingId, LoopContext, SemanticModel};
use crate::rust::checker::{BodyQuestion, Enclosing};
use crate::rust::project as rust_project;
use ruff_text_size::TextSize;

/// Loops that wait for an event per iteration (an accept or receive loop, a ticker) spawn one
/// task per event, not per element of a collection: capping them is hardening, so opt-in.
pub const INCLUDE_EVENT_LOOPS: crate::config::RuleOption = crate::config::RuleOption {
    name: "include-event-loops",
    kind: crate::config::OptionKind::Bool,
    doc: "Also flag a task spawned per iteration of a loop that waits for events (`while let Some(msg) = rx.recv().await`, `loop { listener.accept().await ..}`, a ticker): one task per connection or message, which a connection limit caps.",
};

/// Whether spawns in event-driven loops are left alone (`include-event-loops` is off).
fn skips_event_loops(settings: &crate::config::Settings) -> bool {
    !settings.flag(Rule::SpawnInLoop, &INCLUDE_EVENT_LOOPS)
}

pub const META: RuleMeta = RuleMeta {
    code: "LG102",
    name: "spawn-in-loop",
    summary: "A task spawned per loop iteration with nothing bounding how many run at once",
    enablement: Enablement::DefaultIn(Language::Rust),
    severity: Severity::Warning,
    fm043: Some(1),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[
        LIMITERS,
        BOUNDED_WRAPPERS,
        INCLUDE_EVENT_LOOPS,
        INCLUDE_OPAQUE_COLLECTIONS,
    ],
    doc: include_str!("../../rules/LG102-spawn-in-loop.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        python_triggers: Some(&["create_task", "ensure_future"]),
        rust_triggers: Some(&["spawn"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    if !data().rules.spawn_in_loop.spawns.matches(name) {
        return;
    }
    let Some(current_loop) = checker.semantic.current_loop() else {
        return;
    };
    let semantic = &checker.semantic;
    let fixed_size = match current_loop {
        LoopContext::For(for_stmt) => {
            spawns_worker_pool(semantic, &for_stmt.target, &for_stmt.iter, site.call)
        }
        LoopContext::Comprehension(generators) => {
            matches!(generators, [generator]
                    if spawns_worker_pool(semantic, &generator.target, &generator.iter, site.call))
        }
        // A `while` loop that keeps its task in one slot (`self.task = create_task(...)`)
        // replaces it each iteration instead of accumulating tasks.
        LoopContext::While(_) => assigned_to_one_slot(checker, site),
    };
    if fixed_size {
        return;
    }
    match facts::loop_provenance(semantic, current_loop) {
        Some(Provenance::Code) => return,
        Some(Provenance::Unknown)
            if !checker
                .settings
                .flag(Rule::SpawnInLoop, &INCLUDE_OPAQUE_COLLECTIONS) =>
        {
            return
        }
        _ => {}
    }
    let bounds = Bounds::of(&checker.settings.python, Rule::SpawnInLoop);
    let coroutine = match site.call.arguments.args.first() {
        Some(ast::Expr::Call(coroutine)) => Some(coroutine),
        _ => None,
    };
    if coroutine.is_some_and(|coroutine| facts::coroutine_is_bounded(semantic, coroutine, bounds)) {
        return;
    }
    if loop_bounds_spawn(semantic, bounds, assigned_task(checker, site)) {
        return;
    }
    let per_event = semantic.in_event_driven_loop();
    if per_event && skips_event_loops(checker.settings) {
        return;
    }
    let short = name.rsplit('.').next().unwrap_or(name);
    let message = if per_event {
        format!("`{short}` starts one task per event this `while` loop waits for (a connection, a message) and nothing caps how many run at once: a burst of events starts them all together")
    } else {
        let per = match current_loop {
            LoopContext::While(_) => "per iteration of this `while` loop",
            _ => "per element",
        };
        format!("`{short}` starts one task {per} and nothing bounds how many run at once: a large input starts them all together")
    };
    let diagnostic = Diagnostic::new(Rule::SpawnInLoop, message, site.call.range())
    .with_help(format!(
        "spawn through `loopguard_shim.BoundedTaskGroup({})` (`await tg.spawn_when_free(...)` waits for a free slot), or acquire an `asyncio.Semaphore` in the loop or the spawned coroutine",
        checker.settings.default_limit
    ))
    .unless_bounded(coroutine.and_then(|coroutine| project::imported_coroutine(&checker.semantic, coroutine)));
    checker.report(diagnostic);
}

fn assigned_to_one_slot(checker: &Checker, site: &CallSite) -> bool {
    matches!(checker.semantic.current_statement(), Some(ast::Stmt::Assign(assign))
        if assign.value.range() == site.call.range()
            && matches!(assign.targets.as_slice(), [ast::Expr::Name(_) | ast::Expr::Attribute(_)]))
}

/// `task = asyncio.create_task(...)`: the binding the task is kept in for this iteration.
fn assigned_task(checker: &Checker, site: &CallSite) -> Option<BindingId> {
    let ast::Stmt::Assign(assign) = checker.semantic.current_statement()? else {
        return None;
    };
    if assign.value.range() != site.call.range() {
        return None;
    }
    match assign.targets.as_slice() {
        [ast::Expr::Name(name)] => checker.semantic.bound_by(name),
        _ => None,
    }
}

/// Whether the loop being visited bounds what it spawns: it holds a limiter around the spawn
/// (`async with sem:` inside the loop, or `await sem.acquire()` in its body), awaits the task
/// it just created in the same iteration, or drains when a `len(...)` check says it is full.
fn loop_bounds_spawn(semantic: &SemanticModel, bounds: Bounds, task: Option<BindingId>) -> bool {
    let body: &[ast::Stmt] = match semantic.current_loop() {
        Some(LoopContext::For(for_stmt)) => &for_stmt.body,
        Some(LoopContext::While(while_stmt)) => &while_stmt.body,
        Some(LoopContext::Comprehension(_)) | None => return false,
    };
    let loop_start = body.first().map_or(TextSize::default(), Ranged::start);
    let held_around_spawn = semantic
        .statement_stack()
        .iter()
        .filter(|statement| statement.start() >= loop_start)
        .any(|statement| match statement {
            // A limiter held around the spawn, or a task group the iteration waits for on exit.
            ast::Stmt::With(with) if with.is_async => with.items.iter().any(|item| {
                facts::is_limiter(semantic, &item.context_expr, bounds)
                    || semantic.type_of(&item.context_expr).as_deref() == Some("asyncio.TaskGroup")
            }),
            _ => false,
        });
    held_around_spawn
        || facts::body_acquires_limiter(semantic, body, bounds)
        || task.is_some_and(|task| awaits(semantic, body, task))
        || drains_on_length_check(body)
}

/// `for _ in range(workers): spawn(worker(queue))`: a fixed pool of identical workers, whose
/// size is a count rather than a collection; the spawned call does not use the loop variable.
fn spawns_worker_pool(
    semantic: &SemanticModel,
    target: &ast::Expr,
    iter: &ast::Expr,
    spawn: &ast::ExprCall,
) -> bool {
    let ast::Expr::Call(range) = iter else {
        return false;
    };
    if semantic.qualified_name(&range.func).as_deref() != Some("builtins.range") {
        return false;
    }
    let mut uses_target = false;
    facts::walk_expressions(target, &mut |target_part| {
        let ast::Expr::Name(name) = target_part else {
            return;
        };
        let Some(variable) = semantic.bound_by(name).filter(|_| name.id.as_str() != "_") else {
            return;
        };
        uses_target |= spawn
            .arguments
            .args
            .iter()
            .any(|argument| facts::mentions(semantic, argument, variable))
            || spawn
                .arguments
                .keywords
                .iter()
                .any(|keyword| facts::mentions(semantic, &keyword.value, variable));
    });
    !uses_target
}

/// An `await` in the loop body (not in a nested function) that reads the task.
fn awaits(semantic: &SemanticModel, body: &[ast::Stmt], task: BindingId) -> bool {
    let mut found = false;
    facts::for_each_in_scope(body, &mut |node| {
        if let Node::Expr(ast::Expr::Await(await_expr)) = node {
            found |= facts::mentions(semantic, &await_expr.value, task);
        }
    });
    found
}

/// `if len(pending) >= limit: await asyncio.wait(pending, ...)`.
fn drains_on_length_check(body: &[ast::Stmt]) -> bool {
    let mut found = false;
    facts::for_each_in_scope(body, &mut |node| {
        let Node::Stmt(ast::Stmt::If(if_stmt)) = node else {
            return;
        };
        let mut checks_length = false;
        facts::walk_expressions(&if_stmt.test, &mut |expr| {
            if let ast::Expr::Call(call) = expr {
                checks_length |= matches!(call.func.as_ref(), ast::Expr::Name(func) if func.id.as_str() == "len");
            }
        });
        found |= checks_length && contains_await(&if_stmt.body);
    });
    found
}

fn contains_await(body: &[ast::Stmt]) -> bool {
    let mut found = false;
    facts::for_each_in_scope(body, &mut |node| {
        found |= matches!(node, Node::Expr(ast::Expr::Await(_)));
    });
    found
}

/// The future a spawn call is given: its first argument, or the one a wrapper spawns.
fn spawned_future<'a>(site: &RustCallSite<'a>) -> Option<&'a syn::Expr> {
    let position = site.wrapper.as_ref().map_or(0, |wrapper| wrapper.future);
    match site.kind {
        CallKind::Function(call) => call.args.iter().nth(position),
        CallKind::Method(call) => call.args.first(),
    }
}

/// How a message names the spawn, quoted: `tokio::spawn`, `Handle::spawn` for a method of a
/// type, or the wrapper the code calls (`spawn_task` (which calls `tokio::spawn`)).
fn spawn_name(checker: &RustChecker, site: &RustCallSite, name: &str) -> String {
    let short = match name.rsplit_once("::") {
        Some((owner, method)) => match owner.rsplit("::").next() {
            Some(ty) if ty.starts_with(|c: char| c.is_ascii_uppercase()) => {
                format!("{ty}::{method}")
            }
            _ => name.to_string(),
        },
        None => name.to_string(),
    };
    match (&site.wrapper, site.kind) {
        (Some(_), CallKind::Function(call)) => {
            format!(
                "`{}` (which calls `{short}`)",
                checker.node_text(&call.func)
            )
        }
        _ => format!("`{short}`"),
    }
}

pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    let Some(name) = site.target() else { return };
    if !rust_data().rules.spawn_in_loop.spawns.matches(name) {
        return;
    }
    let semantic = &checker.semantic;
    if !semantic.in_loop() || semantic.loop_is_fixed() || semantic.in_poll_method() {
        return;
    }
    let per_event = semantic.in_event_driven_loop();
    if per_event && skips_event_loops(checker.settings) {
        return;
    }
    // A `for` loop or iterator adaptor over a collection of unknown size (a parameter, a field,
    // a plain call's result): the callers decide how many, as in Python.
    if semantic.in_per_element_loop()
        && !semantic.loop_walks_data()
        && !checker
            .settings
            .flag(Rule::SpawnInLoop, &INCLUDE_OPAQUE_COLLECTIONS)
    {
        return;
    }
    let spawn = spawn_name(checker, site, name);
    let message = if per_event {
        format!("{spawn} starts one task per event this loop waits for (a connection, a message) and nothing caps how many run at once: a burst of events starts them all together")
    } else {
        format!("{spawn} starts one task per iteration and nothing bounds how many run at once: a large input starts them all together")
    };
    let diagnostic = Diagnostic::new(
        Rule::SpawnInLoop,
        message,
        checker.range(site.span()),
    )
    .with_help(format!(
        "spawn through `loopguard_shim::BoundedJoinSet::new({})` (`spawn_when_free(..).await` waits for a free slot), or acquire a `tokio::sync::Semaphore` permit in the loop",
        checker.settings.default_limit
    ))
    .unless_bounded(spawned_future(site).and_then(|future| rust_project::spawned_coroutine(checker, future)));
    // What bounds the tasks may come anywhere in the loop body, after the spawn too: a permit
    // acquired, the size of (or a drain of) the set the tasks are kept in, or a size check that
    // the spawn only runs under.
    let set = match site.kind {
        CallKind::Method(call) => rust_facts::receiver_root(&call.receiver),
        CallKind::Function(_) => None,
    };
    let spawn = site.span().start();
    let bounded: BodyQuestion =
        Box::new(move |body, _| rust_facts::bounds_spawned_tasks(body, set.as_deref(), spawn));
    checker.report_unless(diagnostic, vec![(Enclosing::Loop, bounded)]);
}
