//! The whole-project phase: after every file was linted on its own, their summaries are merged
//! into one index of the project's functions (`index`), and the rules that need more than one
//! file (LG208 transitive-blocking-call) report from it.
//!
//! Files the pre-filter skipped were never parsed, yet a sync helper without any trigger word
//! may still be a hop on a chain (`def load(): return _read()`). Those files are searched for
//! the names of the functions known to block, and only the ones that mention one are parsed;
//! this repeats until no new file is parsed (usually once).

pub mod index;
pub mod modules;
pub mod summary;

use std::sync::Arc;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use crate::diagnostic::Diagnostic;
use crate::discover::DiscoveredFile;
use crate::lint::FileReport;
use crate::matcher::CallMatcher;
use crate::registry::{Language, Rule, RuleSet};
use crate::source::read_source;
use index::{Index, IndexedFile};
use modules::{ModuleFinder, ModulePath};
use summary::FileSummary;

/// The rules whose direct calls make a function block, for LG208.
pub const BLOCKING_RULES: &[Rule] = &[
    Rule::BlockingSleep,
    Rule::BlockingHttp,
    Rule::BlockingFileIo,
    Rule::BlockingSubprocess,
    Rule::BlockingDatabase,
    Rule::BlockingWait,
];

/// Rules reported by the project phase, after the per-file suppressions were applied.
pub const PROJECT_RULES: &[Rule] = &[Rule::TransitiveBlockingCall];

/// Whether a file with these rules needs a summary.
pub fn summarises(rules: RuleSet) -> bool {
    PROJECT_RULES.iter().any(|rule| rules.contains(*rule))
}

/// The words one of which the source of a call a blocking list matches must contain: per
/// pattern, the longer of the root module (absent for builtins) and the called name, so that
/// the pre-filter lets through the files whose functions block directly.
#[derive(Default)]
pub struct BlockingWords {
    words: Vec<String>,
    automaton: Option<AhoCorasick>,
}

impl BlockingWords {
    pub fn new<'m>(matchers: impl IntoIterator<Item = &'m CallMatcher>, separator: &str) -> Self {
        let mut words: Vec<String> = matchers
            .into_iter()
            .flat_map(|matcher| matcher.pattern_texts())
            .filter_map(|pattern| trigger_word(pattern, separator))
            .map(str::to_string)
            .collect();
        words.sort();
        words.dedup();
        let automaton = AhoCorasick::new(&words).ok();
        BlockingWords { words, automaton }
    }

    pub fn found_in(&self, text: &str) -> bool {
        self.automaton
            .as_ref()
            .is_some_and(|automaton| automaton.is_match(text))
    }
}

impl std::fmt::Debug for BlockingWords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.words).finish()
    }
}

fn trigger_word<'p>(pattern: &'p str, separator: &str) -> Option<&'p str> {
    let mut segments = pattern.split(separator);
    let root = segments
        .next()
        .filter(|root| *root != "builtins" && *root != "*");
    let called = pattern.rsplit(separator).next().filter(|name| *name != "*");
    match (root, called) {
        (Some(root), Some(called)) if root.len() > called.len() => Some(root),
        (_, Some(called)) => Some(called),
        (root, None) => root,
    }
}

/// One file's part in the project phase.
pub struct ProjectFile<'r> {
    pub file: &'r DiscoveredFile,
    pub summary: Option<Arc<FileSummary>>,
}

/// Runs the project rules over all files and adds their findings to `reports` (one per file,
/// in the order of `files`).
pub fn check(reports: &mut [FileReport], mut files: Vec<ProjectFile>) {
    let enabled = |file: &DiscoveredFile| summarises(file.settings.rules_for(&file.path));
    if !files.iter().any(|entry| enabled(entry.file)) {
        return;
    }
    let mut finder = ModuleFinder::default();
    let modules: Vec<ModulePath> = files
        .iter()
        .map(|entry| match entry.file.language {
            Language::Python => finder.python_module(&entry.file.path),
            Language::Rust => modules::rust_module(&entry.file.path),
        })
        .collect();
    let mut searched_for: FxHashSet<String> = FxHashSet::default();
    loop {
        let names = blocking_names(&files, &modules);
        let new_names: Vec<&String> = names.difference(&searched_for).collect();
        if new_names.is_empty() {
            break;
        }
        let Ok(automaton) = AhoCorasick::new(&new_names) else {
            break;
        };
        let added: Vec<(usize, FileSummary)> = files
            .par_iter()
            .enumerate()
            .filter(|(_, entry)| entry.summary.is_none() && enabled(entry.file))
            .filter_map(|(position, entry)| {
                let source = read_source(&entry.file.path, entry.file.language).ok()?;
                if !automaton.is_match(&source.text) {
                    return None;
                }
                Some((position, crate::lint::summarise(entry.file, &source)?))
            })
            .collect();
        searched_for = names;
        if added.is_empty() {
            break;
        }
        for (position, summary) in added {
            files[position].summary = Some(Arc::new(summary));
        }
    }
    transitive_blocking(reports, &files, modules);
}

/// The last name segment of every function known to block (a class's name for its
/// `__init__`): what a skipped file must mention to call one of them.
fn blocking_names(files: &[ProjectFile], modules: &[ModulePath]) -> FxHashSet<String> {
    let index = build_index(files, modules.to_vec());
    let solution = index.solve();
    index
        .function_ids()
        .filter(|id| solution.step(*id).is_some())
        .filter_map(|id| {
            let name = &index.function(id).name;
            let mut segments = name.rsplit(['.', ':']).filter(|s| !s.is_empty());
            let last = segments.next()?;
            let called = if last == "__init__" {
                segments.next()?
            } else {
                last
            };
            Some(called.to_string())
        })
        .collect()
}

fn build_index<'a>(files: &'a [ProjectFile], modules: Vec<ModulePath>) -> Index<'a> {
    let indexed = files
        .iter()
        .zip(modules)
        .filter_map(|(entry, module)| {
            Some(IndexedFile {
                path: &entry.file.path,
                module,
                summary: entry.summary.as_deref()?,
            })
        })
        .collect();
    Index::build(indexed)
}

fn transitive_blocking(
    reports: &mut [FileReport],
    files: &[ProjectFile],
    modules: Vec<ModulePath>,
) {
    let positions: Vec<usize> = files
        .iter()
        .enumerate()
        .filter(|(_, entry)| entry.summary.is_some())
        .map(|(position, _)| position)
        .collect();
    let index = build_index(files, modules);
    let solution = index.solve();
    let mut by_file: Vec<Vec<Diagnostic>> = vec![Vec::new(); files.len()];
    for caller in index.function_ids() {
        let position = positions[index.file_of(caller)];
        let rules = files[position]
            .file
            .settings
            .rules_for(&files[position].file.path);
        if !rules.contains(Rule::TransitiveBlockingCall) {
            continue;
        }
        by_file[position].extend(crate::rules::transitive_blocking_call::report(
            &index, &solution, caller,
        ));
    }
    for (position, diagnostics) in by_file.into_iter().enumerate() {
        if !diagnostics.is_empty() || has_project_suppression(&reports[position]) {
            add_findings(&mut reports[position], files[position].file, diagnostics);
        }
    }
}

fn has_project_suppression(report: &FileReport) -> bool {
    report
        .suppressions
        .iter()
        .any(|suppression| match &suppression.rules {
            None => true,
            Some(rules) => rules.iter().any(|rule| PROJECT_RULES.contains(rule)),
        })
}

/// Adds a file's project findings after its suppressions, then reports the suppressions that
/// only the project findings could have used and did not.
fn add_findings(report: &mut FileReport, file: &DiscoveredFile, mut diagnostics: Vec<Diagnostic>) {
    let rules = file.settings.rules_for(&file.path);
    let source = match &report.source {
        Some(source) => Arc::clone(source),
        None => match read_source(&file.path, file.language) {
            Ok(source) => Arc::new(source),
            Err(_) => return,
        },
    };
    crate::suppress::apply(&mut diagnostics, &mut report.suppressions, &source);
    if rules.contains(Rule::UnusedSuppression) {
        diagnostics.extend(crate::suppress::unused_after_project(
            &report.suppressions,
            rules,
        ));
    }
    if diagnostics.is_empty() {
        return;
    }
    crate::fix::apply_settings(&mut diagnostics, &file.settings);
    report.diagnostics.extend(diagnostics);
    report.diagnostics.sort_by_key(|diagnostic| {
        (
            diagnostic.range.start(),
            diagnostic.rule,
            diagnostic.range.end(),
        )
    });
    report.source = Some(source);
}
