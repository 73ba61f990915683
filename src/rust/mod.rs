//! The Rust front end: a lexical pre-filter, parse with syn, one walk that builds the semantic
//! model and runs the rules, then drop the tree and release proc-macro2's span bookkeeping.

mod analyze;
pub mod checker;
pub mod comments;
pub mod data;
pub mod edits;
pub mod facts;
pub mod macros;
pub mod parse;
pub mod semantic;

pub use analyze::triggers;
pub use data::CallTables;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::lint::Findings;
use crate::registry::{Rule, RuleSet};
use crate::source::SourceText;

pub fn lint(source: &SourceText, settings: &Settings, rules: RuleSet) -> Findings {
    let comments::Lexed {
        comments,
        max_nesting,
    } = comments::scan(&source.text);
    // Most Rust files cannot trigger any rule (no `async` at all): parsing is most of the cost,
    // so those are not parsed, and syntax errors in them are not reported.
    if crate::prefilter::enabled() && !analyze::may_fire(&source.text, settings, rules) {
        return Findings {
            diagnostics: Vec::new(),
            comments,
        };
    }
    // syn, the checker and dropping the tree recurse once per level.
    let unlintable_comments = comments.clone();
    crate::lint::with_stack_for(max_nesting, || check(source, settings, rules, comments))
        .unwrap_or_else(|message| Findings::too_deep(message, rules, unlintable_comments))
}

fn check(
    source: &SourceText,
    settings: &Settings,
    rules: RuleSet,
    comments: Vec<ruff_text_size::TextRange>,
) -> Findings {
    let findings = match parse::parse_file(source) {
        Ok(file) => {
            let diagnostics = checker::Checker::new(source, settings, rules).run(&file);
            drop(file);
            Findings {
                diagnostics,
                comments,
            }
        }
        Err(error) => Findings {
            diagnostics: vec![Diagnostic::new(
                Rule::ParseError,
                format!("syntax error: {}", error.message),
                error.range,
            )],
            comments: Vec::new(),
        },
    };
    parse::release_spans();
    findings
}
