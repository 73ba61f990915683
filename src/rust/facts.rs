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
pub fn fan_out(expr: &Expr) -> FanOut {
    let (root, calls) = method_chain(expr);
    if is_literal_collection(root) {
        return FanOut::Bounded;
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
}
