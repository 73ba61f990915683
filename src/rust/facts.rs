//! Shape facts about Rust expressions that several rules share: method chains, and whether a
//! collection's size is fixed by the code or comes from runtime data.

use syn::Expr;

/// A method chain split into its root and its calls, innermost first:
/// `a::b(x).c().d(y)` → (`a::b(x)`, [`c()`, `d(y)`]). `?`, `.await` and parentheses are looked
/// through.
pub fn method_chain(expr: &Expr) -> (&Expr, Vec<&syn::ExprMethodCall>) {
    let mut calls = Vec::new();
    let mut current = expr;
    loop {
        match current {
            Expr::MethodCall(call) => {
                calls.push(call);
                current = &call.receiver;
            }
            Expr::Try(expr) => current = &expr.expr,
            Expr::Await(expr) => current = &expr.base,
            Expr::Paren(expr) => current = &expr.expr,
            Expr::Group(expr) => current = &expr.expr,
            _ => break,
        }
    }
    calls.reverse();
    (current, calls)
}

/// A collection whose size is written in the code: an array, `vec![..]`, a reference to one,
/// or a range with literal bounds (`0..4`).
pub fn is_literal_collection(expr: &Expr) -> bool {
    match expr {
        Expr::Array(_) => true,
        Expr::Macro(mac) => mac.mac.path.is_ident("vec"),
        Expr::Reference(reference) => is_literal_collection(&reference.expr),
        Expr::Paren(paren) => is_literal_collection(&paren.expr),
        Expr::Group(group) => is_literal_collection(&group.expr),
        Expr::Range(range) => {
            let literal = |end: &Option<Box<Expr>>| {
                end.as_deref()
                    .is_some_and(|end| matches!(end, Expr::Lit(_)))
            };
            literal(&range.start) && literal(&range.end)
        }
        _ => false,
    }
}

/// Methods of semaphores and limiters that hand back a permit, released when it is dropped.
const PERMIT_METHODS: &[&str] = &[
    "acquire",
    "acquire_owned",
    "acquire_many",
    "acquire_many_owned",
    "try_acquire",
    "try_acquire_owned",
    "try_acquire_many",
    "try_acquire_many_owned",
];

/// Methods of rate limiters (governor) that wait for capacity and hold nothing afterwards.
const WAIT_METHODS: &[&str] = &[
    "until_ready",
    "until_n_ready",
    "until_key_ready",
    "until_ready_with_jitter",
    "until_n_ready_with_jitter",
    "until_key_ready_with_jitter",
];

/// Calls after the acquiring one that unwrap its result without giving up the permit.
const RESULT_UNWRAPS: &[&str] = &[
    "unwrap",
    "expect",
    "ok",
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
];

/// How a value is obtained from a guard object.
#[derive(Debug, PartialEq, Eq)]
enum Acquisition {
    /// A permit, in force while the value is alive (`sem.acquire().await?`).
    Permit,
    /// A wait for capacity, in force for the rest of the block (`limiter.until_ready().await`).
    Wait,
}

/// `sem.acquire().await?` → (`sem`, permit); `limiter.until_ready().await` → (`limiter`, wait).
fn acquisition(expr: &Expr) -> Option<(&Expr, Acquisition)> {
    let (_, calls) = method_chain(expr);
    let acquiring = calls
        .iter()
        .rposition(|call| !RESULT_UNWRAPS.contains(&call.method.to_string().as_str()))?;
    let call = calls[acquiring];
    let method = call.method.to_string();
    let kind = if PERMIT_METHODS.contains(&method.as_str()) {
        Acquisition::Permit
    } else if WAIT_METHODS.contains(&method.as_str()) {
        Acquisition::Wait
    } else {
        return None;
    };
    Some((&call.receiver, kind))
}

/// The name a `let` pattern binds a permit to: `permit`, `_permit`, `Ok(permit)`,
/// `permit: SemaphorePermit`; `None` for `_`, which drops the value at once.
fn permit_binding(pattern: &syn::Pat) -> Option<String> {
    match pattern {
        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
        syn::Pat::Type(typed) => permit_binding(&typed.pat),
        syn::Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => permit_binding(&tuple.elems[0]),
        _ => None,
    }
}

/// Whether one of a function body's own `statements` takes a limiter for the code after it:
/// `let _permit = sem.acquire().await?;` (not `let _ = ..`, which drops the permit at once) or
/// `limiter.until_ready().await;`. A spawned or joined call of such a function is bounded, as
/// in Python a coroutine with `async with semaphore:` in it is.
pub fn holds_limiter(statements: &[syn::Stmt]) -> bool {
    statements
        .iter()
        .any(|statement| guard_taken(statement).is_some())
}

/// The guard a statement puts in force for the rest of its block, with the name of the permit
/// that holds it (`None` for a wait, which holds nothing): `let _permit =
/// sem.acquire().await?;` → (`sem`, `_permit`), `limiter.until_ready().await;` → (`limiter`,
/// `None`). `let _ = sem.acquire().await` and a bare `sem.acquire().await;` drop the permit at
/// once and take nothing.
pub fn guard_taken(statement: &syn::Stmt) -> Option<(&Expr, Option<String>)> {
    match statement {
        syn::Stmt::Local(local) => match acquisition(&local.init.as_ref()?.expr)? {
            (guard, Acquisition::Permit) => Some((guard, Some(permit_binding(&local.pat)?))),
            (guard, Acquisition::Wait) => Some((guard, None)),
        },
        syn::Stmt::Expr(expr, _) => match acquisition(expr)? {
            (guard, Acquisition::Wait) => Some((guard, None)),
            (_, Acquisition::Permit) => None,
        },
        _ => None,
    }
}

/// `drop(permit)` / `std::mem::drop(permit)`: the name whose value is dropped.
pub fn dropped_binding(expr: &Expr) -> Option<String> {
    let Expr::Call(call) = expr else { return None };
    let Expr::Path(function) = call.func.as_ref() else {
        return None;
    };
    if function.path.segments.last()?.ident != "drop" || call.args.len() != 1 {
        return None;
    }
    match &call.args[0] {
        Expr::Path(argument) => argument.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// `0..MAX` (a constant end), or a range whose first per-item closure ignores the item.
fn is_count(root: &Expr, calls: &[&syn::ExprMethodCall]) -> bool {
    let mut root = root;
    while let Expr::Paren(paren) = root {
        root = &paren.expr;
    }
    let Expr::Range(range) = root else {
        return false;
    };
    let constant_end = range.end.as_deref().is_some_and(|end| match end {
        Expr::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| is_constant_name(&segment.ident.to_string())),
        _ => false,
    });
    let ignores_item = calls
        .iter()
        .find(|call| PER_ITEM_ADAPTORS.contains(&call.method.to_string().as_str()))
        .and_then(|call| match call.args.first() {
            Some(Expr::Closure(closure)) => closure.inputs.first(),
            _ => None,
        })
        .is_some_and(|input| match input {
            syn::Pat::Wild(_) => true,
            syn::Pat::Ident(ident) => ident.ident.to_string().starts_with('_'),
            _ => false,
        });
    constant_end || ignores_item
}

/// `MAX_CONNECTIONS`: the naming of a `const` or `static`.
fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `self.services`, `self.inner.pool`: a collection a struct owns.
pub fn is_self_field(expr: &Expr) -> bool {
    match expr {
        Expr::Field(field) => super::semantic::is_self(&field.base) || is_self_field(&field.base),
        Expr::Paren(paren) => is_self_field(&paren.expr),
        Expr::Reference(reference) => is_self_field(&reference.expr),
        _ => false,
    }
}

/// The receiver of the first `guard.<method>(name)` among `statements` (`breaker.call(reply)`,
/// also `breaker.call(Box::pin(reply))`), for one of `methods`; closures and nested items are not
/// searched, since a name there may be another binding.
pub fn guard_receiving<'s>(
    statements: &'s [syn::Stmt],
    name: &syn::Ident,
    methods: &[&str],
) -> Option<&'s Expr> {
    use syn::visit::Visit;

    struct Finder<'s, 'n> {
        name: &'n syn::Ident,
        methods: &'n [&'n str],
        found: Option<&'s Expr>,
    }

    fn names(expr: &Expr, name: &syn::Ident) -> bool {
        match expr {
            Expr::Path(path) => path.path.is_ident(name),
            Expr::Call(call) => call.args.len() == 1 && names(&call.args[0], name),
            Expr::Reference(reference) => names(&reference.expr, name),
            Expr::Paren(paren) => names(&paren.expr, name),
            _ => false,
        }
    }

    impl<'s> Visit<'s> for Finder<'s, '_> {
        fn visit_expr_method_call(&mut self, call: &'s syn::ExprMethodCall) {
            if self.found.is_some() {
                return;
            }
            let method = call.method.to_string();
            if self.methods.contains(&method.as_str())
                && call.args.iter().any(|argument| names(argument, self.name))
            {
                self.found = Some(&call.receiver);
                return;
            }
            syn::visit::visit_expr_method_call(self, call);
        }

        fn visit_expr_closure(&mut self, _: &'s syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'s syn::Item) {}
    }

    let mut finder = Finder {
        name,
        methods,
        found: None,
    };
    for statement in statements {
        finder.visit_stmt(statement);
        if finder.found.is_some() {
            break;
        }
    }
    finder.found
}

/// Iterator adaptors that turn each element into a new value (here: a future).
const PER_ITEM_ADAPTORS: &[&str] = &["map", "filter_map", "flat_map", "then", "map_ok"];

/// Streams that poll a bounded number of futures at a time.
const BOUNDED_STREAMS: &[&str] = &["buffered", "buffer_unordered", "take"];

/// What an iterator expression handed to a fan-out builds its futures from.
#[derive(Debug, PartialEq, Eq)]
pub enum FanOut {
    /// Futures made per element of a runtime collection (`urls.iter().map(fetch)`).
    Unbounded,
    /// A collection written in the code, or a chain that bounds itself.
    Bounded,
    /// A name, field or call whose contents the file does not show.
    Opaque,
}

/// Classifies the argument of `join_all`, `FuturesUnordered::from_iter`, `extend` or the
/// receiver of `.collect()`.
///
/// A range is a count, not a collection of items, when its items are ignored
/// (`(0..workers).map(|_| ..)`: a worker pool) or its end is a constant (`0..MAX_CONNECTIONS`).
/// A field of `self` is opaque: a struct's collections are its configuration (registered routes,
/// pool members, backends), sized when it was built, not per request.
pub fn fan_out(expr: &Expr) -> FanOut {
    let (root, calls) = method_chain(expr);
    if is_literal_collection(root) || is_count(root, &calls) {
        return FanOut::Bounded;
    }
    if is_self_field(root) {
        return FanOut::Opaque;
    }
    let method = |call: &&syn::ExprMethodCall| call.method.to_string();
    if calls
        .iter()
        .map(method)
        .any(|name| BOUNDED_STREAMS.contains(&name.as_str()))
    {
        return FanOut::Bounded;
    }
    if calls
        .iter()
        .map(method)
        .any(|name| PER_ITEM_ADAPTORS.contains(&name.as_str()))
    {
        return FanOut::Unbounded;
    }
    FanOut::Opaque
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(source: &str) -> FanOut {
        fan_out(&syn::parse_str(source).unwrap())
    }

    #[test]
    fn fan_out_sees_literals_adaptors_and_bounded_streams() {
        assert_eq!(classify("urls.iter().map(|u| fetch(u))"), FanOut::Unbounded);
        assert_eq!(classify("(0..n).map(fetch)"), FanOut::Unbounded);
        assert_eq!(classify("(0..n).map(|i| fetch(i))"), FanOut::Unbounded);
        assert_eq!(classify("(0..workers).map(|_| worker())"), FanOut::Bounded);
        assert_eq!(classify("(0..MAX_CONNECTIONS).map(fetch)"), FanOut::Bounded);
        assert_eq!(
            classify("self.services.iter().map(|s| s.start())"),
            FanOut::Opaque
        );
        assert_eq!(classify("(0..4).map(fetch)"), FanOut::Bounded);
        assert_eq!(classify("[a, b].into_iter().map(fetch)"), FanOut::Bounded);
        assert_eq!(classify("vec![a(), b()]"), FanOut::Bounded);
        assert_eq!(
            classify("stream::iter(urls).map(fetch).buffer_unordered(8)"),
            FanOut::Bounded
        );
        assert_eq!(classify("handles"), FanOut::Opaque);
        assert_eq!(classify("handles.into_iter()"), FanOut::Opaque);
    }

    /// The guard object's outermost name or method (`sem`, `clone`) and the acquisition kind.
    fn acquired(source: &str) -> Option<(String, Acquisition)> {
        let expr: Expr = syn::parse_str(source).unwrap();
        acquisition(&expr).map(|(guard, kind)| {
            let name = match guard {
                Expr::Path(path) => path.path.get_ident().unwrap().to_string(),
                Expr::MethodCall(call) => call.method.to_string(),
                _ => panic!("unexpected guard shape in {source}"),
            };
            (name, kind)
        })
    }

    #[test]
    fn acquisitions_see_through_awaits_and_unwraps() {
        assert_eq!(
            acquired("sem.acquire().await?"),
            Some(("sem".into(), Acquisition::Permit))
        );
        assert_eq!(
            acquired("self.sem.clone().acquire_owned().await.expect(\"open\")"),
            Some(("clone".into(), Acquisition::Permit))
        );
        assert_eq!(
            acquired("limiter.until_ready().await"),
            Some(("limiter".into(), Acquisition::Wait))
        );
        assert_eq!(acquired("sem.acquire().await.unwrap().forget()"), None);
        assert_eq!(acquired("client.send().await?"), None);
    }
}
