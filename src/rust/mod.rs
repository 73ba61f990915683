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

/// syn, the checker and dropping the tree recurse once per nesting level (up to ~8 KB per level
/// in a debug build). The workers' 64 MB stacks hold this many levels with a wide margin.
const SHALLOW_NESTING: usize = 2_000;
/// Deeper files are analysed on a thread of their own with this much stack per level: only the
/// pages actually touched are committed, so the reservation itself costs nothing.
const STACK_PER_LEVEL: usize = 64 * 1024;
/// Beyond this reservation (65,536 levels) a file is reported as unlintable instead.
const MAX_STACK: usize = 4 << 30;

pub fn lint(source: &SourceText, settings: &Settings, rules: RuleSet) -> Findings {
    let comments::Lexed {
        comments,
        max_nesting,
    } = comments::scan(&source.text);
    // Most Rust files cannot trigger any rule (no `async` at all): parsing is most of the cost,
    // so those are not parsed, and syntax errors in them are not reported.
    if crate::prefilter::enabled() && !analyze::may_fire(&source.text, rules) {
        return Findings {
            diagnostics: Vec::new(),
            comments,
        };
    }
    if max_nesting > SHALLOW_NESTING {
        return lint_deeply_nested(source, settings, rules, comments, max_nesting);
    }
    check(source, settings, rules, comments)
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

fn lint_deeply_nested(
    source: &SourceText,
    settings: &Settings,
    rules: RuleSet,
    comments: Vec<ruff_text_size::TextRange>,
    max_nesting: usize,
) -> Findings {
    let stack_size = max_nesting.saturating_mul(STACK_PER_LEVEL);
    if stack_size > MAX_STACK {
        let diagnostics = rules
            .contains(Rule::UnlintableFile)
            .then(|| {
                Diagnostic::new(
                    Rule::UnlintableFile,
                    format!(
                        "brackets nest {max_nesting} levels deep, more than the {} loopguard can analyse",
                        MAX_STACK / STACK_PER_LEVEL
                    ),
                    ruff_text_size::TextRange::default(),
                )
            })
            .into_iter()
            .collect();
        return Findings {
            diagnostics,
            comments,
        };
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            // Named like the pool's workers so that a panic is still captured as LG004.
            .name("loopguard-worker-deep".to_string())
            .stack_size(stack_size)
            .spawn_scoped(scope, || check(source, settings, rules, comments));
        match worker {
            Ok(worker) => worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(error) => Findings {
                diagnostics: vec![Diagnostic::new(
                    Rule::UnlintableFile,
                    format!("brackets nest {max_nesting} levels deep and no thread with a deep enough stack could be started: {error}"),
                    ruff_text_size::TextRange::default(),
                )],
                comments: Vec::new(),
            },
        }
    })
}
