//! Building blocks for the edits Rust fixes are made of, so that every rule refers to a path and
//! adds its `use` item the same way.

use proc_macro2::Span;
use ruff_text_size::{TextRange, TextSize};

use super::checker::Checker;
use super::facts;
use super::parse::Spans;
use crate::diagnostic::Edit;
use crate::source::{line_ending, next_line_start};

/// How a fix refers to an item: the path to write, plus the `use` item to add when the file
/// does not import it yet.
#[derive(Debug, PartialEq, Eq)]
pub struct PathReference {
    pub name: String,
    pub import: Option<Edit>,
}

/// How to write `path` (`loopguard_shim::join_all_bounded`) where the checker stands:
/// - through what the file already imports (`use loopguard_shim::join_all_bounded as bounded;`
///   → `bounded`, `use loopguard_shim as shim;` → `shim::join_all_bounded`);
/// - else by its last segment, with `use <path>;` added to the file's `use` items;
/// - else, when that name is taken or the file's `use` items do not reach here (an inline
///   `mod`), as the full path.
///
/// To import a module rather than an item (`tokio::fs` for `fs::read`), pass the module's path
/// and append the rest to the name. Every fix that needs the same path builds the same edit, so
/// the engine adds the `use` item once.
pub fn path_reference(checker: &Checker, path: &str) -> PathReference {
    if let Some(name) = checker.semantic.name_for(path) {
        return PathReference { name, import: None };
    }
    let last_segment = path.rsplit("::").next().unwrap_or(path);
    if let Some(import_point) = checker.import_point {
        let importable = !PRELUDE.contains(&last_segment)
            && !checker.semantic.in_nested_module()
            && checker.semantic.is_free_in_file(last_segment);
        if importable {
            return PathReference {
                name: last_segment.to_string(),
                import: Some(import_point.edit(&checker.source.text, path)),
            };
        }
    }
    PathReference {
        name: path.to_string(),
        import: None,
    }
}

/// Names of the standard prelude: importing another item under one of them would change what
/// the rest of the file means by it.
const PRELUDE: &[&str] = &[
    "Box",
    "Vec",
    "String",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Default",
    "Drop",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Extend",
    "FromIterator",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "TryFrom",
    "TryInto",
    "drop",
    "Future",
    "IntoFuture",
];

/// Where a file's new `use` items go: after its last top-level `use` item; without one, after
/// its inner attributes and `//!` docs; without those, after a leading comment block that a
/// blank line separates from the code (a licence header), else at the top (after a shebang).
#[derive(Debug, Clone, Copy)]
pub struct ImportPoint {
    at: TextSize,
    /// Whether the new item starts a group of its own (after attributes or a header), separated
    /// from what precedes it by a blank line, or must be followed by one (at the top).
    placement: Placement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    AmongUses,
    AfterPreamble,
    BeforeCode,
}

impl ImportPoint {
    /// Computed from spans that cost nothing to get (no item is re-tokenised).
    pub fn of(file: &syn::File, spans: Spans) -> Self {
        Self::after(&file.attrs, Self::last_use(&file.items), spans)
    }

    /// The `;` of the last `use` item among `items`.
    pub fn last_use(items: &[syn::Item]) -> Option<Span> {
        items.iter().rev().find_map(|item| match item {
            syn::Item::Use(item_use) => Some(item_use.semi_token.span),
            _ => None,
        })
    }

    /// The import point of a file with these inner attributes and the last top-level `use`
    /// item ending at `last_use`.
    pub fn after(attributes: &[syn::Attribute], last_use: Option<Span>, spans: Spans) -> Self {
        let text = spans.text();
        if let Some(semicolon) = last_use {
            return ImportPoint {
                at: next_line_start(text, spans.range(semicolon).end()),
                placement: Placement::AmongUses,
            };
        }
        let inner_attributes = attributes
            .iter()
            .rev()
            .find(|attribute| matches!(attribute.style, syn::AttrStyle::Inner(_)));
        if let Some(attribute) = inner_attributes {
            let end = spans.range(attribute.bracket_token.span.close()).end();
            return ImportPoint {
                at: next_line_start(text, end),
                placement: Placement::AfterPreamble,
            };
        }
        ImportPoint {
            at: after_header(text),
            placement: Placement::BeforeCode,
        }
    }

    fn edit(&self, text: &str, path: &str) -> Edit {
        let newline = line_ending(text);
        let at_end_without_break =
            self.at == TextSize::of(text) && !text.is_empty() && !text.ends_with(['\n', '\r']);
        let before = if at_end_without_break { newline } else { "" };
        let content = match self.placement {
            Placement::AmongUses => format!("{before}use {path};{newline}"),
            Placement::AfterPreamble => format!("{before}{newline}use {path};{newline}"),
            Placement::BeforeCode => format!("use {path};{newline}{newline}"),
        };
        Edit::insertion(self.at, content)
    }
}

/// The offset after a BOM, a shebang line, and a leading block of `//` comments when a blank
/// line follows it (a header, not a comment about the first item), with those blank lines.
fn after_header(text: &str) -> TextSize {
    let mut at = if text.starts_with('\u{feff}') {
        TextSize::of('\u{feff}')
    } else {
        TextSize::default()
    };
    let rest = &text[at.to_usize()..];
    if rest.starts_with("#!") && !rest.starts_with("#![") {
        at = next_line_start(text, at);
    }
    let code_start = at;
    let mut saw_comment = false;
    loop {
        let line_end = next_line_start(text, at);
        if line_end == at {
            break;
        }
        let line = text[TextRange::new(at, line_end)].trim();
        let is_plain_comment =
            line.starts_with("//") && !line.starts_with("///") && !line.starts_with("//!");
        if is_plain_comment {
            saw_comment = true;
        } else if line.is_empty() && saw_comment {
            // The header ends at a blank line: skip the blank lines too.
            let mut after_blank = line_end;
            while after_blank < TextSize::of(text) {
                let next = next_line_start(text, after_blank);
                if !text[TextRange::new(after_blank, next)].trim().is_empty() {
                    break;
                }
                after_blank = next;
            }
            return after_blank;
        } else {
            break;
        }
        at = line_end;
    }
    code_start
}

/// `call` as it would run in `tokio::task::spawn_blocking`, whose closure must be `'static` and
/// so own what it uses: `bcrypt::verify(password, &user.hash)` →
/// `tokio::task::spawn_blocking({ let password = password.to_owned(); let hash =
/// user.hash.to_owned(); move || bcrypt::verify(&password, &hash) }).await.expect(..)`.
/// `parameters` says how each argument gets there (see `Offload`): a borrowed byte string is
/// copied with `to_owned()` (`&str` → `String`, `&[u8]` → `Vec<u8>`) and lent to the call, which
/// the original signature accepts by deref coercion or `AsRef`; a `Copy` value is copied in as
/// it is when a literal or a path, else evaluated before the closure. Literals and paths that
/// start upper-case (consts, statics) stay where they are. One line, so that the fix changes
/// the call and nothing around it. None when an argument is `&mut`, when the counts differ, or
/// when a copy would take a name the callee or another argument reads.
pub fn offloaded_call(
    checker: &Checker,
    call: &syn::ExprCall,
    parameters: &[String],
) -> Option<String> {
    if call.args.len() != parameters.len() {
        return None;
    }
    let function = checker.node_text(&*call.func);
    let mut copies = Vec::new();
    let mut arguments = Vec::new();
    for (index, (argument, parameter)) in call.args.iter().zip(parameters).enumerate() {
        let (parameter, borrowed) = match parameter.strip_prefix('&') {
            Some(parameter) => (parameter, true),
            None => (parameter.as_str(), false),
        };
        let lent = match argument {
            syn::Expr::Reference(reference) if borrowed => {
                if reference.mutability.is_some() {
                    return None;
                }
                &*reference.expr
            }
            _ => argument,
        };
        if stays_in_place(lent, borrowed) {
            arguments.push(checker.node_text(argument).to_string());
            continue;
        }
        let name = copy_name(lent).unwrap_or_else(|| parameter.to_string());
        let read_elsewhere =
            call.args.iter().enumerate().any(|(other, argument)| {
                other != index && facts::mentions_identifier(argument, &name)
            });
        let shadowed = read_elsewhere
            || facts::mentions_identifier(&call.func, &name)
            || copies.iter().any(|(copy, _)| *copy == name);
        if shadowed {
            return None;
        }
        let text = checker.node_text(lent);
        let value = if !borrowed {
            text.to_string()
        } else if is_postfix(lent) {
            format!("{text}.to_owned()")
        } else {
            format!("({text}).to_owned()")
        };
        arguments.push(if borrowed {
            format!("&{name}")
        } else {
            name.clone()
        });
        copies.push((name, value));
    }
    let copies: String = copies
        .iter()
        .map(|(name, value)| format!("let {name} = {value}; "))
        .collect();
    let closure = format!("move || {function}({})", arguments.join(", "));
    let task = if copies.is_empty() {
        closure
    } else {
        format!("{{ {copies}{closure} }}")
    };
    Some(format!(
        "tokio::task::spawn_blocking({task}).await.expect(\"the hashing task panicked\")"
    ))
}

/// A literal, or a path that names a const or static (or, for a `Copy` value, a local, which the
/// `move` closure copies).
fn stays_in_place(argument: &syn::Expr, borrowed: bool) -> bool {
    match argument {
        syn::Expr::Lit(_) => true,
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => {
            matches!(*unary.expr, syn::Expr::Lit(_))
        }
        syn::Expr::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            let constant = segments.len() > 1
                || segments.first().is_some_and(|segment| {
                    segment.ident.to_string().starts_with(char::is_uppercase)
                });
            constant || !borrowed
        }
        _ => false,
    }
}

/// The name a copy of the argument reads best under: the local it is (`password`), or the field
/// it reads (`user.password_hash`).
fn copy_name(argument: &syn::Expr) -> Option<String> {
    let ident = match argument {
        syn::Expr::Path(path) => path.path.get_ident()?,
        syn::Expr::Field(field) => match &field.member {
            syn::Member::Named(ident) => ident,
            syn::Member::Unnamed(_) => return None,
        },
        _ => return None,
    };
    Some(ident.to_string()).filter(|name| name != "self")
}

/// Whether `.to_owned()` can follow the expression's text without parentheses.
fn is_postfix(expression: &syn::Expr) -> bool {
    matches!(
        expression,
        syn::Expr::Path(_)
            | syn::Expr::Field(_)
            | syn::Expr::MethodCall(_)
            | syn::Expr::Call(_)
            | syn::Expr::Index(_)
            | syn::Expr::Paren(_)
            | syn::Expr::Lit(_)
            | syn::Expr::Macro(_)
    )
}

#[cfg(test)]
mod tests {
    use crate::config::{CliOverrides, Settings};
    use crate::registry::RuleSet;
    use crate::rust::checker::Checker;
    use crate::rust::parse;
    use crate::rust::semantic::ScopeKind;
    use crate::source::SourceText;

    use super::*;

    /// `path_reference` asked in the body of the file's first function (inside `mod inner` when
    /// there is one): the name to write, and the file once the import (if any) is added.
    fn reference(source: &str, path: &str) -> (String, String) {
        let text = SourceText::new(source.to_string(), None);
        let file = parse::parse_file(&text).unwrap_or_else(|error| panic!("{}", error.message));
        let settings = Settings::new(None, &CliOverrides::default(), std::path::Path::new("."));
        let mut checker = Checker::new(&text, &settings, RuleSet::empty());
        checker.import_point = Some(ImportPoint::of(&file, Spans::new(&text)));
        let module = ScopeKind::Module {
            inherits_parent: false,
        };
        checker.semantic.push_scope(module);
        checker.semantic.declare_items(file.items.iter());
        let mut items = &file.items;
        if let Some(inner) = items.iter().find_map(|item| match item {
            syn::Item::Mod(inner) => inner.content.as_ref(),
            _ => None,
        }) {
            checker.semantic.push_scope(module);
            checker.semantic.declare_items(inner.1.iter());
            items = &inner.1;
        }
        let function = items
            .iter()
            .find_map(|item| match item {
                syn::Item::Fn(function) => Some(function),
                _ => None,
            })
            .expect("a function");
        checker.semantic.push_scope(ScopeKind::Function {
            is_async: true,
            poll_method: false,
        });
        let statements = &function.block.stmts;
        checker
            .semantic
            .declare_items(statements.iter().filter_map(|statement| match statement {
                syn::Stmt::Item(item) => Some(item),
                _ => None,
            }));
        for statement in statements {
            if let syn::Stmt::Local(local) = statement {
                checker.semantic.bind_unknown(&local.pat);
            }
        }
        let PathReference { name, import } = path_reference(&checker, path);
        drop(file);
        parse::release_spans();
        let mut fixed = source.to_string();
        if let Some(edit) = import {
            fixed.replace_range(std::ops::Range::<usize>::from(edit.range), &edit.content);
            assert!(syn::parse_file(&fixed).is_ok(), "{fixed}");
        }
        (name, fixed)
    }

    const JOIN: &str = "loopguard_shim::join_all_bounded";

    #[test]
    fn existing_imports_and_aliases_are_reused() {
        let source = "use loopguard_shim::join_all_bounded;\nasync fn f() {}\n";
        assert_eq!(
            reference(source, JOIN),
            ("join_all_bounded".into(), source.into())
        );
        let source = "use loopguard_shim::join_all_bounded as bounded;\nasync fn f() {}\n";
        assert_eq!(reference(source, JOIN), ("bounded".into(), source.into()));
        let source = "use loopguard_shim as shim;\nasync fn f() {}\n";
        assert_eq!(reference(source, JOIN).0, "shim::join_all_bounded");
        let source = "use loopguard_shim::{self, retry};\nasync fn f() {}\n";
        assert_eq!(
            reference(source, JOIN).0,
            "loopguard_shim::join_all_bounded"
        );
        let source = "async fn f() {\n    use loopguard_shim::join_all_bounded as j;\n}\n";
        assert_eq!(reference(source, JOIN), ("j".into(), source.into()));
    }

    #[test]
    fn the_use_goes_after_the_last_top_level_use() {
        let source = "//! Docs.\nuse std::time::Duration;\nuse tokio::sync::Mutex; // why\n\nasync fn f() {}\n";
        assert_eq!(
            reference(source, JOIN),
            (
                "join_all_bounded".into(),
                "//! Docs.\nuse std::time::Duration;\nuse tokio::sync::Mutex; // why\nuse loopguard_shim::join_all_bounded;\n\nasync fn f() {}\n".into()
            )
        );
        let crlf = "use std::time::Duration;\r\nasync fn f() {}";
        assert_eq!(
            reference(crlf, JOIN).1,
            "use std::time::Duration;\r\nuse loopguard_shim::join_all_bounded;\r\nasync fn f() {}"
        );
    }

    #[test]
    fn without_uses_it_goes_after_inner_attributes_and_docs() {
        let source = "//! The crate.\n#![allow(dead_code)]\n\nasync fn f() {}\n";
        assert_eq!(
            reference(source, JOIN).1,
            "//! The crate.\n#![allow(dead_code)]\n\nuse loopguard_shim::join_all_bounded;\n\nasync fn f() {}\n"
        );
    }

    #[test]
    fn without_a_preamble_it_goes_after_a_header_or_at_the_top() {
        let source =
            "#!/usr/bin/env rust-script\n// Licence header.\n\n// About f.\nasync fn f() {}\n";
        assert_eq!(
            reference(source, JOIN).1,
            "#!/usr/bin/env rust-script\n// Licence header.\n\nuse loopguard_shim::join_all_bounded;\n\n// About f.\nasync fn f() {}\n"
        );
        let source = "\u{feff}// About f.\nasync fn f() {}\n";
        assert_eq!(
            reference(source, JOIN).1,
            "\u{feff}use loopguard_shim::join_all_bounded;\n\n// About f.\nasync fn f() {}\n"
        );
    }

    #[test]
    fn a_taken_name_or_an_inline_module_gets_the_full_path() {
        let source = "async fn f() {}\n";
        assert_eq!(reference(source, "my_shim::Result").0, "my_shim::Result");
        let source = "use other::join_all_bounded;\nasync fn f() {}\n";
        assert_eq!(reference(source, JOIN), (JOIN.into(), source.into()));
        let source = "async fn f() {}\nfn join_all_bounded() {}\n";
        assert_eq!(reference(source, JOIN), (JOIN.into(), source.into()));
        let source = "async fn f() {\n    let join_all_bounded = 1;\n}\n";
        assert_eq!(reference(source, JOIN).0, JOIN);
        let source = "use std::fs;\nmod inner {\n    async fn f() {}\n}\n";
        assert_eq!(reference(source, JOIN), (JOIN.into(), source.into()));
        let source = "use loopguard_shim::join_all_bounded;\nmod inner {\n    use super::*;\n    async fn f() {}\n}\n";
        assert_eq!(reference(source, JOIN).0, "join_all_bounded");
    }
}
