//! LG208 transitive-blocking-call — docs: rules/LG208-transitive-blocking-call.md
//!
//! Reports from the solved project index (`project::index`): the detector only reads chains.

use super::prelude::*;
use crate::diagnostic::{NoteFile, RootCause};
use crate::project::index::{FunctionId, Index, Solution, Step};
use crate::project::summary::ProjectCall;
use crate::project::Locations;

pub const META: RuleMeta = RuleMeta {
    code: "LG208",
    name: "transitive-blocking-call",
    summary: "An async function calls a sync function of the project that blocks, directly or through further calls, in any file",
    enablement: Enablement::OptIn,
    severity: Severity::Error,
    fm043: Some(5),
    test_code: TestCodePolicy::Skip,
    languages: &[Language::Python, Language::Rust],
    fix: FixKind::HelpOnly,
    options: &[],
    doc: include_str!("../../rules/LG208-transitive-blocking-call.md"),
    hooks: Hooks {
        python_triggers: Some(&["async"]),
        rust_triggers: Some(&["async"]),
        ..Hooks::NONE
    },
};

/// The findings for the calls `caller` makes, in async context, to sync project functions
/// that block.
pub(crate) fn report(
    index: &Index,
    solution: &Solution,
    caller: FunctionId,
    locations: &mut Locations,
) -> Vec<Diagnostic> {
    if !index.is_async(caller) {
        return Vec::new();
    }
    index
        .calls_of(caller)
        .iter()
        .filter(|(callee, _)| !index.is_async(*callee))
        .filter_map(|&(callee, call)| {
            solution.step_from(caller, call, callee)?;
            let site = index.call(caller, call);
            let entry = match site.reads_property {
                true => Entry::PropertyRead(site),
                false => Entry::Call(site),
            };
            Some(diagnostic(
                index, solution, caller, callee, entry, locations,
            ))
        })
        .collect()
}

/// The finding for a sync callback registered to run on the event loop (`loop.call_soon(f)`)
/// that blocks, at the registration.
pub(crate) fn report_callback(
    index: &Index,
    solution: &Solution,
    (registrar, callback): (FunctionId, u32),
    callee: FunctionId,
    locations: &mut Locations,
) -> Option<Diagnostic> {
    solution.step(callee)?;
    let registration = index.callback(registrar, callback);
    let entry = Entry::Callback {
        site: &registration.call,
        api: &registration.api,
    };
    Some(diagnostic(
        index, solution, registrar, callee, entry, locations,
    ))
}

/// How the loop comes to run the helper.
enum Entry<'i> {
    /// A call in a coroutine.
    Call(&'i ProjectCall),
    /// A read of a property in a coroutine, which runs its getter.
    PropertyRead(&'i ProjectCall),
    /// A registration of the helper as a callback, with the registering API.
    Callback { site: &'i ProjectCall, api: &'i str },
}

fn diagnostic(
    index: &Index,
    solution: &Solution,
    caller: FunctionId,
    callee: FunctionId,
    entry: Entry,
    locations: &mut Locations,
) -> Diagnostic {
    let chain = chain(index, solution, callee, locations);
    let site = match entry {
        Entry::Call(site) | Entry::PropertyRead(site) | Entry::Callback { site, .. } => site,
    };
    let helper = short_name(index, callee);
    let (last, _) = chain.last().expect("a chain ends in a blocking call");
    let Link::Blocks { rule, name } = last else {
        unreachable!("a chain ends in a blocking call")
    };
    let through = match chain.len() - 1 {
        0 => String::new(),
        1 => " through 1 more project function".to_string(),
        more => format!(" through {more} more project functions"),
    };
    let rust = index.is_rust(caller);
    let message = if let Entry::Callback { api, .. } = entry {
        format!("`{helper}` runs on the event loop as a callback registered with `{api}`, and it blocks: it calls `{name}` ({}){through}, stalling the loop for every task on it", rule.code())
    } else if let Entry::PropertyRead(_) = entry {
        format!("reading property `{helper}` runs a getter that blocks: it calls `{name}` ({}){through}, stalling the event loop for every task on it", rule.code())
    } else if rust {
        format!("`{helper}` is a sync function that blocks: it calls `{name}` ({}){through}, stalling the runtime's worker thread for every task on it", rule.code())
    } else {
        format!("`{helper}` is a sync function that blocks: it calls `{name}` ({}){through}, stalling the event loop for every task on it", rule.code())
    };
    // A method's receiver is not its owner's name: the offloading call is then sketched.
    let plain_function = !helper.contains(['.', ':']);
    let help = match (rust, plain_function) {
        _ if matches!(entry, Entry::Callback { .. }) => format!("have the callback hand the blocking work to a thread (`loop.run_in_executor(None, ...)`), or make `{helper}` and the calls below it non-blocking"),
        _ if matches!(entry, Entry::PropertyRead(_)) => format!("read it in a thread (`await asyncio.to_thread(getattr, obj, \"{attribute}\")`), or turn `{helper}` into an async method and make the calls below it async", attribute = helper.rsplit('.').next().unwrap_or(&helper)),
        (true, true) => format!("run it with `tokio::task::spawn_blocking(move || {helper}(..)).await`, or make `{helper}` and the calls below it async"),
        (true, false) => format!("run the call in `tokio::task::spawn_blocking(move || ..).await`, or make `{helper}` and the calls below it async"),
        (false, true) => format!("run it with `await asyncio.to_thread({helper}, ...)`, or make `{helper}` and the calls below it async"),
        (false, false) => format!("run the call with `await asyncio.to_thread(...)`, or make `{helper}` and the calls below it async"),
    };
    let mut names = vec![short_name(index, caller), helper];
    names.extend(chain.iter().map(|(link, _)| match link {
        Link::Calls(function) | Link::Reads(function) => short_name(index, *function),
        Link::Blocks { name, .. } => name.clone(),
    }));
    let mut diagnostic = Diagnostic::new(Rule::TransitiveBlockingCall, message, site.range)
        .with_help(help)
        .with_note(format!("call chain: {}", names.join(" -> ")), None);
    diagnostic.statement_start = site.statement_start;
    diagnostic.function = Some(short_name(index, caller));
    diagnostic.root_cause = chain.last().map(|(_, file)| RootCause {
        call: name.clone(),
        rule: *rule,
        file: file.clone(),
    });
    let mut from = callee;
    for (link, file) in chain {
        let hop = match &link {
            Link::Reads(function) => format!(
                "`{}` reads property `{}`",
                short_name(index, from),
                short_name(index, *function)
            ),
            Link::Calls(function) => format!(
                "`{}` calls `{}`",
                short_name(index, from),
                short_name(index, *function)
            ),
            Link::Blocks { rule, name } => format!(
                "`{}` calls `{name}`, which blocks ({})",
                short_name(index, from),
                rule.code()
            ),
        };
        diagnostic = diagnostic.with_note_at(hop, file);
        if let Link::Calls(function) | Link::Reads(function) = link {
            from = function;
        }
    }
    diagnostic
}

enum Link {
    Calls(FunctionId),
    /// A read of a property, which runs its getter.
    Reads(FunctionId),
    Blocks {
        rule: Rule,
        name: String,
    },
}

/// The hops from `start` to its blocking call, each with where its call is written.
fn chain(
    index: &Index,
    solution: &Solution,
    start: FunctionId,
    locations: &mut Locations,
) -> Vec<(Link, NoteFile)> {
    let mut links = Vec::new();
    let mut current = start;
    while let Some(step) = solution.step(current) {
        match step {
            Step::Calls { callee, call } => {
                let site = index.call(current, call);
                let file = locations.note_file(index, current, site.range.start());
                let link = match site.reads_property {
                    true => Link::Reads(callee),
                    false => Link::Calls(callee),
                };
                links.push((link, file));
                current = callee;
            }
            Step::Blocks { call } => {
                let blocking = index.blocking_call(current, call);
                let link = Link::Blocks {
                    rule: blocking.rule,
                    name: display_call(&blocking.name),
                };
                links.push((link, locations.note_file(index, current, blocking.offset)));
                break;
            }
        }
    }
    links
}

fn display_call(name: &str) -> String {
    name.strip_prefix("builtins.").unwrap_or(name).to_string()
}

/// A function as its file names it (`load_config`, `Store.read`, `io::read_all`).
fn short_name(index: &Index, id: FunctionId) -> String {
    let name = &index.function(id).name;
    name.strip_prefix("self::").unwrap_or(name).to_string()
}
