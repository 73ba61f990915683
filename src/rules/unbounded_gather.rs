//! LG101 unbounded-gather — docs: rules/LG101-unbounded-gather.md

use super::prelude::*;
use super::{BOUNDED_WRAPPERS, INCLUDE_OPAQUE_COLLECTIONS, LIMITERS};
use crate::config::{OptionKind, RuleOption};
use crate::project::summary::Target;
use crate::python::data::data;
use crate::python::facts::{self, Bounds, FanOut};
use crate::python::project;
use crate::rust::checker::{BodyQuestion, Enclosing};
use crate::rust::facts::FanOut as RustFanOut;
use crate::rust::project as rust_project;

/// The Rust detector is opt-in: its precision on real crates is below the default-on bar.
pub const INCLUDE_RUST_FAN_OUT: RuleOption = RuleOption {
    name: "include-rust-fan-out",
    kind: OptionKind::Bool,
    doc: "Also run the Rust detector (`join_all`, `try_join_all`, `FuturesUnordered`/`FuturesOrdered`, `for_each_concurrent(None, ..)` and `buffer_unordered(usize::MAX)` over runtime collections); off by default because its triaged precision on real crates (1 of 5) is below the 90% a default-on rule needs.",
};

pub const META: RuleMeta = RuleMeta {
    code: "LG101",
    name: "unbounded-gather",
    summary: "`asyncio.gather`/`wait`/`as_completed` over a runtime collection starts every coroutine at once",
    enablement: Enablement::OptIn,
    severity: Severity::Warning,
    fm043: Some(1),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::Unsafe,
    options: &[
        LIMITERS,
        BOUNDED_WRAPPERS,
        INCLUDE_RUST_FAN_OUT,
        INCLUDE_OPAQUE_COLLECTIONS,
    ],
    doc: include_str!("../../rules/LG101-unbounded-gather.md"),
    hooks: Hooks {
        python_call: Some(python_call),
        rust_call: Some(rust_call),
        rust_local: Some(rust_local),
        python_triggers: Some(&["gather", "wait", "as_completed"]),
        rust_triggers: Some(&["join_all", "Futures", "_concurrent", "buffer"]),
        ..Hooks::NONE
    },
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    let is_gather = lists.rules.unbounded_gather.gather.matches(name);
    if !is_gather && !lists.rules.unbounded_gather.wait.matches(name) {
        return;
    }
    let bounds = Bounds::of(&checker.settings.python, Rule::UnboundedGather);
    let spawns = lists.rules.spawn_in_loop.spawns.matcher();
    let include_opaque = checker
        .settings
        .flag(Rule::UnboundedGather, &INCLUDE_OPAQUE_COLLECTIONS);
    let collection = if is_gather {
        // Only a starred argument has a runtime width; fixed arguments are bounded.
        site.call
            .arguments
            .args
            .iter()
            .find_map(|argument| match argument {
                ast::Expr::Starred(starred) => Some(&*starred.value),
                _ => None,
            })
    } else {
        // `wait`/`as_completed`: only collections built inline from calls are known coroutines.
        site.call.arguments.args.first().filter(|argument| {
            matches!(
                argument,
                ast::Expr::ListComp(_) | ast::Expr::SetComp(_) | ast::Expr::Generator(_)
            )
        })
    };
    let Some(collection) = collection else { return };
    let coroutine_call = match facts::fan_out(&checker.semantic, collection, bounds, spawns) {
        FanOut::Unbounded(call) => call,
        FanOut::UnknownSize(call) if include_opaque => call,
        FanOut::Opaque if include_opaque && is_gather => None,
        _ => return,
    };
    let limit = checker.settings.default_limit;
    let short = name.rsplit('.').next().unwrap_or(name);
    let coroutine = coroutine_name(checker, collection);
    let semaphore_hint = match &coroutine {
        Some(function) => format!("acquire a semaphore in `{function}`"),
        None => "acquire a semaphore in the gathered coroutine".to_string(),
    };
    let bound_hint = format!("or {semaphore_hint}");
    let message = if is_gather {
        format!("`asyncio.gather` over a runtime collection runs every coroutine at once; bound it (`loopguard_shim.gather_bounded(..., limit={limit})`) {bound_hint}")
    } else {
        format!("`asyncio.{short}` over coroutines built from a runtime collection starts them all at once; {semaphore_hint}, or gather them with `loopguard_shim.gather_bounded(..., limit={limit})`")
    };
    let diagnostic = Diagnostic::new(Rule::UnboundedGather, message, site.call.range())
        .with_help(format!(
            "use `await loopguard_shim.gather_bounded(*coros, limit={limit})`, which runs at most {limit} at a time, {bound_hint}"
        ))
        .with_fix(is_gather.then(|| gather_bounded_fix(checker, site, limit)).flatten())
        .unless_bounded(coroutine_call.and_then(|call| project::imported_coroutine(&checker.semantic, call)));
    checker.report(diagnostic);
}

/// The function each element calls (`fetch` in `[fetch(u) for u in urls]`), for the message.
fn coroutine_name(checker: &Checker, collection: &ast::Expr) -> Option<String> {
    let element: &ast::Expr = match collection {
        ast::Expr::ListComp(comprehension) => &comprehension.elt,
        ast::Expr::SetComp(comprehension) => &comprehension.elt,
        ast::Expr::Generator(generator) => &generator.elt,
        ast::Expr::Call(call) => call.arguments.args.first()?,
        _ => return None,
    };
    let callee = match element {
        ast::Expr::Call(call) => &call.func,
        other => other,
    };
    let text = checker.text(callee.range());
    (text.len() <= 40 && !text.contains('\n')).then(|| text.to_string())
}

/// `asyncio.gather(*xs, return_exceptions=True)` →
/// `loopguard_shim.gather_bounded(*xs, return_exceptions=True, limit=N)`; every argument of
/// `gather` means the same to `gather_bounded`.
fn gather_bounded_fix(checker: &Checker, site: &CallSite, limit: u32) -> Option<Fix> {
    let arguments = &site.call.arguments;
    if site.keyword("limit").is_some() {
        return None;
    }
    let last_argument_end = arguments
        .args
        .iter()
        .map(Ranged::end)
        .chain(arguments.keywords.iter().map(Ranged::end))
        .max()?;
    let shim = edits::module_reference(checker, "loopguard_shim");
    let mut fix_edits = vec![
        Edit::replacement(
            site.call.func.range(),
            format!("{}.gather_bounded", shim.name),
        ),
        Edit::insertion(last_argument_end, format!(", limit={limit}")),
    ];
    let dependency = if shim.import.is_some() {
        crate::fix::ADDS_SHIM_DEPENDENCY
    } else {
        ""
    };
    fix_edits.extend(shim.import);
    Some(Fix::unsafe_edits(
        format!("Replace with `loopguard_shim.gather_bounded(..., limit={limit})`{dependency}"),
        fix_edits,
    ))
}

/// `join_all(xs.iter().map(f))`, `FuturesUnordered::from_iter(..)`, `set.extend(..)` over a
/// runtime collection, and `set.push(f)` in a loop that neither checks `set.len()` nor drains
/// the set.
pub(crate) fn rust_call(checker: &mut RustChecker, site: &RustCallSite) {
    if !checker
        .settings
        .flag(Rule::UnboundedGather, &INCLUDE_RUST_FAN_OUT)
    {
        return;
    }
    if let CallKind::Method(call) = site.kind {
        if RUNS_PER_ITEM.contains(&call.method.to_string().as_str())
            || POLLS_AT_MOST.contains(&call.method.to_string().as_str())
        {
            rust_stream(checker, site, call);
            return;
        }
    }
    let Some(name) = site.target() else { return };
    let lists = rust_data();
    if lists.rules.unbounded_gather.join_all.matches(name) {
        let CallKind::Function(call) = site.kind else {
            return;
        };
        let Some(futures) = call.args.first() else {
            return;
        };
        if !rust_is_unbounded(checker, futures) {
            return;
        }
        let short = name.rsplit("::").next().unwrap_or(name);
        let limit = checker.settings.default_limit;
        let diagnostic = Diagnostic::new(
            Rule::UnboundedGather,
            format!("`{short}` over futures built from a runtime collection polls every one at once: a large input opens that many requests or connections together"),
            checker.range(site.span()),
        )
        .with_help(format!("use `loopguard_shim::{short}_bounded(futures, {limit})`, which runs at most {limit} at a time, or `stream::iter(..).buffer_unordered({limit})`"))
        .with_fix(join_all_bounded_fix(checker, call, short, limit))
        .unless_bounded(mapped_coroutine(checker, futures));
        checker.report(diagnostic);
        return;
    }
    let Some((owner, method)) = name.rsplit_once("::") else {
        return;
    };
    if !lists.rules.unbounded_gather.future_sets.matches(owner) {
        return;
    }
    let many = |futures: Option<&syn::Expr>| {
        futures
            .filter(|futures| rust_is_unbounded(checker, futures))
            .map(|futures| mapped_coroutine(checker, futures))
    };
    let unbounded = match (site.kind, method) {
        (CallKind::Function(call), "from_iter") => many(call.args.first()),
        (CallKind::Method(call), "extend") => many(call.args.first()),
        (CallKind::Method(call), "push" | "push_back")
            if !rust_facts::is_self_field(&call.receiver) && pushes_in_open_loop(checker) =>
        {
            let coroutine = call
                .args
                .first()
                .and_then(|future| rust_project::spawned_coroutine(checker, future));
            let set = rust_facts::receiver_root(&call.receiver);
            let drained: BodyQuestion = Box::new(move |body, _| {
                set.is_some_and(|set| rust_facts::checks_or_drains(body, &set, DRAINS))
            });
            let diagnostic = future_set_diagnostic(checker, site.span(), owner, coroutine);
            checker.report_unless(diagnostic, vec![(Enclosing::Loop, drained)]);
            return;
        }
        _ => None,
    };
    if let Some(coroutine) = unbounded {
        let diagnostic = future_set_diagnostic(checker, site.span(), owner, coroutine);
        checker.report(diagnostic);
    }
}

/// Stream adaptors that run a future per item, at most `limit` at once; `None`, `0` and
/// `usize::MAX` lift the limit.
const RUNS_PER_ITEM: &[&str] = &["for_each_concurrent", "try_for_each_concurrent"];

/// Stream adaptors that poll at most `n` of the futures a stream yields; `usize::MAX` lifts the
/// limit (`0` polls none).
const POLLS_AT_MOST: &[&str] = &[
    "buffer_unordered",
    "buffered",
    "try_buffer_unordered",
    "try_buffered",
];

/// `stream::iter(urls).for_each_concurrent(None, f)` and
/// `stream::iter(urls).map(fetch).buffer_unordered(usize::MAX)`: a limit that lifts the cap, over
/// a stream made from a runtime collection.
fn rust_stream(checker: &mut RustChecker, site: &RustCallSite, call: &syn::ExprMethodCall) {
    let method = call.method.to_string();
    let runs_per_item = RUNS_PER_ITEM.contains(&method.as_str());
    let Some(limit) = call.args.first() else {
        return;
    };
    if !rust_facts::lifts_limit(limit, runs_per_item) {
        return;
    }
    let closure = call.args.iter().nth(1).filter(|_| runs_per_item);
    let unbounded = match rust_facts::stream_fan_out(&call.receiver, closure) {
        RustFanOut::Unbounded => true,
        RustFanOut::Opaque => checker
            .settings
            .flag(Rule::UnboundedGather, &INCLUDE_OPAQUE_COLLECTIONS),
        RustFanOut::Bounded => false,
    };
    if !unbounded {
        return;
    }
    let coroutine = match closure {
        Some(syn::Expr::Closure(closure)) => {
            rust_project::spawned_coroutine(checker, &closure.body)
        }
        Some(syn::Expr::Path(function)) => rust_project::project_function(checker, function),
        _ => mapped_coroutine(checker, &call.receiver),
    };
    let call_text = match runs_per_item {
        true => format!("{method}({}, ..)", checker.node_text(limit)),
        false => format!("{method}({})", checker.node_text(limit)),
    };
    let default_limit = checker.settings.default_limit;
    let diagnostic = Diagnostic::new(
        Rule::UnboundedGather,
        format!("`{call_text}` over a stream made from a runtime collection runs a future for every element at once: a large input opens that many requests or connections together"),
        checker.range(site.span()),
    )
    .with_help(match runs_per_item {
        true => format!("give it a limit: `{method}({default_limit}, ..)` runs at most {default_limit} at a time"),
        false => format!("give it a limit: `{method}({default_limit})` polls at most {default_limit} at a time"),
    })
    .with_fix(Some(Fix::unsafe_edits(
        format!("Limit it to {default_limit} at a time"),
        vec![Edit::replacement(
            checker.range(limit.span()),
            default_limit.to_string(),
        )],
    )))
    .unless_bounded(coroutine);
    checker.report(diagnostic);
}

/// `let set: FuturesUnordered<_> = xs.iter().map(f).collect();` and the turbofish form
/// `.collect::<FuturesUnordered<_>>()`.
pub(crate) fn rust_local(checker: &mut RustChecker, local: &syn::Local, _following: &[syn::Stmt]) {
    if !checker
        .settings
        .flag(Rule::UnboundedGather, &INCLUDE_RUST_FAN_OUT)
    {
        return;
    }
    let Some(init) = &local.init else { return };
    let syn::Expr::MethodCall(collect) = init.expr.as_ref() else {
        return;
    };
    if collect.method != "collect" {
        return;
    }
    let stated = match &local.pat {
        syn::Pat::Type(typed) => checker.semantic.type_name(&typed.ty),
        _ => None,
    };
    let turbofish =
        collect
            .turbofish
            .as_ref()
            .and_then(|arguments| match arguments.args.first()? {
                syn::GenericArgument::Type(ty) => checker.semantic.type_name(ty),
                _ => None,
            });
    let Some(set) = turbofish.or(stated) else {
        return;
    };
    if !rust_data().rules.unbounded_gather.future_sets.matches(&set)
        || !rust_is_unbounded(checker, &collect.receiver)
    {
        return;
    }
    let span = collect
        .method
        .span()
        .join(collect.paren_token.span.close())
        .unwrap_or_else(|| collect.method.span());
    let diagnostic = future_set_diagnostic(
        checker,
        span,
        &set,
        mapped_coroutine(checker, &collect.receiver),
    );
    checker.report(diagnostic);
}

fn rust_is_unbounded(checker: &RustChecker, futures: &syn::Expr) -> bool {
    match rust_facts::fan_out(futures) {
        RustFanOut::Unbounded => true,
        RustFanOut::Opaque => {
            matches!(futures, syn::Expr::Path(_))
                && checker
                    .settings
                    .flag(Rule::UnboundedGather, &INCLUDE_OPAQUE_COLLECTIONS)
        }
        RustFanOut::Bounded => false,
    }
}

/// Methods of a future set that take finished futures out of it.
const DRAINS: &[&str] = &["next", "select_next_some", "try_next"];

/// A push in a loop that does not run a fixed number of times: flagged unless the loop body
/// checks the set's `len()` or takes finished futures out of the set (`set.next()` in a
/// `select!` arm), asked of the body once it has been walked; otherwise nothing limits how many
/// are pending. A set that is a field of `self` is an executor's or pool's own queue, bounded
/// (or not) by its owner, and is not judged here.
fn pushes_in_open_loop(checker: &RustChecker) -> bool {
    checker.semantic.in_loop() && !checker.semantic.loop_is_fixed()
}

/// The project function each future of `xs.iter().map(f)` runs: `f`, or what the closure
/// returns (`|u| fetch(u)`, `|u| async move { fetch(u).await }`).
fn mapped_coroutine(checker: &RustChecker, futures: &syn::Expr) -> Option<Target> {
    let (_, calls) = rust_facts::method_chain(futures);
    let map = calls.iter().rev().find(|call| call.method == "map")?;
    match map.args.first()? {
        syn::Expr::Path(function) => rust_project::project_function(checker, function),
        syn::Expr::Closure(closure) => rust_project::spawned_coroutine(checker, &closure.body),
        _ => None,
    }
}

/// `coroutine`: the project function the set's futures run, if one does.
fn future_set_diagnostic(
    checker: &RustChecker,
    span: proc_macro2::Span,
    set: &str,
    coroutine: Option<Target>,
) -> Diagnostic {
    let short = set.rsplit("::").next().unwrap_or(set);
    let limit = checker.settings.default_limit;
    Diagnostic::new(
        Rule::UnboundedGather,
        format!("this `{short}` is filled from a runtime collection with no bound: every future in it is polled at once"),
        checker.range(span),
    )
    .with_help(format!("drain it with `next().await` while `len() >= {limit}` before pushing more, or use `stream::iter(..).buffer_unordered({limit})`"))
    .unless_bounded(coroutine)
}

/// `join_all(xs)` → `loopguard_shim::join_all_bounded(xs, N)`: unsafe, since the futures no
/// longer all start together (code relying on that, e.g. a barrier, would deadlock).
fn join_all_bounded_fix(
    checker: &RustChecker,
    call: &syn::ExprCall,
    short: &str,
    limit: u32,
) -> Option<Fix> {
    let [futures] = call.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let end = checker.range(futures.span()).end();
    let dependency = if checker.source.text.contains(crate::fix::SHIM_MODULE) {
        ""
    } else {
        crate::fix::ADDS_SHIM_DEPENDENCY
    };
    Some(Fix::unsafe_edits(
        format!("Replace with `loopguard_shim::{short}_bounded(..., {limit})`{dependency}"),
        vec![
            Edit::replacement(
                checker.range(call.func.span()),
                format!("loopguard_shim::{short}_bounded"),
            ),
            Edit::insertion(end, format!(", {limit}")),
        ],
    ))
}
