//! The whole-project phase: after every file was linted on its own, their summaries are merged
//! into one index of the project's functions (`index`), and the rules that need more than one
//! file (LG208 transitive-blocking-call) report from it.
//!
//! Files the pre-filter skipped were never parsed, yet a sync helper without any trigger word
//! may still be a link of a chain (`def load(): return _read()`). The calls that async code
//! reaches, directly or through sync functions, name the modules they go to: a skipped file
//! that is such a module is analysed in a further round, until no call reaches a skipped file
//! (usually after one or two rounds). Files no coroutine calls into are never parsed.

pub mod index;
pub mod modules;
pub mod summary;

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::diagnostic::Diagnostic;
use crate::discover::DiscoveredFile;
use crate::lint::FileReport;
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

/// One file's part in the project phase.
pub struct ProjectFile<'r> {
    pub file: &'r DiscoveredFile,
    pub summary: Option<Arc<FileSummary>>,
}

/// Runs the project rules over all files and adds their findings to `reports` (one per file,
/// in the order of `files`).
pub fn check(reports: &mut [FileReport], mut files: Vec<ProjectFile>) {
    let enabled: Vec<bool> = files
        .iter()
        .map(|entry| summarises(entry.file.settings.rules_for(&entry.file.path)))
        .collect();
    if !enabled.contains(&true) {
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
    let by_module = ModuleTable::new(&modules);
    let mut index = Index::default();
    let mut positions: Vec<usize> = Vec::new();
    let mut new: Vec<usize> = (0..files.len())
        .filter(|position| files[*position].summary.is_some())
        .collect();
    loop {
        positions.extend(&new);
        let indexed = new
            .iter()
            .map(|position| IndexedFile {
                path: files[*position].file.path.clone(),
                module: modules[*position].clone(),
                summary: Arc::clone(files[*position].summary.as_ref().expect("analysed")),
            })
            .collect();
        index.add(indexed, |file| enabled[positions[file]]);
        let demanded = demanded_files(&index, &positions, &modules, &by_module, &files);
        if demanded.is_empty() {
            break;
        }
        let added: Vec<(usize, Option<FileSummary>)> = demanded
            .into_par_iter()
            .map(|position| {
                let entry = &files[position];
                let summary = read_source(&entry.file.path, entry.file.language)
                    .ok()
                    .and_then(|source| crate::lint::summarise(entry.file, &source));
                (position, summary)
            })
            .collect();
        new = Vec::with_capacity(added.len());
        for (position, summary) in added {
            // A file that cannot be analysed counts as analysed: it is not asked for again.
            files[position].summary = Some(Arc::new(summary.unwrap_or_default()));
            new.push(position);
        }
    }
    let solution = index.solve();
    report(reports, &files, &index, &positions, &solution);
}

/// Which file defines each module, per namespace (Python; each Rust crate).
struct ModuleTable {
    python: FxHashMap<String, usize>,
    rust: FxHashMap<(PathBuf, String), usize>,
}

impl ModuleTable {
    fn new(modules: &[ModulePath]) -> Self {
        let mut table = ModuleTable {
            python: FxHashMap::default(),
            rust: FxHashMap::default(),
        };
        for (position, module) in modules.iter().enumerate() {
            match module {
                ModulePath::Python { name, .. } => {
                    table.python.insert(name.clone(), position);
                }
                ModulePath::Rust { root, path } => {
                    table.rust.insert((root.clone(), path.join("::")), position);
                }
            }
        }
        table
    }

    /// The file of the innermost module that `name` lies in (`app.config` for
    /// `app.config.load`, `a::b` for `a::b::Type::f`), if a file defines one.
    fn defining_file(&self, module: &ModulePath, name: &str) -> Option<usize> {
        let separator = match module {
            ModulePath::Python { .. } => ".",
            ModulePath::Rust { .. } => "::",
        };
        let mut prefix = name;
        loop {
            let found = match module {
                ModulePath::Python { .. } => self.python.get(prefix),
                ModulePath::Rust { root, .. } => self.rust.get(&(root.clone(), prefix.to_string())),
            };
            if let Some(position) = found {
                return Some(*position);
            }
            if prefix.is_empty() {
                return None;
            }
            prefix = prefix.rsplit_once(separator).map_or("", |(head, _)| head);
        }
    }
}

/// The files the pre-filter skipped that define a name async code reaches and no analysed
/// file does: the next round analyses them (a sync helper without any trigger word may still
/// be a link of a chain).
fn demanded_files(
    index: &Index,
    positions: &[usize],
    modules: &[ModulePath],
    by_module: &ModuleTable,
    files: &[ProjectFile],
) -> Vec<usize> {
    // Any indexed file of a namespace tells how that namespace's names are laid out.
    let mut namespace_module: FxHashMap<usize, &ModulePath> = FxHashMap::default();
    for (file, position) in positions.iter().enumerate() {
        namespace_module
            .entry(index.namespace_of_file(file))
            .or_insert(&modules[*position]);
    }
    let mut wanted: Vec<usize> = index
        .missing_names()
        .filter_map(|(namespace, name)| {
            let position = by_module.defining_file(namespace_module.get(&namespace)?, name)?;
            files[position].summary.is_none().then_some(position)
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

fn report(
    reports: &mut [FileReport],
    files: &[ProjectFile],
    index: &Index,
    positions: &[usize],
    solution: &index::Solution,
) {
    let mut by_file: Vec<Vec<Diagnostic>> = vec![Vec::new(); files.len()];
    for caller in index.function_ids() {
        let position = positions[index.file_of(caller)];
        let file = files[position].file;
        if !file
            .settings
            .rules_for(&file.path)
            .contains(Rule::TransitiveBlockingCall)
        {
            continue;
        }
        by_file[position].extend(crate::rules::transitive_blocking_call::report(
            index, solution, caller,
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
