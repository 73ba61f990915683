//! LG101 unbounded-gather — docs: rules/LG101-unbounded-gather.md

use super::prelude::*;
use super::{BOUNDED_WRAPPERS, LIMITERS};
use crate::config::{OptionKind, RuleOption};
use crate::python::data::data;
use crate::python::facts::{self, Bounds, FanOut};

pub const INCLUDE_OPAQUE_COLLECTIONS: &str = "include-opaque-collections";

pub const META: RuleMeta = RuleMeta {
    code: "LG101",
    name: "unbounded-gather",
    summary: "`asyncio.gather`/`wait`/`as_completed` over a runtime collection starts every coroutine at once",
    enablement: Enablement::Default,
    severity: Severity::Warning,
    fm043: Some(1),
    languages: &[Language::Python],
    fix: FixKind::Unsafe,
    options: &[
        LIMITERS,
        BOUNDED_WRAPPERS,
        RuleOption {
            name: INCLUDE_OPAQUE_COLLECTIONS,
            kind: OptionKind::Bool,
            doc: "Also flag `asyncio.gather(*xs)` when the file does not show what `xs` holds (a parameter, an attribute, a call's result); off by default because such collections are usually tasks started elsewhere.",
        },
    ],
    doc: include_str!("../../rules/LG101-unbounded-gather.md"),
};

pub(crate) fn python_call(checker: &mut Checker, site: &CallSite) {
    let Some(name) = site.target() else { return };
    let lists = data();
    let is_gather = lists.list(Rule::UnboundedGather, "gather").matches(name);
    if !is_gather && !lists.list(Rule::UnboundedGather, "wait").matches(name) {
        return;
    }
    let bounds = Bounds {
        limiters: checker.settings.python.patterns(Rule::UnboundedGather, LIMITERS.name),
        wrappers: checker.settings.python.patterns(Rule::UnboundedGather, BOUNDED_WRAPPERS.name),
    };
    let spawns = lists.list(Rule::SpawnInLoop, "spawns");
    let include_opaque = checker
        .settings
        .python
        .flag(Rule::UnboundedGather, INCLUDE_OPAQUE_COLLECTIONS);
    let collection = if is_gather {
        // Only a starred argument has a runtime width; fixed arguments are bounded.
        site.call.arguments.args.iter().find_map(|argument| match argument {
            ast::Expr::Starred(starred) => Some(&*starred.value),
            _ => None,
        })
    } else {
        // `wait`/`as_completed`: only collections built inline from calls are known coroutines.
        site.call.arguments.args.first().filter(|argument| {
            matches!(argument, ast::Expr::ListComp(_) | ast::Expr::SetComp(_) | ast::Expr::Generator(_))
        })
    };
    let Some(collection) = collection else { return };
    match facts::fan_out(&checker.semantic, collection, bounds, spawns) {
        FanOut::Unbounded => {}
        FanOut::Opaque if include_opaque && is_gather => {}
        _ => return,
    }
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
        .with_fix(is_gather.then(|| gather_bounded_fix(checker, site, limit)).flatten());
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
        Edit::replacement(site.call.func.range(), format!("{}.gather_bounded", shim.name)),
        Edit::insertion(last_argument_end, format!(", limit={limit}")),
    ];
    fix_edits.extend(shim.import);
    Some(Fix::unsafe_edits(
        format!("Replace with `loopguard_shim.gather_bounded(..., limit={limit})`"),
        fix_edits,
    ))
}
