//! The Rust front end: a lexical pre-filter, parse with syn, one walk that builds the semantic
//! model and runs the rules, then drop the tree and release proc-macro2's span bookkeeping. A
//! file of a megabyte or more is read one piece at a time instead (`parse::InPieces`), so that
//! its whole tree is never held.

mod analyze;
pub mod checker;
pub mod comments;
pub mod data;
pub mod edits;
pub mod facts;
pub mod macros;
pub mod parse;
pub mod project;
pub mod semantic;
pub mod test_code;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::lint::Findings;
use crate::registry::{Language, Rule, RuleSet};
use crate::source::SourceText;

pub fn lint(source: &SourceText, settings: &Settings, rules: RuleSet) -> Findings {
    let comments::Lexed {
        comments,
        max_nesting,
        pieces,
    } = comments::scan(&source.text);
    // Most Rust files cannot trigger any rule (no `async` at all): parsing is most of the cost,
    // so those are not parsed, and syntax errors in them are not reported.
    if crate::prefilter::enabled()
        && !crate::prefilter::may_fire(&source.text, settings, Language::Rust, rules)
    {
        return Findings {
            diagnostics: Vec::new(),
            comments,
            summary: None,
            test_ranges: Vec::new(),
        };
    }
    // syn, the checker and dropping the tree recurse once per level.
    let unlintable_comments = comments.clone();
    crate::lint::with_stack_for(max_nesting, || {
        check(source, settings, rules, comments, &pieces)
    })
    .unwrap_or_else(|message| Findings::too_deep(message, rules, unlintable_comments))
}

/// The project summary of a text, which is parsed whatever the pre-filter would say.
pub fn summarise(
    source: &SourceText,
    settings: &Settings,
    rules: RuleSet,
) -> Option<(
    crate::project::summary::FileSummary,
    Vec<ruff_text_size::TextRange>,
)> {
    let comments::Lexed {
        comments,
        max_nesting,
        pieces,
    } = comments::scan(&source.text);
    let findings = crate::lint::with_stack_for(max_nesting, || {
        check(source, settings, rules, comments, &pieces)
    })
    .ok()?;
    Some((findings.summary?, findings.comments))
}

fn check(
    source: &SourceText,
    settings: &Settings,
    rules: RuleSet,
    comments: Vec<ruff_text_size::TextRange>,
    pieces: &comments::Pieces,
) -> Findings {
    let turn = crate::lint::large_file_turn(&source.text);
    let read_in_pieces = parse::InPieces::new(&source.text, pieces)
        .and_then(|pieces| checker::Checker::new(source, settings, rules).run_in_pieces(pieces));
    let parsed = match read_in_pieces {
        Some(walked) => Ok(walked),
        None => parse::parse_file(source).map(|file| {
            let test_ranges = test_code::test_ranges(&file.items, &parse::Spans::new(source));
            let (diagnostics, summary) = checker::Checker::new(source, settings, rules).run(&file);
            (diagnostics, summary, test_ranges)
        }),
    };
    let findings = match parsed {
        Ok((diagnostics, summary, test_ranges)) => Findings {
            diagnostics,
            comments,
            summary,
            test_ranges,
        },
        Err(error) => Findings {
            diagnostics: if is_template(&source.text) {
                // Not Rust source that fails to parse, but a file generated from: LG003, if
                // enabled, rather than a syntax error to fix.
                rules
                    .contains(Rule::UnlintableFile)
                    .then(|| {
                        Diagnostic::new(
                            Rule::UnlintableFile,
                            "not Rust source: a template (`{{ .. }}`/`{% .. %}` placeholders) that generates it",
                            ruff_text_size::TextRange::default(),
                        )
                    })
                    .into_iter()
                    .collect()
            } else {
                vec![Diagnostic::new(
                    Rule::ParseError,
                    format!("syntax error: {}", error.message),
                    error.range,
                )]
            },
            comments: Vec::new(),
            summary: crate::project::summarises(rules).then(Default::default),
            test_ranges: Vec::new(),
        },
    };
    parse::release_spans();
    drop(turn);
    findings
}

/// Whether a `.rs` file that does not parse is a template (cargo-generate's Liquid, Tera,
/// Handlebars): a line with a `{% .. %}` tag or a `{{ name }}` placeholder.
fn is_template(text: &str) -> bool {
    text.lines().any(|line| {
        let tag = line
            .find("{%")
            .is_some_and(|start| line[start..].contains("%}"));
        let placeholder = line.find("{{").is_some_and(|start| {
            let rest = &line[start + 2..];
            rest.find("}}").is_some_and(|end| {
                let inside = rest[..end].trim();
                !inside.is_empty()
                    && inside
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '|' | ' '))
            })
        });
        tag || placeholder
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_default(text: &str) -> Vec<Rule> {
        let settings = Settings::new(
            None,
            &crate::config::CliOverrides::default(),
            std::path::Path::new("."),
        );
        let source = SourceText::new(text.to_string(), None);
        lint(&source, &settings, settings.rules_in(Language::Rust))
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.rule)
            .collect()
    }

    /// Every Rust fixture, cut before every item where a large file may be cut and read one
    /// piece at a time, gives the findings, project summary and test items of a whole parse.
    #[test]
    fn a_file_read_in_pieces_is_checked_as_parsed_whole() {
        let overrides = crate::config::CliOverrides {
            select: Some(vec![crate::registry::Selector::All]),
            ..Default::default()
        };
        let settings = Settings::new(None, &overrides, std::path::Path::new("."));
        let rules = settings.rules_in(Language::Rust);
        let mut directories =
            vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        let mut read_in_pieces = 0;
        while let Some(directory) = directories.pop() {
            for entry in std::fs::read_dir(&directory).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    directories.push(path);
                    continue;
                }
                if path.extension().is_none_or(|extension| extension != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let source = SourceText::new(text.clone(), None);
                let lexed = comments::scan_in_chunks(&text, Some(1));
                if parse::parse_file(&source).is_err() {
                    continue;
                }
                let in_pieces = parse::InPieces::new(&text, &lexed.pieces).and_then(|pieces| {
                    checker::Checker::new(&source, &settings, rules).run_in_pieces(pieces)
                });
                assert!(
                    in_pieces.is_some() || lexed.pieces.cuts.is_empty(),
                    "{}",
                    path.display()
                );
                read_in_pieces += usize::from(in_pieces.is_some());
                let whole = check(
                    &source,
                    &settings,
                    rules,
                    lexed.comments.clone(),
                    &Default::default(),
                );
                let pieces = check(&source, &settings, rules, lexed.comments, &lexed.pieces);
                assert_eq!(whole.diagnostics, pieces.diagnostics, "{}", path.display());
                assert_eq!(whole.summary, pieces.summary, "{}", path.display());
                assert_eq!(whole.test_ranges, pieces.test_ranges, "{}", path.display());
            }
        }
        assert!(read_in_pieces >= 80, "{read_in_pieces}");
    }

    #[test]
    fn a_template_is_lg003_and_broken_rust_is_lg001() {
        let template =
            "use {{crate_name}}::Config;\n{% if tokio %}\nasync fn main() {}\n{% endif %}\n";
        assert_eq!(lint_default(template), [Rule::UnlintableFile]);
        assert_eq!(lint_default("async fn main( {\n"), [Rule::ParseError]);
    }

    #[test]
    fn templates_are_told_from_rust_that_does_not_parse() {
        assert!(is_template(
            "fn main() {\n    println!(\"{{project-name}}\");\n}\n{% if tokio %}"
        ));
        assert!(is_template("use {{ crate_name }}::App;\n"));
        assert!(!is_template("fn main() { println!(\"{{}}\", 1) \n"));
        assert!(!is_template("fn main( {\n"));
    }
}
