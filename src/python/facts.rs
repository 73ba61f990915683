//! Facts several rules share, answered from the semantic model and the tree: is a fan-out
//! bounded, does a function acquire a limiter, does a resource escape its function, which sleeps
//! of a loop are retry delays, is a function a route handler.
//!
//! Precision beats recall everywhere here: when the file does not show that a fan-out is
//! unbounded or a resource leaks, the answer is the one that keeps the rule quiet.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};
use rustc_hash::FxHashSet;

use super::data::data;
use super::semantic::{LoopContext, SemanticModel};
use crate::matcher::CallMatcher;

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

// ---- literal iteration -------------------------------------------------------------------

/// A collection whose size the code states: a literal list/tuple/set, `range(<int literal>)`,
/// or a name assigned one of those in the current function.
pub fn is_literal_iterable(semantic: &SemanticModel, expr: &Expr) -> bool {
    match expr {
        Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) | Expr::Dict(_) => true,
        Expr::StringLiteral(_) | Expr::BytesLiteral(_) => true,
        Expr::Call(call) => {
            let is_range = semantic.qualified_name(&call.func).as_deref() == Some("builtins.range");
            let literal_bounds = !call.arguments.args.is_empty()
                && call.arguments.keywords.is_empty()
                && call
                    .arguments
                    .args
                    .iter()
                    .all(|argument| argument.is_number_literal_expr());
            is_range && literal_bounds
        }
        Expr::Name(name) => semantic
            .value_in_current_function(name)
            .or_else(|| semantic.module_constant(name))
            .is_some_and(|value| !value.is_name_expr() && is_literal_iterable(semantic, value)),
        _ => false,
    }
}

/// Every `for` clause of a comprehension walks a literal collection.
pub fn comprehension_is_literal(
    semantic: &SemanticModel,
    generators: &[ast::Comprehension],
) -> bool {
    generators
        .iter()
        .all(|generator| is_literal_iterable(semantic, &generator.iter))
}

/// The loop being visited runs once per element of a runtime collection (`for` over a
/// non-literal iterable, or such a comprehension); `while` loops are not per-item loops.
pub fn in_per_item_loop(semantic: &SemanticModel) -> bool {
    match semantic.current_loop() {
        Some(LoopContext::For(for_stmt)) => !is_literal_iterable(semantic, &for_stmt.iter),
        Some(LoopContext::Comprehension(generators)) => {
            !comprehension_is_literal(semantic, generators)
        }
        Some(LoopContext::While(_)) | None => false,
    }
}

// ---- limiters ----------------------------------------------------------------------------

/// Whether `expr` (the subject of `async with` or `.acquire()`) is a limiter: a semaphore or
/// capacity limiter by type, a configured limiter by type, qualified name or spelling, or
/// named like one (`sem`, `self._semaphore`, `limiter`) when the file does not state its type.
pub fn is_limiter(
    semantic: &SemanticModel,
    expr: &Expr,
    bounds: Bounds,
    function: Option<&ast::StmtFunctionDef>,
) -> bool {
    // `async with sem.acquire()` / `async with limiter()`: the receiver is what bounds.
    let subject = match expr {
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Attribute(attribute) => &attribute.value,
            other => other,
        },
        other => other,
    };
    let type_name = semantic
        .type_of(subject)
        .or_else(|| parameter_annotation_type(semantic, subject, function));
    if type_name.as_deref().is_some_and(|name| {
        data().limiter_types.matches(name) || bounds.limiters.is_some_and(|l| l.matches(name))
    }) {
        return true;
    }
    if let Some(configured) = bounds.limiters {
        let spelled = dotted_name(subject);
        let qualified = semantic.qualified_name(subject);
        if spelled
            .as_deref()
            .is_some_and(|name| configured.matches(name))
            || qualified
                .as_deref()
                .is_some_and(|name| configured.matches(name))
            || spelled
                .as_deref()
                .and_then(|name| name.rsplit('.').next())
                .is_some_and(|last| configured.matches(last))
        {
            return true;
        }
    }
    type_name.is_none() && dotted_name(subject).is_some_and(|name| named_like_limiter(&name))
}

fn named_like_limiter(dotted: &str) -> bool {
    let last = dotted
        .rsplit('.')
        .next()
        .unwrap_or(dotted)
        .to_ascii_lowercase();
    let trimmed = last.trim_matches('_');
    trimmed.contains("semaphore")
        || trimmed.contains("limiter")
        || trimmed == "sem"
        || trimmed.starts_with("sem_")
        || trimmed.ends_with("_sem")
        || trimmed.ends_with("_limit")
        || trimmed == "limit"
        || trimmed.contains("throttle")
}

/// `sem` in `async def fetch(sem: asyncio.Semaphore)`: the annotation of a parameter of the
/// function being analysed (which is not necessarily the one being visited).
fn parameter_annotation_type(
    semantic: &SemanticModel,
    expr: &Expr,
    function: Option<&ast::StmtFunctionDef>,
) -> Option<String> {
    let (Expr::Name(name), Some(function)) = (expr, function) else {
        return None;
    };
    let parameter = function
        .parameters
        .iter_non_variadic_params()
        .find(|parameter| parameter.parameter.name.as_str() == name.id.as_str())?;
    semantic.annotation_type(parameter.parameter.annotation.as_deref()?)
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

/// A statement list (not counting nested functions) acquires a limiter with `async with` or
/// `await x.acquire()`.
pub fn body_acquires_limiter(
    semantic: &SemanticModel,
    body: &[Stmt],
    bounds: Bounds,
    function: Option<&ast::StmtFunctionDef>,
) -> bool {
    let mut found = false;
    for_each_in_scope(body, &mut |node| {
        if found {
            return;
        }
        match node {
            Node::Stmt(Stmt::With(with)) if with.is_async => {
                found = with
                    .items
                    .iter()
                    .any(|item| is_limiter(semantic, &item.context_expr, bounds, function));
            }
            Node::Expr(Expr::Await(await_expr)) => {
                if let Expr::Call(call) = await_expr.value.as_ref() {
                    if let Expr::Attribute(attribute) = call.func.as_ref() {
                        found = attribute.attr.as_str() == "acquire"
                            && is_limiter(semantic, &attribute.value, bounds, function);
                    }
                }
            }
            _ => {}
        }
    });
    found
}

/// The coroutine a call creates is bounded: its function is defined in this file and acquires
/// a limiter, or the call goes through a configured bounded wrapper.
pub fn coroutine_is_bounded(
    semantic: &SemanticModel,
    call: &ast::ExprCall,
    bounds: Bounds,
) -> bool {
    if is_bounded_wrapper(semantic, &call.func, bounds) {
        return true;
    }
    semantic.local_function(call).is_some_and(|function| {
        body_acquires_limiter(semantic, &function.body, bounds, Some(function))
    })
}

fn is_bounded_wrapper(semantic: &SemanticModel, func: &Expr, bounds: Bounds) -> bool {
    let Some(wrappers) = bounds.wrappers else {
        return false;
    };
    semantic
        .qualified_name(func)
        .is_some_and(|name| wrappers.matches(&name))
        || dotted_name(func).is_some_and(|name| {
            wrappers.matches(&name)
                || name
                    .rsplit('.')
                    .next()
                    .is_some_and(|last| wrappers.matches(last))
        })
}

// ---- fan-out -----------------------------------------------------------------------------

/// How wide a collection of awaitables handed to `gather`/`wait` is.
#[derive(Debug, Clone, Copy)]
pub enum FanOut<'a> {
    /// The code states the size, or each coroutine acquires a limiter.
    Bounded,
    /// Tasks already started elsewhere: waiting for them adds no concurrency.
    Tasks,
    /// The file does not show what is in it (a parameter, an attribute, a call's result).
    Opaque,
    /// One coroutine per element of a runtime collection; the call creating each, when the
    /// file does not define its function (another file may bound it).
    Unbounded(Option<&'a ast::ExprCall>),
}

/// Classifies the collection `expr` whose elements are awaited concurrently.
pub fn fan_out<'a>(
    semantic: &SemanticModel<'a>,
    expr: &'a Expr,
    bounds: Bounds,
    spawns: &CallMatcher,
) -> FanOut<'a> {
    fan_out_with_depth(semantic, expr, bounds, spawns, 0)
}

fn fan_out_with_depth<'a>(
    semantic: &SemanticModel<'a>,
    expr: &'a Expr,
    bounds: Bounds,
    spawns: &CallMatcher,
    depth: u8,
) -> FanOut<'a> {
    match expr {
        Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) => FanOut::Bounded,
        Expr::ListComp(ast::ExprListComp {
            elt, generators, ..
        })
        | Expr::SetComp(ast::ExprSetComp {
            elt, generators, ..
        })
        | Expr::Generator(ast::ExprGenerator {
            elt, generators, ..
        }) => {
            if comprehension_is_literal(semantic, generators) {
                return FanOut::Bounded;
            }
            element_fan_out(semantic, elt, bounds, spawns)
        }
        // `map(fetch, items)`: one coroutine per item.
        Expr::Call(call)
            if semantic.qualified_name(&call.func).as_deref() == Some("builtins.map")
                && call.arguments.args.len() >= 2 =>
        {
            if call.arguments.args[1..]
                .iter()
                .all(|iterable| is_literal_iterable(semantic, iterable))
            {
                return FanOut::Bounded;
            }
            let function = &call.arguments.args[0];
            if is_bounded_wrapper(semantic, function, bounds) {
                return FanOut::Bounded;
            }
            match semantic.resolve(function) {
                Some(super::semantic::Resolved::LocalFunction(def)) => {
                    if body_acquires_limiter(semantic, &def.body, bounds, Some(def)) {
                        FanOut::Bounded
                    } else if def.is_async {
                        FanOut::Unbounded(None)
                    } else {
                        FanOut::Opaque
                    }
                }
                _ => FanOut::Opaque,
            }
        }
        Expr::Name(name) if depth < 4 => match semantic.value_in_current_function(name) {
            Some(Expr::List(list)) if list.elts.is_empty() => {
                appended_fan_out(semantic, name.id.as_str(), name.start(), bounds, spawns)
            }
            Some(value) if !value.is_name_expr() => {
                fan_out_with_depth(semantic, value, bounds, spawns, depth + 1)
            }
            _ => FanOut::Opaque,
        },
        _ => FanOut::Opaque,
    }
}

fn element_fan_out<'a>(
    semantic: &SemanticModel<'a>,
    element: &'a Expr,
    bounds: Bounds,
    spawns: &CallMatcher,
) -> FanOut<'a> {
    let Expr::Call(call) = element else {
        return FanOut::Opaque;
    };
    if semantic
        .call_target(call)
        .is_some_and(|target| spawns.matches(&target))
    {
        return FanOut::Tasks;
    }
    if coroutine_is_bounded(semantic, call, bounds) || is_bounded_by_nature(semantic, call) {
        return FanOut::Bounded;
    }
    FanOut::Unbounded(Some(call))
}

/// An executor offload (its pool caps the threads) or a wait on an event or condition (which
/// holds no resources): many at once cost nothing worth bounding.
fn is_bounded_by_nature(semantic: &SemanticModel, call: &ast::ExprCall) -> bool {
    let lists = &data().rules.unbounded_gather;
    semantic
        .call_target(call)
        .is_some_and(|target| lists.bounded_calls.matches(&target))
        || matches!(call.func.as_ref(), Expr::Attribute(attribute)
            if lists.bounded_methods.matches(attribute.attr.as_str()))
}

/// `tasks = []` filled by `tasks.append(coro(...))` before `name_at`: unbounded when an append
/// runs once per element of a runtime collection, bounded when every append is outside loops.
fn appended_fan_out<'a>(
    semantic: &SemanticModel<'a>,
    name: &str,
    name_at: TextSize,
    bounds: Bounds,
    spawns: &CallMatcher,
) -> FanOut<'a> {
    let Some(function) = semantic.current_function() else {
        return FanOut::Opaque;
    };
    let mut appends: Vec<(&Expr, bool)> = Vec::new();
    collect_appends(semantic, &function.body, name, name_at, false, &mut appends);
    if appends.is_empty() {
        return FanOut::Opaque;
    }
    let mut result = FanOut::Bounded;
    for (element, per_item) in appends {
        let element_kind = element_fan_out(semantic, element, bounds, spawns);
        match element_kind {
            FanOut::Tasks => return FanOut::Tasks,
            FanOut::Opaque if per_item => result = FanOut::Opaque,
            FanOut::Unbounded(call) if per_item => return FanOut::Unbounded(call),
            _ => {}
        }
    }
    result
}

fn collect_appends<'a>(
    semantic: &SemanticModel,
    body: &'a [Stmt],
    name: &str,
    before: TextSize,
    in_loop: bool,
    appends: &mut Vec<(&'a Expr, bool)>,
) {
    for statement in body {
        if statement.start() >= before {
            return;
        }
        match statement {
            Stmt::Expr(expr) => {
                let Expr::Call(call) = expr.value.as_ref() else {
                    continue;
                };
                let Expr::Attribute(attribute) = call.func.as_ref() else {
                    continue;
                };
                let is_target = matches!(attribute.value.as_ref(), Expr::Name(target) if target.id.as_str() == name);
                if is_target && attribute.attr.as_str() == "append" {
                    if let Some(element) = call.arguments.args.first() {
                        appends.push((element, in_loop));
                    }
                }
            }
            Stmt::For(for_stmt) => {
                let per_item = in_loop || !is_literal_iterable(semantic, &for_stmt.iter);
                collect_appends(semantic, &for_stmt.body, name, before, per_item, appends);
            }
            Stmt::While(while_stmt) => {
                collect_appends(semantic, &while_stmt.body, name, before, true, appends);
            }
            Stmt::If(if_stmt) => {
                collect_appends(semantic, &if_stmt.body, name, before, in_loop, appends);
                for clause in &if_stmt.elif_else_clauses {
                    collect_appends(semantic, &clause.body, name, before, in_loop, appends);
                }
            }
            Stmt::With(with) => {
                collect_appends(semantic, &with.body, name, before, in_loop, appends)
            }
            Stmt::Try(try_stmt) => {
                collect_appends(semantic, &try_stmt.body, name, before, in_loop, appends);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    collect_appends(semantic, &handler.body, name, before, in_loop, appends);
                }
                collect_appends(semantic, &try_stmt.orelse, name, before, in_loop, appends);
                collect_appends(
                    semantic,
                    &try_stmt.finalbody,
                    name,
                    before,
                    in_loop,
                    appends,
                );
            }
            _ => {}
        }
    }
}

// ---- spawning in loops ---------------------------------------------------------------------

/// Whether the loop being visited bounds what it spawns: it holds a limiter around the spawn
/// (`async with sem:` inside the loop, or `await sem.acquire()` in its body), awaits the task
/// it just created in the same iteration, or drains when a `len(...)` check says it is full.
pub fn loop_bounds_spawn(
    semantic: &SemanticModel,
    bounds: Bounds,
    task_name: Option<&str>,
) -> bool {
    let body: &[Stmt] = match semantic.current_loop() {
        Some(LoopContext::For(for_stmt)) => &for_stmt.body,
        Some(LoopContext::While(while_stmt)) => &while_stmt.body,
        Some(LoopContext::Comprehension(_)) | None => return false,
    };
    let function = semantic.current_function();
    let loop_start = body.first().map_or(TextSize::default(), Ranged::start);
    let held_around_spawn = semantic
        .statement_stack()
        .iter()
        .filter(|statement| statement.start() >= loop_start)
        .any(|statement| match statement {
            // A limiter held around the spawn, or a task group the iteration waits for on exit.
            Stmt::With(with) if with.is_async => with.items.iter().any(|item| {
                is_limiter(semantic, &item.context_expr, bounds, function)
                    || semantic.type_of(&item.context_expr).as_deref() == Some("asyncio.TaskGroup")
            }),
            _ => false,
        });
    held_around_spawn
        || body_acquires_limiter(semantic, body, bounds, function)
        || task_name.is_some_and(|name| awaits_name(body, name))
        || drains_on_length_check(body)
}

/// `for _ in range(workers): spawn(worker(queue))`: a fixed pool of identical workers, whose
/// size is a count rather than a collection; the spawned call does not use the loop variable.
pub fn spawns_worker_pool(
    semantic: &SemanticModel,
    target: &Expr,
    iter: &Expr,
    spawn: &ast::ExprCall,
) -> bool {
    let Expr::Call(range) = iter else {
        return false;
    };
    if semantic.qualified_name(&range.func).as_deref() != Some("builtins.range") {
        return false;
    }
    let mut uses_target = false;
    walk_expressions(target, &mut |target_part| {
        if let Expr::Name(name) = target_part {
            let name = name.id.as_str();
            uses_target |= name != "_"
                && (spawn.arguments.args.iter().any(|a| mentions_name(a, name))
                    || spawn
                        .arguments
                        .keywords
                        .iter()
                        .any(|k| mentions_name(&k.value, name)));
        }
    });
    !uses_target
}

fn awaits_name(body: &[Stmt], name: &str) -> bool {
    let mut found = false;
    for_each_in_scope(body, &mut |node| {
        if let Node::Expr(Expr::Await(await_expr)) = node {
            found |= mentions_name(&await_expr.value, name);
        }
    });
    found
}

/// `if len(pending) >= limit: await asyncio.wait(pending, ...)`.
fn drains_on_length_check(body: &[Stmt]) -> bool {
    let mut found = false;
    for_each_in_scope(body, &mut |node| {
        let Node::Stmt(Stmt::If(if_stmt)) = node else {
            return;
        };
        let mut checks_length = false;
        let mut visit = |expr: &Expr| {
            if let Expr::Call(call) = expr {
                checks_length |=
                    matches!(call.func.as_ref(), Expr::Name(func) if func.id.as_str() == "len");
            }
        };
        walk_expressions(&if_stmt.test, &mut visit);
        found |= checks_length && contains_await(&if_stmt.body);
    });
    found
}

fn contains_await(body: &[Stmt]) -> bool {
    let mut found = false;
    for_each_in_scope(body, &mut |node| {
        found |= matches!(node, Node::Expr(Expr::Await(_)));
    });
    found
}

// ---- resources -------------------------------------------------------------------------------

/// What becomes of a resource bound to a local name, from the rest of its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Used as a context manager (`with x:` / `async with x:`).
    Managed,
    /// Closed or shut down explicitly.
    Closed,
    /// Returned, yielded, stored on an attribute or in a container, passed to a call, aliased,
    /// or captured by a nested function: someone else may close it.
    Escapes,
    /// None of the above: the function drops it.
    Dropped,
}

/// Methods that release a client, connection, pool or executor.
const RELEASE_METHODS: &[&str] = &[
    "close",
    "aclose",
    "shutdown",
    "terminate",
    "join",
    "disconnect",
    "dispose",
    "wait_closed",
    "__aexit__",
    "__exit__",
    "release",
];

/// The fate of the value bound to `name` at `bound_at` in `body` (a function body).
/// `passing_escapes` says whether handing the name to a given call lets it escape. A value
/// a method of it returns (`conn = engine.connect()`, a streamed `response = session.post(...)`)
/// may need it open, so when that value escapes, the resource does too.
pub fn resource_fate(
    body: &[Stmt],
    name: &str,
    bound_at: TextSize,
    passing_escapes: &dyn Fn(&ast::ExprCall) -> bool,
) -> Fate {
    let fate = direct_fate(body, name, bound_at, passing_escapes);
    if fate != Fate::Dropped {
        return fate;
    }
    let mut derived = Vec::new();
    for_each_in_scope(body, &mut |node| {
        let Node::Stmt(Stmt::Assign(assign)) = node else {
            return;
        };
        let [Expr::Name(target)] = assign.targets.as_slice() else {
            return;
        };
        let value = match assign.value.as_ref() {
            Expr::Await(await_expr) => &await_expr.value,
            other => other,
        };
        let Expr::Call(call) = value else { return };
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return;
        };
        if matches!(attribute.value.as_ref(), Expr::Name(receiver) if receiver.id.as_str() == name)
            && assign.start() >= bound_at
        {
            derived.push((target.id.as_str(), assign.end()));
        }
    });
    let derived_escapes = derived.into_iter().any(|(derived_name, at)| {
        derived_name != name
            && direct_fate(body, derived_name, at, passing_escapes) == Fate::Escapes
    });
    if derived_escapes {
        Fate::Escapes
    } else {
        Fate::Dropped
    }
}

fn direct_fate(
    body: &[Stmt],
    name: &str,
    bound_at: TextSize,
    passing_escapes: &dyn Fn(&ast::ExprCall) -> bool,
) -> Fate {
    let mut fate = Fate::Dropped;
    // Escaping and context management settle it; closing beats dropping.
    let mut note = |new: Fate| {
        if !matches!(fate, Fate::Escapes | Fate::Managed) {
            fate = new;
        }
    };
    let is_name = |expr: &Expr| matches!(expr, Expr::Name(n) if n.id.as_str() == name);
    let directly_holds = |expr: &Expr| match expr {
        Expr::Name(_) => is_name(expr),
        Expr::Starred(starred) => is_name(&starred.value),
        Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::List(ast::ExprList { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => elts.iter().any(is_name),
        Expr::Dict(dict) => dict.items.iter().any(|item| is_name(&item.value)),
        _ => false,
    };
    let mentions = |names: &[ast::Identifier]| names.iter().any(|n| n.as_str() == name);
    for_each_in_scope(body, &mut |node| {
        let outcome = match node {
            Node::Stmt(statement) if statement.start() < bound_at => None,
            Node::Expr(expr) if expr.start() < bound_at => None,
            Node::Stmt(Stmt::Return(ret)) if ret.value.as_deref().is_some_and(directly_holds) => {
                Some(Fate::Escapes)
            }
            Node::Stmt(Stmt::Assign(assign)) if directly_holds(&assign.value) => {
                Some(Fate::Escapes)
            }
            Node::Stmt(Stmt::AnnAssign(assign))
                if assign.value.as_deref().is_some_and(directly_holds) =>
            {
                Some(Fate::Escapes)
            }
            Node::Stmt(Stmt::With(with))
                if with.items.iter().any(|item| is_name(&item.context_expr)) =>
            {
                Some(Fate::Managed)
            }
            Node::Stmt(Stmt::Global(global)) if mentions(&global.names) => Some(Fate::Escapes),
            Node::Stmt(Stmt::Nonlocal(nonlocal)) if mentions(&nonlocal.names) => {
                Some(Fate::Escapes)
            }
            Node::Nested(nested) if mentions_name_in_statement(nested, name) => Some(Fate::Escapes),
            Node::Expr(Expr::Lambda(lambda)) if mentions_name(&lambda.body, name) => {
                Some(Fate::Escapes)
            }
            Node::Expr(Expr::Yield(yield_expr))
                if yield_expr.value.as_deref().is_some_and(directly_holds) =>
            {
                Some(Fate::Escapes)
            }
            Node::Expr(expr @ (Expr::Tuple(_) | Expr::List(_) | Expr::Set(_) | Expr::Dict(_)))
                if directly_holds(expr) =>
            {
                Some(Fate::Escapes)
            }
            Node::Expr(Expr::Call(call)) => {
                let closes = matches!(call.func.as_ref(), Expr::Attribute(attribute)
                    if is_name(&attribute.value) && RELEASE_METHODS.contains(&attribute.attr.as_str()));
                let passed = call.arguments.args.iter().any(directly_holds)
                    || call.arguments.keywords.iter().any(|k| is_name(&k.value));
                if passed && passing_escapes(call) {
                    Some(Fate::Escapes)
                } else if closes {
                    Some(Fate::Closed)
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(outcome) = outcome {
            note(outcome);
        }
    });
    fate
}

fn mentions_name(expr: &Expr, name: &str) -> bool {
    let mut found = false;
    walk_expressions(expr, &mut |e| {
        found |= matches!(e, Expr::Name(n) if n.id.as_str() == name);
    });
    found
}

fn mentions_name_in_statement(statement: &Stmt, name: &str) -> bool {
    struct Finder<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if matches!(expr, Expr::Name(n) if n.id.as_str() == self.name) {
                self.found = true;
            }
            walk_expr(self, expr);
        }
    }
    let mut finder = Finder { name, found: false };
    finder.visit_stmt(statement);
    finder.found
}

// ---- retry loops -----------------------------------------------------------------------------

/// The sleeps of a loop body that are retry delays: in an `except` handler of a `try` in the
/// loop, or after such a `try` when its success leaves the loop (`break`/`return` in its body or
/// `else`), so that the loop only repeats on failure. Nested loops and functions are their own.
pub fn retry_sleeps<'a>(
    body: &'a [Stmt],
    is_sleep: &dyn Fn(&ast::ExprCall) -> bool,
) -> Vec<&'a ast::ExprCall> {
    let mut sleeps = Vec::new();
    let mut exits_on_success = false;
    let mut after_try = false;
    collect_retry_sleeps(
        body,
        is_sleep,
        &mut sleeps,
        &mut exits_on_success,
        &mut after_try,
    );
    sleeps
}

fn collect_retry_sleeps<'a>(
    body: &'a [Stmt],
    is_sleep: &dyn Fn(&ast::ExprCall) -> bool,
    sleeps: &mut Vec<&'a ast::ExprCall>,
    exits_on_success: &mut bool,
    after_try: &mut bool,
) {
    for statement in body {
        match statement {
            Stmt::Try(try_stmt) if !try_stmt.handlers.is_empty() => {
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    sleeps.extend(sleep_calls(&handler.body, is_sleep));
                }
                if leaves_loop(&try_stmt.body) || leaves_loop(&try_stmt.orelse) {
                    *exits_on_success = true;
                }
                *after_try = true;
            }
            Stmt::If(if_stmt) => {
                collect_retry_sleeps(&if_stmt.body, is_sleep, sleeps, exits_on_success, after_try);
                for clause in &if_stmt.elif_else_clauses {
                    collect_retry_sleeps(
                        &clause.body,
                        is_sleep,
                        sleeps,
                        exits_on_success,
                        after_try,
                    );
                }
            }
            Stmt::With(with) => {
                collect_retry_sleeps(&with.body, is_sleep, sleeps, exits_on_success, after_try)
            }
            Stmt::Expr(_) if *after_try && *exits_on_success => {
                sleeps.extend(sleep_calls(std::slice::from_ref(statement), is_sleep));
            }
            _ => {}
        }
    }
}

fn leaves_loop(body: &[Stmt]) -> bool {
    let mut found = false;
    for_each_in_scope(body, &mut |node| {
        if let Node::Stmt(statement) = node {
            found |= matches!(statement, Stmt::Break(_) | Stmt::Return(_));
        }
    });
    found
}

/// Sleep calls in a statement list, not inside nested loops (they are their own retry loops)
/// or nested functions.
fn sleep_calls<'a>(
    body: &'a [Stmt],
    is_sleep: &dyn Fn(&ast::ExprCall) -> bool,
) -> Vec<&'a ast::ExprCall> {
    let mut found = Vec::new();
    for statement in body {
        if matches!(statement, Stmt::For(_) | Stmt::While(_)) {
            continue;
        }
        for_each_in_scope(std::slice::from_ref(statement), &mut |node| {
            if let Node::Expr(Expr::Call(call)) = node {
                if is_sleep(call) {
                    found.push(call);
                }
            }
        });
    }
    found
}

/// Whether an expression involves randomness: a call of a random source, or of a function or
/// name whose name contains `random` or `jitter`; a name is followed to its assignments in
/// `function`.
pub fn involves_randomness(
    semantic: &SemanticModel,
    expr: &Expr,
    random_sources: &CallMatcher,
    function: Option<&ast::StmtFunctionDef>,
) -> bool {
    let mut names = Vec::new();
    let mut random = false;
    walk_expressions(expr, &mut |e| match e {
        Expr::Call(call) => {
            random |= semantic
                .qualified_name(&call.func)
                .is_some_and(|name| random_sources.matches(&name));
        }
        Expr::Name(name) => {
            random |= looks_random(name.id.as_str());
            names.push(name.id.as_str());
        }
        Expr::Attribute(attribute) => random |= looks_random(attribute.attr.as_str()),
        _ => {}
    });
    if random {
        return true;
    }
    let Some(function) = function else {
        return false;
    };
    names.into_iter().any(|name| {
        let mut assigned_random = false;
        for_each_in_scope(&function.body, &mut |node| {
            let (targets, value): (Vec<&Expr>, Option<&Expr>) = match node {
                Node::Stmt(Stmt::Assign(assign)) => {
                    (assign.targets.iter().collect(), Some(&assign.value))
                }
                Node::Stmt(Stmt::AugAssign(assign)) => (vec![&assign.target], Some(&assign.value)),
                Node::Stmt(Stmt::AnnAssign(assign)) => {
                    (vec![&assign.target], assign.value.as_deref())
                }
                _ => return,
            };
            let assigns_name = targets
                .iter()
                .any(|target| matches!(target, Expr::Name(n) if n.id.as_str() == name));
            if assigns_name {
                if let Some(value) = value {
                    let mut inner = false;
                    walk_expressions(value, &mut |e| match e {
                        Expr::Call(call) => {
                            inner |= semantic
                                .qualified_name(&call.func)
                                .is_some_and(|n| random_sources.matches(&n));
                        }
                        Expr::Name(n) => inner |= looks_random(n.id.as_str()),
                        Expr::Attribute(a) => inner |= looks_random(a.attr.as_str()),
                        _ => {}
                    });
                    assigned_random |= inner;
                }
            }
        });
        assigned_random
    })
}

fn looks_random(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("random") || lower.contains("jitter")
}

// ---- route handlers ---------------------------------------------------------------------------

/// Decorator methods of FastAPI/Starlette/Flask/aiohttp/Django-ninja routers and apps.
const ROUTE_DECORATORS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "route",
    "api_route",
    "websocket",
    "view",
    "trace",
];

/// Registration methods that take a handler (`app.add_api_route(path, fn)`).
const ROUTE_REGISTRATIONS: &[&str] = &[
    "add_api_route",
    "add_route",
    "add_url_rule",
    "add_websocket_route",
    "add_api_websocket_route",
    "add_get",
    "add_post",
    "add_put",
    "add_patch",
    "add_delete",
    "add_head",
    "add_view",
];

/// Keyword arguments that name the handler in a registration call.
const HANDLER_KEYWORDS: &[&str] = &["endpoint", "view_func", "handler", "route"];

/// `@app.get("/items")`, `@router.post(path="/x")`, `@bp.route("/")`: a call of a route method
/// whose path (first argument or `path=`/`rule=`) is a string starting with `/`.
pub fn is_route_decorator(decorator: &ast::Decorator) -> bool {
    let Expr::Call(call) = &decorator.expression else {
        return false;
    };
    let Expr::Attribute(attribute) = call.func.as_ref() else {
        return false;
    };
    if !ROUTE_DECORATORS.contains(&attribute.attr.as_str()) {
        return false;
    }
    let path = call.arguments.args.first().or_else(|| {
        call.arguments
            .keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| matches!(a.as_str(), "path" | "rule"))
            })
            .map(|k| &k.value)
    });
    matches!(path, Some(Expr::StringLiteral(literal)) if literal.value.to_str().starts_with('/'))
}

/// Names of functions the module registers as handlers (`app.add_api_route("/x", handler)`,
/// `app.router.add_get("/", index)`, `app.add_url_rule("/", view_func=index)`).
pub fn registered_handlers(module: &ast::ModModule) -> FxHashSet<String> {
    let mut handlers = FxHashSet::default();
    for_each_expression(&module.body, &mut |expr| {
        let Expr::Call(call) = expr else { return };
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return;
        };
        if !ROUTE_REGISTRATIONS.contains(&attribute.attr.as_str()) {
            return;
        }
        let positional = call.arguments.args.get(1);
        let keyword = call
            .arguments
            .keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| HANDLER_KEYWORDS.contains(&a.as_str()))
            })
            .map(|k| &k.value);
        for handler in positional.into_iter().chain(keyword) {
            if let Some(name) = dotted_name(handler) {
                handlers.insert(name.rsplit('.').next().unwrap_or(&name).to_string());
            }
        }
    });
    handlers
}

// ---- walking helpers -----------------------------------------------------------------------

/// A node handed to the callbacks below.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    Stmt(&'a Stmt),
    Expr(&'a Expr),
    /// A nested `def`/`class` (not entered by the scope walk).
    Nested(&'a Stmt),
}

/// Calls `f` for every statement and expression of `body`, not entering nested functions,
/// classes or lambdas (their code runs at another time).
fn for_each_in_scope<'a>(body: &'a [Stmt], f: &mut dyn FnMut(Node<'a>)) {
    struct Walker<'f, 'a> {
        f: &'f mut dyn FnMut(Node<'a>),
    }
    impl<'a> Visitor<'a> for Walker<'_, 'a> {
        fn visit_stmt(&mut self, statement: &'a Stmt) {
            match statement {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => (self.f)(Node::Nested(statement)),
                _ => {
                    (self.f)(Node::Stmt(statement));
                    walk_stmt(self, statement);
                }
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
    struct Walker<'f, 'a> {
        f: &'f mut dyn FnMut(&'a Expr),
    }
    impl<'a> Visitor<'a> for Walker<'_, 'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            (self.f)(expr);
            walk_expr(self, expr);
        }
    }
    Walker { f }.visit_body(body);
}

fn walk_expressions<'a>(expr: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    struct Walker<'f, 'a> {
        f: &'f mut dyn FnMut(&'a Expr),
    }
    impl<'a> Visitor<'a> for Walker<'_, 'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            (self.f)(expr);
            walk_expr(self, expr);
        }
    }
    Walker { f }.visit_expr(expr);
}

// ---- coroutine functions ---------------------------------------------------------------------

/// An `async def` whose call creates a plain coroutine: no `yield` (that would make it an async
/// generator) and no decorator that could wrap it into something else (`staticmethod` and
/// `classmethod` keep it a coroutine function).
pub fn is_plain_coroutine_function(function: &ast::StmtFunctionDef) -> bool {
    if !function.is_async {
        return false;
    }
    let transparent = function.decorator_list.iter().all(|decorator| {
        matches!(&decorator.expression, Expr::Name(name)
            if matches!(name.id.as_str(), "staticmethod" | "classmethod"))
    });
    let mut yields = false;
    for_each_in_scope(&function.body, &mut |node| {
        yields |= matches!(node, Node::Expr(Expr::Yield(_) | Expr::YieldFrom(_)));
    });
    transparent && !yields
}
