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

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use ruff_text_size::TextSize;
use rustc_hash::{FxHashMap, FxHashSet};
use sha2::{Digest, Sha256};

use crate::cache::Digest256;
use crate::diagnostic::{Diagnostic, NoteFile};
use crate::discover::DiscoveredFile;
use crate::lint::FileReport;
use crate::registry::{Language, Rule, RuleSet};
use crate::source::{Location, SourceText};
use index::{FunctionId, Index, IndexedFile};
use modules::{FileModule, ModuleFinder, ModulePath};
use summary::{FileSummary, PackedSummary, Target};

/// The rules whose direct calls make a function block, for LG208: those whose hooks say so, in
/// registry order (the first whose list names a call is the one its chain reports).
pub fn blocking_rules() -> impl Iterator<Item = Rule> {
    Rule::ALL
        .iter()
        .copied()
        .filter(|rule| rule.meta().hooks.blocking)
}

/// Rules reported by the project phase, after the per-file suppressions were applied.
pub const PROJECT_RULES: &[Rule] = &[Rule::TransitiveBlockingCall];

/// Whether a file with these rules needs a summary.
pub fn summarises(rules: RuleSet) -> bool {
    PROJECT_RULES.iter().any(|rule| rules.contains(*rule))
}

/// One file's part in the project phase.
pub struct ProjectFile<'r> {
    pub file: &'r DiscoveredFile,
    pub summary: Option<PackedSummary>,
}

/// Runs the project rules over all files and adds their findings to `reports` (one per file,
/// in the order of `files`); drops the fan-out findings whose coroutine, defined in another
/// file, acquires a limiter.
pub fn check(reports: &mut [FileReport], files: Vec<ProjectFile>) {
    let discovered: Vec<&DiscoveredFile> = files.iter().map(|entry| entry.file).collect();
    if let Some(outcome) = analyse(reports, files) {
        apply(reports, &discovered, &outcome);
    }
}

/// What the project phase found in each file (in the order of the files): it depends only on
/// the files' contents, settings and places, so a run over an unchanged tree takes it from the
/// cache.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub files: Vec<FileOutcome>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileOutcome {
    /// The project rules' findings, before the file's suppressions.
    pub findings: Vec<Diagnostic>,
    /// The coroutines of the file's fan-out findings that bound themselves (sorted).
    pub bounded: Vec<Target>,
}

/// What the project phase's outcome depends on besides the files' cache keys (their paths,
/// contents, settings and enabled rules): the layout that makes modules of them, the
/// `__init__.py` files and crate roots, which need not be linted files themselves.
pub fn fingerprint(files: &[DiscoveredFile], keys: &[Option<Digest256>]) -> Digest256 {
    // The files are hashed in chunks on the pool, a fixed number of files each so that the
    // digest does not depend on the number of threads, while the layout is worked out.
    const CHUNK: usize = 512;
    let (chunk_digests, layout) = rayon::join(
        || {
            files
                .par_chunks(CHUNK)
                .zip(keys.par_chunks(CHUNK))
                .map(|(files, keys)| {
                    let mut hasher = Sha256::new();
                    for (file, key) in files.iter().zip(keys) {
                        hasher.update([0]);
                        hasher.update(file.path.as_os_str().as_encoded_bytes());
                        hasher.update(key.unwrap_or_default());
                    }
                    Digest256::from(hasher.finalize())
                })
                .collect::<Vec<Digest256>>()
        },
        || layout_digest(files),
    );
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    for digest in &chunk_digests {
        hasher.update(digest);
    }
    hasher.update(layout);
    hasher.finalize().into()
}

/// The package status of each directory on the way up from the Python files, and whether each
/// `src` directory above a Rust file is a crate root, hashed.
fn layout_digest(files: &[DiscoveredFile]) -> Digest256 {
    let mut hasher = Sha256::new();
    // A discovered `__init__.py` answers for its directory without asking the file system
    // again; a directory whose `__init__.py` is excluded from the lint still gets asked.
    let discovered_packages =
        modules::discovered_packages(files.iter().map(|file| file.path.as_ref()));
    // The directories hashed so far, each once, with the chain above it; keyed by bytes, as
    // hashing a `Path` walks its components.
    let mut directories: FxHashSet<&[u8]> = FxHashSet::default();
    let mut crate_roots: FxHashMap<&Path, bool> = FxHashMap::default();
    for file in files {
        match file.language {
            Language::Python => {
                // A module's name is its path read up to the first directory that is not a
                // package, or below the innermost import root (a namespace package): the
                // package and import-root status of each directory on the way up decides it.
                let mut directory = file.path.parent();
                while let Some(current) = directory {
                    let bytes = current.as_os_str().as_encoded_bytes();
                    if !directories.insert(bytes) {
                        // Hashed already, with the rest of the way up.
                        break;
                    }
                    let package =
                        discovered_packages.contains(bytes) || modules::is_package(current);
                    hasher.update([0]);
                    hasher.update(bytes);
                    hasher.update([
                        u8::from(package),
                        u8::from(modules::is_import_root(current)),
                    ]);
                    directory = current.parent();
                }
            }
            Language::Rust => {
                for directory in file.path.ancestors().skip(1) {
                    if directory.file_name().is_some_and(|name| name == "src") {
                        let is_root = *crate_roots
                            .entry(directory)
                            .or_insert_with(|| modules::holds_crate_root(directory));
                        hasher.update([u8::from(is_root)]);
                    }
                }
            }
        }
    }
    hasher.finalize().into()
}

/// The project phase over the files' summaries; `None` when no file has a project rule enabled
/// or a fan-out finding that waits for the project.
pub fn analyse(reports: &[FileReport], files: Vec<ProjectFile>) -> Option<Outcome> {
    let project = Project::analyse(reports, files)?;
    let solution = project.index.solve();
    let mut outcome = Outcome {
        files: vec![FileOutcome::default(); project.files.len()],
    };
    let mut locations = Locations {
        reports,
        files: &project.files,
        positions: &project.positions,
        texts: FxHashMap::default(),
    };
    for caller in project.index.function_ids() {
        if !project.index.is_async(caller) {
            continue;
        }
        let position = project.positions[project.index.file_of(caller)];
        if project.rules[position].contains(Rule::TransitiveBlockingCall) {
            outcome.files[position].findings.extend(
                crate::rules::transitive_blocking_call::report(
                    &project.index,
                    &solution,
                    caller,
                    &mut locations,
                ),
            );
        }
    }
    for &(registrar, callee, callback) in project.index.callbacks() {
        let position = project.positions[project.index.file_of(registrar)];
        if project.rules[position].contains(Rule::TransitiveBlockingCall) {
            outcome.files[position].findings.extend(
                crate::rules::transitive_blocking_call::report_callback(
                    &project.index,
                    &solution,
                    (registrar, callback),
                    callee,
                    &mut locations,
                ),
            );
        }
    }
    drop(locations);
    for (position, message) in project.crashed {
        outcome.files[position]
            .findings
            .push(crate::lint::internal_error(message));
    }
    for (file, bounded) in outcome.files.iter_mut().zip(project.bounded) {
        file.bounded = bounded;
    }
    let summaries: Vec<Option<PackedSummary>> =
        project.files.into_iter().map(|file| file.summary).collect();
    release_in_background((project.index, solution, summaries));
    Some(outcome)
}

/// Lines and columns of the offsets that findings' notes point at. Summaries keep offsets only:
/// a file's text is looked at again (read, or taken from its report) only when a note points
/// into it, which few files are.
pub struct Locations<'p> {
    reports: &'p [FileReport],
    files: &'p [ProjectFile<'p>],
    /// The position in `files` of each indexed file.
    positions: &'p [usize],
    /// Each indexed file's text, once asked for (`None`: it can no longer be read).
    texts: FxHashMap<usize, Option<Arc<SourceText>>>,
}

impl Locations<'_> {
    /// Where `offset` in the file of `function` is, for a note.
    pub fn note_file(&mut self, index: &Index, function: FunctionId, offset: TextSize) -> NoteFile {
        let file = index.file_of(function);
        let position = self.positions[file];
        let (reports, files) = (self.reports, self.files);
        let text = self.texts.entry(file).or_insert_with(|| {
            // A report keeps the text its summary was made from, fixed or not (`--diff` leaves
            // the file on disk as it was); a file without one is as it was read.
            reports[position]
                .source()
                .or_else(|| files[position].file.read().ok().map(Arc::new))
        });
        NoteFile {
            path: index.path_of(function).to_path_buf(),
            location: text
                .as_ref()
                .map_or(Location { row: 1, column: 1 }, |text| text.location(offset)),
        }
    }
}

/// Frees `value` on a thread of its own: freeing the index and the summaries of a large project
/// (hundreds of thousands of small allocations) takes longer than printing the findings, which
/// need none of it. The process may exit before that thread is done, which is as good.
fn release_in_background<T: Send + 'static>(value: T) {
    // When no thread can be started, the closure and `value` with it are dropped right here.
    let _ = std::thread::Builder::new()
        .name("loopguard-release".to_string())
        .spawn(move || drop(value));
}

/// Adds an [`Outcome`]'s findings to the reports (after each file's suppressions) and drops the
/// fan-out findings it shows bounded.
pub fn apply(reports: &mut [FileReport], files: &[&DiscoveredFile], outcome: &Outcome) {
    for ((report, file), file_outcome) in reports.iter_mut().zip(files).zip(&outcome.files) {
        drop_bounded(&mut report.diagnostics, &file_outcome.bounded);
        if !file_outcome.findings.is_empty() || has_project_suppression(report) {
            add_findings(report, file, file_outcome.findings.clone());
        }
    }
}

/// For each file, the coroutines of its fan-out findings that are defined in another file and
/// acquire a limiter: `--fix` must not rewrite those fan-outs.
pub fn bounded_fan_outs(reports: &[FileReport], files: Vec<ProjectFile>) -> Vec<Vec<Target>> {
    let count = files.len();
    Project::analyse(reports, files)
        .map_or_else(|| vec![Vec::new(); count], |project| project.bounded)
}

/// Removes the fan-out findings whose coroutine is in `bounded`.
pub fn drop_bounded(diagnostics: &mut Vec<Diagnostic>, bounded: &[Target]) {
    if !bounded.is_empty() {
        diagnostics.retain(|diagnostic| !is_bounded(diagnostic, bounded));
    }
}

/// Whether `diagnostic` is a fan-out finding whose coroutine is in `bounded` (sorted).
pub fn is_bounded(diagnostic: &Diagnostic, bounded: &[Target]) -> bool {
    diagnostic
        .unless_bounded
        .as_ref()
        .is_some_and(|coroutine| bounded.binary_search(coroutine).is_ok())
}

/// The project's index over the files that matter to it, and what it says of each file's
/// fan-outs.
struct Project<'r> {
    files: Vec<ProjectFile<'r>>,
    /// The rules enabled for each file.
    rules: Vec<RuleSet>,
    index: Index,
    /// The position in `files` of each indexed file.
    positions: Vec<usize>,
    /// Per file, sorted.
    bounded: Vec<Vec<Target>>,
    /// Files whose summary panicked when the project asked for them: (position, LG004 message).
    crashed: Vec<(usize, String)>,
}

impl<'r> Project<'r> {
    /// Indexes the summarised files (more on demand, see the module docs); `None` when no file
    /// has a project rule enabled or a fan-out finding that waits for the project.
    fn analyse(reports: &[FileReport], mut files: Vec<ProjectFile<'r>>) -> Option<Self> {
        let rules: Vec<RuleSet> = files
            .iter()
            .map(|entry| {
                entry
                    .file
                    .settings
                    .rules_for(&entry.file.path, entry.file.language)
            })
            .collect();
        let enabled: Vec<bool> = rules.iter().map(|rules| summarises(*rules)).collect();
        let queries = fan_out_queries(reports);
        if !enabled.contains(&true) && queries.is_empty() {
            return None;
        }
        // Each thread asks the file system about the directories it meets once, unless
        // discovery found their `__init__.py`.
        let discovered =
            modules::discovered_packages(files.iter().map(|entry| entry.file.path.as_ref()));
        let mut file_modules: Vec<FileModule> = files
            .par_iter()
            .map_init(
                || ModuleFinder::new(&discovered),
                |finder, entry| {
                    let path = &entry.file.path;
                    match entry.file.language {
                        Language::Python => {
                            let relative = entry.file.settings.below_root(path);
                            finder.python_module(path, relative.as_deref())
                        }
                        Language::Rust => finder.rust_module(path).into(),
                    }
                },
            )
            .collect();
        modules::follow_precedence(&mut file_modules);
        // Shared with the index's files.
        let modules: Vec<Arc<ModulePath>> = file_modules
            .into_iter()
            .map(|file| Arc::new(file.module))
            .collect();
        let by_module = ModuleTable::new(&modules);
        let mut index = Index::default();
        index.expect(modules.iter().map(Arc::as_ref));
        let mut positions: Vec<usize> = Vec::new();
        let mut index_of: Vec<Option<usize>> = vec![None; files.len()];
        let mut new: Vec<usize> = (0..files.len())
            .filter(|position| files[*position].summary.is_some())
            .collect();
        // A file with fan-outs to resolve must be indexed, summarised or not.
        let mut demanded: Vec<usize> = queries
            .iter()
            .map(|(position, _)| *position)
            .filter(|position| files[*position].summary.is_none())
            .collect();
        demanded.dedup();
        let mut crashed = Vec::new();
        let mut scanned = FxHashSet::default();
        loop {
            summarise_demanded(&mut files, &demanded, &mut new, &mut crashed);
            for position in &new {
                index_of[*position] = Some(positions.len());
                positions.push(*position);
            }
            let indexed = new
                .iter()
                .map(|position| {
                    IndexedFile::new(
                        Arc::clone(&files[*position].file.path),
                        Arc::clone(&modules[*position]),
                        files[*position].summary.clone().expect("analysed"),
                    )
                })
                .collect();
            index.add(indexed, |file| enabled[positions[file]]);
            let mut missing: Vec<(usize, String)> = index
                .missing_names()
                .map(|(namespace, name)| (namespace, name.to_string()))
                .collect();
            for (position, coroutine) in &queries {
                let file = index_of[*position].expect("indexed above");
                index.resolve(file, coroutine, &mut missing);
            }
            demanded = demanded_files(
                &index,
                &positions,
                &modules,
                &by_module,
                &files,
                &missing,
                &mut scanned,
            );
            if demanded.is_empty() {
                break;
            }
            new = Vec::new();
        }
        // The queries are sorted, so each file's list is too.
        let mut bounded = vec![Vec::new(); files.len()];
        for (position, coroutine) in queries {
            let file = index_of[position].expect("indexed above");
            let acquires = index
                .resolve(file, &coroutine, &mut Vec::new())
                .is_some_and(|function| index.function(function).acquires_limiter);
            if acquires {
                bounded[position].push(coroutine);
            }
        }
        Some(Project {
            files,
            rules,
            index,
            positions,
            bounded,
            crashed,
        })
    }
}

/// Each file's fan-out findings that wait for the project: (file position, coroutine), once
/// per coroutine and file, in file order.
fn fan_out_queries(reports: &[FileReport]) -> Vec<(usize, Target)> {
    let mut queries: Vec<(usize, Target)> = reports
        .iter()
        .enumerate()
        .flat_map(|(position, report)| {
            report
                .diagnostics
                .iter()
                .filter_map(move |diagnostic| Some((position, diagnostic.unless_bounded.clone()?)))
        })
        .collect();
    queries.sort();
    queries.dedup();
    queries
}

/// Analyses the `demanded` files in parallel and appends them to `new`.
/// Summarises the files a call chain leads into; a panic in one of them is recorded in
/// `crashed` (position, LG004 message), and the chains through it are lost, not the run.
fn summarise_demanded(
    files: &mut [ProjectFile],
    demanded: &[usize],
    new: &mut Vec<usize>,
    crashed: &mut Vec<(usize, String)>,
) {
    let added: Vec<(usize, Result<Option<PackedSummary>, String>)> = demanded
        .par_iter()
        .with_max_len(crate::lint::FILES_PER_TASK)
        .map(|&position| {
            let entry = &files[position];
            let summary = match entry.file.read() {
                Ok(source) => crate::lint::summarise(entry.file, &source)
                    .map(|summary| summary.as_ref().map(PackedSummary::pack)),
                Err(_) => Ok(None),
            };
            (position, summary)
        })
        .collect();
    for (position, summary) in added {
        let summary = summary.unwrap_or_else(|message| {
            crashed.push((position, message));
            None
        });
        // A file that cannot be analysed counts as analysed: it is not asked for again.
        files[position].summary =
            Some(summary.unwrap_or_else(|| PackedSummary::pack(&FileSummary::default())));
        new.push(position);
    }
}

/// Which file defines each module, per namespace (Python; each Rust crate), by the names the
/// modules hold.
struct ModuleTable<'m> {
    python: FxHashMap<&'m str, usize>,
    rust: FxHashMap<&'m Path, FxHashMap<&'m str, usize>>,
}

impl<'m> ModuleTable<'m> {
    fn new(modules: &'m [Arc<ModulePath>]) -> Self {
        let mut table = ModuleTable {
            python: FxHashMap::default(),
            rust: FxHashMap::default(),
        };
        for (position, module) in modules.iter().enumerate() {
            match module.as_ref() {
                ModulePath::Python { .. } => {
                    for name in module.names() {
                        table.python.insert(name, position);
                    }
                }
                ModulePath::Rust { root, path } => {
                    table
                        .rust
                        .entry(root.as_ref())
                        .or_default()
                        .insert(path, position);
                }
            }
        }
        table
    }

    /// The file of the innermost module that `name` lies in (`app.config` for
    /// `app.config.load`, `a::b` for `a::b::Type::f`), if a file defines one.
    fn defining_file(&self, module: &ModulePath, name: &str) -> Option<usize> {
        let modules = match module {
            ModulePath::Python { .. } => &self.python,
            ModulePath::Rust { root, .. } => self.rust.get(root.as_ref())?,
        };
        modules::module_prefixes(name, module.separator())
            .find_map(|prefix| modules.get(prefix).copied())
    }
}

/// The files the pre-filter skipped that define a name async code reaches and no analysed
/// file does: the next round analyses them (a sync helper without any trigger word may still
/// be a link of a chain). A Rust method its type's module does not define may be in an `impl`
/// block anywhere in the crate: the skipped files of the crate whose text has `impl` and the
/// type's name are analysed, each type's once (`scanned`).
fn demanded_files(
    index: &Index,
    positions: &[usize],
    modules: &[Arc<ModulePath>],
    by_module: &ModuleTable,
    files: &[ProjectFile],
    missing: &[(usize, String)],
    scanned: &mut FxHashSet<(usize, String)>,
) -> Vec<usize> {
    // Any indexed file of a namespace tells how that namespace's names are laid out.
    let mut namespace_module: FxHashMap<usize, &ModulePath> = FxHashMap::default();
    for (file, position) in positions.iter().enumerate() {
        namespace_module
            .entry(index.namespace_of_file(file))
            .or_insert(&modules[*position]);
    }
    let mut wanted: Vec<usize> = Vec::new();
    // The types, per crate root, whose methods are looked for in every skipped file of it.
    let mut owners: FxHashMap<&Path, Vec<&str>> = FxHashMap::default();
    for (namespace, name) in missing {
        let Some(module) = namespace_module.get(namespace) else {
            continue;
        };
        let defining = by_module.defining_file(module, name);
        if let Some(position) = defining.filter(|position| files[*position].summary.is_none()) {
            wanted.push(position);
            continue;
        }
        let (ModulePath::Rust { root, .. }, Some(owner)) = (module, index::rust_method_owner(name))
        else {
            continue;
        };
        if scanned.insert((*namespace, owner.to_string())) {
            owners.entry(root.as_ref()).or_default().push(owner);
        }
    }
    if !owners.is_empty() {
        // One read of each skipped file of those crates per round.
        wanted.extend((0..files.len()).filter(|position| {
            let ModulePath::Rust { root, .. } = modules[*position].as_ref() else {
                return false;
            };
            let Some(owners) = owners.get(root.as_ref()) else {
                return false;
            };
            files[*position].summary.is_none()
                && std::fs::read_to_string(&files[*position].file.path)
                    .is_ok_and(|text| owners.iter().any(|owner| may_implement(&text, owner)))
        }));
    }
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// Whether Rust source `text` may hold an `impl` block of the type `owner`: it has `impl` and
/// `owner` as a word.
fn may_implement(text: &str, owner: &str) -> bool {
    let is_word_byte =
        |byte: Option<&u8>| byte.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    text.contains("impl")
        && text.match_indices(owner).any(|(start, _)| {
            let bytes = text.as_bytes();
            !is_word_byte(start.checked_sub(1).and_then(|before| bytes.get(before)))
                && !is_word_byte(bytes.get(start + owner.len()))
        })
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
    let rules = file.settings.rules_for(&file.path, file.language);
    let source = match report.source() {
        Some(source) => source,
        None => match file.read() {
            Ok(source) => Arc::new(source),
            Err(_) => return,
        },
    };
    crate::suppress::apply(&mut diagnostics, &mut report.suppressions, &source);
    crate::lint::drop_skipped_test_findings(&mut diagnostics, &report.test_code, &file.settings);
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
    if report.source.is_none() {
        report.source = Some(source.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CliOverrides, Settings};

    #[test]
    fn a_file_may_implement_a_type_it_names_as_a_word_beside_impl() {
        assert!(may_implement("impl Fds {}", "Fds"));
        assert!(may_implement(
            "use crate::fds::Fds;\nimpl super::Fds { }",
            "Fds"
        ));
        assert!(!may_implement("impl FdsSet {}", "Fds"));
        assert!(!may_implement("struct Fds;", "Fds"));
        assert!(!may_implement("impl MyFds {}", "Fds"));
    }

    fn files_in(directory: &Path, count: usize) -> Vec<DiscoveredFile> {
        let settings = Arc::new(Settings::new(None, &CliOverrides::default(), directory));
        (0..count)
            .map(|number| DiscoveredFile {
                path: directory.join(format!("pkg/module_{number:04}.py")).into(),
                language: Language::Python,
                settings: Arc::clone(&settings),
                unsaved: None,
            })
            .collect()
    }

    fn fingerprint_on(
        threads: usize,
        files: &[DiscoveredFile],
        keys: &[Option<Digest256>],
    ) -> Digest256 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| fingerprint(files, keys))
    }

    /// Files are hashed in chunks on the pool: the digest must not depend on its size.
    #[test]
    fn the_fingerprint_is_the_same_on_any_number_of_threads() {
        let directory = tempfile::tempdir().unwrap();
        let files = files_in(directory.path(), 1500);
        let mut keys: Vec<Option<Digest256>> =
            (0..files.len()).map(|n| Some([n as u8; 32])).collect();
        let one = fingerprint_on(1, &files, &keys);
        assert_eq!(one, fingerprint_on(3, &files, &keys));
        keys[1400] = None;
        assert_ne!(one, fingerprint_on(3, &files, &keys));
    }

    /// A directory is a package if its `__init__.py` was discovered, or else exists on disk.
    #[test]
    fn the_fingerprint_follows_the_package_status_of_each_directory() {
        let directory = tempfile::tempdir().unwrap();
        std::fs::create_dir(directory.path().join("pkg")).unwrap();
        let files = files_in(directory.path(), 2);
        let keys = vec![None; files.len()];
        let plain = fingerprint(&files, &keys);
        let init = directory.path().join("pkg/__init__.py");
        std::fs::write(&init, "").unwrap();
        let on_disk = fingerprint(&files, &keys);
        assert_ne!(plain, on_disk);
        std::fs::remove_file(&init).unwrap();
        assert_eq!(plain, fingerprint(&files, &keys));
        // A discovered `__init__.py` answers without the file system being asked again: the
        // digest is the one of a tree where it still exists.
        let mut with_init = files_in(directory.path(), 2);
        let init_file = DiscoveredFile {
            path: init.as_path().into(),
            ..files_in(directory.path(), 1).remove(0)
        };
        with_init.insert(0, init_file);
        let keys = vec![None; with_init.len()];
        let gone_since = fingerprint(&with_init, &keys);
        std::fs::write(&init, "").unwrap();
        assert_eq!(gone_since, fingerprint(&with_init, &keys));
    }
}
