//! `check --add-noqa`: a suppression comment for every current finding, for teams that adopt
//! loopguard on legacy code with inline suppressions rather than a baseline file.
//!
//! A finding is suppressed on its own line when a comment can end that line, else on the first
//! line of its statement (which covers the whole statement, see `suppress`); where neither line
//! can end in one (a Rust line that ends in a comment already, a statement that opens a
//! multi-line string), a `loopguard: allow(...)` on a line of its own above. Whether a
//! comment may go somewhere is not guessed from the text: the edited text is re-parsed and its
//! suppressions re-read, and a comment that did not come out as a suppression of its rules on
//! its line (it fell inside a string, a block comment, after a line continuation) is taken back
//! and the next place tried. A finding with no place left is reported and left alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::Diagnostic;
use crate::registry::{Language, Rule};
use crate::source::SourceText;
use crate::suppress::Suppression;

/// What `--add-noqa` did to one file.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings now suppressed.
    pub added: usize,
    /// Findings left as they were: the rule, the 1-based line, and why.
    pub skipped: Vec<(Rule, usize, String)>,
}

/// Where a comment goes: at the end of a line, or on a line of its own above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    EndOf(usize),
    Above(usize),
}

impl Place {
    /// The line a suppression placed here applies to.
    fn target(self) -> usize {
        match self {
            Place::EndOf(line) | Place::Above(line) => line,
        }
    }
}

/// Suppresses every finding in `diagnostics` that loopguard lets a comment suppress, writing
/// the file (atomically, in its encoding) when anything changed. `suppressions_of` lints a
/// text as this file and returns its suppressions.
pub fn add_noqa(
    path: &Path,
    language: Language,
    source: &SourceText,
    diagnostics: &[Diagnostic],
    roots: &[PathBuf],
    suppressions_of: impl Fn(&SourceText) -> Vec<Suppression>,
) -> Outcome {
    let mut outcome = Outcome::default();
    // Per finding: the places still to try, best first.
    let mut findings: Vec<(Rule, usize, Vec<Place>)> = Vec::new();
    for diagnostic in diagnostics {
        if diagnostic.rule.meta().is_tool_code() {
            continue;
        }
        let line = source.line_of(diagnostic.range.start());
        let mut lines = vec![line];
        if let Some(statement) = diagnostic.statement_start.map(|at| source.line_of(at)) {
            if statement != line {
                lines.push(statement);
            }
        }
        // A line of its own comes last: the end of the line is where `noqa` goes by convention.
        let mut places: Vec<Place> = lines.iter().map(|line| Place::EndOf(*line)).collect();
        places.extend(lines.iter().map(|line| Place::Above(*line)));
        findings.push((diagnostic.rule, line, places));
    }
    if findings.is_empty() {
        return outcome;
    }
    // Each round drops the places that did not work; a finding has at most four.
    let mut text;
    loop {
        let mut wanted: BTreeMap<Place, Vec<Rule>> = BTreeMap::new();
        for (rule, _, places) in &findings {
            if let Some(place) = places.first() {
                wanted.entry(*place).or_default().push(*rule);
            }
        }
        if wanted.is_empty() {
            text = source.text.clone();
            break;
        }
        text = with_comments(source, language, &wanted);
        if crate::fix::syntax_error(language, &text).is_some() {
            // A comment after a line continuation, say: the places that break the text on
            // their own are given up, and the rest tried again.
            let breaking: Vec<Place> = wanted
                .iter()
                .filter(|(place, rules)| {
                    let alone = BTreeMap::from([(**place, (*rules).clone())]);
                    crate::fix::syntax_error(language, &with_comments(source, language, &alone))
                        .is_some()
                })
                .map(|(place, _)| *place)
                .collect();
            for (_, _, places) in &mut findings {
                // Together they break it though none does alone: none of them is kept.
                if places
                    .first()
                    .is_some_and(|place| breaking.is_empty() || breaking.contains(place))
                {
                    places.remove(0);
                }
            }
            continue;
        }
        let edited = SourceText::new(text.clone(), source.declared_encoding.clone());
        let suppressions = suppressions_of(&edited);
        // The lines a comment was inserted above moved down by one each.
        let inserted_above: Vec<usize> = wanted
            .keys()
            .filter_map(|place| match place {
                Place::Above(line) => Some(*line),
                Place::EndOf(_) => None,
            })
            .collect();
        let mut retry = false;
        for (rule, _, places) in &mut findings {
            let Some(place) = places.first() else {
                continue;
            };
            let target = place.target()
                + inserted_above
                    .iter()
                    .filter(|line| **line <= place.target())
                    .count();
            let covered = suppressions.iter().any(|suppression| {
                suppression.target_line == Some(target)
                    && suppression
                        .rules
                        .as_ref()
                        .is_none_or(|rules| rules.contains(rule))
            });
            if !covered {
                places.remove(0);
                retry = true;
            }
        }
        if !retry {
            break;
        }
    }
    for (rule, line, places) in &findings {
        if places.is_empty() {
            outcome.skipped.push((
                *rule,
                *line,
                "no comment can go on its line or its statement's first line (inside a string, or after a line continuation)".to_string(),
            ));
        } else {
            outcome.added += 1;
        }
    }
    if outcome.added == 0 || text == source.text {
        outcome.added = 0;
        return outcome;
    }
    if let Err(reason) =
        crate::fix::write::write_fixed(path, &text, source.declared_encoding.as_deref(), roots)
    {
        for (rule, line, places) in findings {
            if !places.is_empty() {
                outcome
                    .skipped
                    .push((rule, line, format!("the file was not written: {reason}")));
            }
        }
        outcome.added = 0;
    }
    outcome
}

/// The text with a comment for each place: codes merged into a suppression the line already
/// ends with, else a new comment.
fn with_comments(
    source: &SourceText,
    language: Language,
    wanted: &BTreeMap<Place, Vec<Rule>>,
) -> String {
    let mut edits: Vec<(TextRange, String)> = Vec::new();
    for (place, rules) in wanted {
        let mut codes: Vec<&str> = rules.iter().map(|rule| rule.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        let codes = codes.join(", ");
        let line = source.line_range(place.target());
        let line_text = &source.text[line];
        match *place {
            Place::EndOf(_) => {
                if let Some(at) = crate::suppress::extension_point(line_text, language) {
                    let at = line.start() + TextSize::try_from(at).unwrap_or_default();
                    edits.push((TextRange::empty(at), format!(", {codes}")));
                    continue;
                }
                let content_end = line.start() + TextSize::of(line_text.trim_end());
                let comment = match language {
                    Language::Python => format!("  # noqa: {codes}"),
                    Language::Rust => format!("  // loopguard: allow({codes})"),
                };
                edits.push((TextRange::new(content_end, line.end()), comment));
            }
            Place::Above(_) => {
                let indent = &line_text[..line_text.len() - line_text.trim_start().len()];
                let ending = crate::source::line_ending(&source.text);
                let marker = match language {
                    Language::Python => "#",
                    Language::Rust => "//",
                };
                edits.push((
                    TextRange::empty(line.start()),
                    format!("{indent}{marker} loopguard: allow({codes}){ending}"),
                ));
            }
        }
    }
    // Back to front, so each range is still where it was; two places never share a range
    // (a line's start and its end differ for any line with a finding on it).
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start()));
    let mut text = source.text.clone();
    for (range, content) in edits {
        text.replace_range(std::ops::Range::<usize>::from(range), &content);
    }
    text
}
