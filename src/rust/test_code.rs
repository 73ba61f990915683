//! The test items of an ordinary Rust file (see `crate::test_code`): items under `#[cfg(test)]`
//! (the inline `mod tests` above all) and functions marked as tests (`#[test]`, `#[tokio::test]`,
//! `#[sqlx::test]`, `#[rstest]`, `#[test_case(..)]`).

use proc_macro2::{TokenStream, TokenTree};
use ruff_text_size::TextRange;
use syn::spanned::Spanned;
use syn::{Attribute, Item};

use super::parse::Spans;

/// Attribute names (the last segment of the path) that make a function a test.
const TEST_ATTRIBUTES: &[&str] = &["test", "rstest", "test_case", "quickcheck"];

/// The ranges of the test items among `items` (a file's), in order.
pub fn test_ranges(items: &[Item], spans: &Spans) -> Vec<TextRange> {
    let mut ranges = Vec::new();
    // Inline modules nest to any depth: a work list, not recursion.
    let mut items: Vec<&[Item]> = vec![items];
    while let Some(level) = items.pop() {
        for item in level {
            match item {
                Item::Fn(function)
                    if function.attrs.iter().any(|attribute| {
                        is_cfg_test(attribute) || is_test_attribute(attribute)
                    }) =>
                {
                    ranges.push(spans.range(item.span()));
                }
                Item::Mod(module) if module.attrs.iter().any(is_cfg_test) => {
                    ranges.push(spans.range(item.span()));
                }
                Item::Mod(module) => {
                    if let Some((_, content)) = &module.content {
                        items.push(content);
                    }
                }
                Item::Impl(block) if block.attrs.iter().any(is_cfg_test) => {
                    ranges.push(spans.range(item.span()));
                }
                _ => {}
            }
        }
    }
    ranges.sort_by_key(|range| range.start());
    ranges
}

fn is_test_attribute(attribute: &Attribute) -> bool {
    attribute
        .path()
        .segments
        .last()
        .is_some_and(|segment| TEST_ATTRIBUTES.contains(&segment.ident.to_string().as_str()))
}

/// `#[cfg(test)]`, `#[cfg(all(test, feature = "x"))]`, `#[cfg(any(test, fuzzing))]`: `test`
/// outside a `not(..)`.
fn is_cfg_test(attribute: &Attribute) -> bool {
    if !attribute.path().is_ident("cfg") {
        return false;
    }
    let syn::Meta::List(list) = &attribute.meta else {
        return false;
    };
    names_test(list.tokens.clone())
}

fn names_test(tokens: TokenStream) -> bool {
    // Predicates nest to any depth: a work list, not recursion.
    let mut streams = vec![tokens];
    while let Some(stream) = streams.pop() {
        let mut after_not = false;
        for token in stream {
            match token {
                TokenTree::Ident(ident) if ident == "test" => return true,
                TokenTree::Ident(ident) => after_not = ident == "not",
                TokenTree::Group(group) => {
                    if !after_not {
                        streams.push(group.stream());
                    }
                    after_not = false;
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) => after_not = false,
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> bool {
        let attribute: Attribute = syn::parse_quote!(#[cfg(placeholder)]);
        let mut attribute = attribute;
        attribute.meta = syn::parse_str(&format!("cfg({text})")).unwrap();
        is_cfg_test(&attribute)
    }

    #[test]
    fn cfg_predicates_that_compile_only_under_test() {
        assert!(cfg("test"));
        assert!(cfg("all(test, feature = \"db\")"));
        assert!(cfg("any(test, fuzzing)"));
        assert!(!cfg("not(test)"));
        assert!(!cfg("all(not(test), unix)"));
        assert!(!cfg("feature = \"test\""));
        assert!(!cfg("unix"));
    }
}
