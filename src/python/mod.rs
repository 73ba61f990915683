//! The Python front end: parse once, build the semantic model while walking, run the rules.

mod analyze;
pub mod blocking;
pub mod checker;
pub mod data;
mod depth;
pub mod edits;
pub mod facts;
pub mod parse;
pub mod project;
pub mod semantic;
mod stdlib;
pub mod test_code;
pub mod versions;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::lint::Findings;
use crate::registry::{Language, Rule, RuleSet};
use crate::source::SourceText;

/// `asyncio` of `asyncio.tasks.gather`: the package a dotted module or qualified name starts
/// with.
pub(crate) fn top_level_package(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

pub fn lint(source: &SourceText, settings: &Settings, rules: RuleSet) -> Findings {
    // A file no enabled rule can fire in is not parsed (see `prefilter`); one that may hold a
    // suppression comment still is, so that its suppressions are reported.
    if crate::prefilter::enabled()
        && !crate::prefilter::may_fire(&source.text, settings, Language::Python, rules)
        && !crate::prefilter::may_suppress(&source.text)
    {
        return Findings::default();
    }
    // ruff's parser and the checker recurse once per nesting level and chain link.
    crate::lint::with_stack_for(depth::estimate(&source.text), || {
        check(source, settings, rules)
    })
    .unwrap_or_else(|message| Findings::too_deep(message, rules, Vec::new()))
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
    let findings = crate::lint::with_stack_for(depth::estimate(&source.text), || {
        check(source, settings, rules)
    })
    .ok()?;
    Some((findings.summary?, findings.comments))
}

fn check(source: &SourceText, settings: &Settings, rules: RuleSet) -> Findings {
    let _turn = crate::lint::large_file_turn(&source.text);
    let parsed = parse::ParsedModule::parse(&source.text);
    if let Some(error) = parsed.syntax_error() {
        let mut message = format!("syntax error: {}", error.message);
        if error.count > 1 {
            message.push_str(&format!(" (and {} more)", error.count - 1));
        }
        return Findings {
            diagnostics: vec![Diagnostic::new(Rule::ParseError, message, error.range)],
            comments: Vec::new(),
            summary: crate::project::summarises(rules).then(Default::default),
            test_ranges: Vec::new(),
        };
    }
    let checker = checker::Checker::new(parsed.module(), &source.text, settings, rules);
    let test_ranges = test_code::test_ranges(parsed.module(), &checker.semantic);
    let (diagnostics, summary) = checker.run();
    Findings {
        diagnostics,
        comments: parsed.comment_ranges().collect(),
        summary,
        test_ranges,
    }
}
