//! The per-file pipeline — read → parse → semantic facts → rules → suppressions — run over all
//! files in parallel, each file parsed once and dropped before the next.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Arc, Once};

use rayon::prelude::*;
use ruff_text_size::TextRange;

use crate::cache::{Cache, CachedSummary, Digest256, Entry, Stamp};
use crate::diagnostic::Diagnostic;
use crate::discover::{DiscoveredFile, Discovery};
use crate::fix::{FileFix, FixRequest, Fixed};
use crate::project::summary::{FileSummary, PackedSummary, Target};
use crate::project::ProjectFile;
use crate::registry::{Language, Rule, RuleSet};
use crate::source::SourceText;
use crate::store::{KeptText, RunStore};
use crate::suppress::{self, Suppression};
use crate::test_code::{TestCode, TestCodePolicy};

/// Parsers and the checker recurse over the tree: deep nesting needs a deep stack.
const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Files at least this large are parsed one at a time. A parser's tree is 30–60 times the text
/// (syn: up to 60 MB for a file just below 1 MB, which is parsed whole, and 115–130 MB for the
/// largest read in pieces), so two workers each holding one would double the run's peak memory;
/// the small files that make up nearly every corpus still run in parallel. From 512 KB rather
/// than 1 MB: the registry cache's 182 files between the two otherwise met each other or a
/// larger one (its peak with every rule on but LG208, 282–319 MB, became 263–271 MB).
const LARGE_FILE_BYTES: usize = 1 << 19;
static LARGE_FILE_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Held from parsing a large text until its tree is dropped; `None` for a small one. Not
/// re-entrant: a front end takes it once per file, and nothing it calls while holding it
/// analyses another file.
pub fn large_file_turn(text: &str) -> Option<std::sync::MutexGuard<'static, ()>> {
    (text.len() >= LARGE_FILE_BYTES).then(|| {
        LARGE_FILE_TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    })
}

/// Parsers and checkers recurse once per nesting level (up to ~8 KB per level in a debug
/// build); the workers' 64 MB stacks hold this many levels with a wide margin.
pub(crate) const SHALLOW_NESTING: usize = 2_000;
/// Deeper files are analysed on a thread of their own with this much stack per level: only the
/// pages actually touched are committed, so the reservation itself costs nothing.
const STACK_PER_LEVEL: usize = 64 * 1024;
/// Beyond this reservation (65,536 levels) a file is reported as unlintable instead.
const MAX_STACK: usize = 4 << 30;

/// Runs `analyse` on a stack deep enough for a tree nesting `depth` levels (a front end's
/// lexical estimate); `Err` with the LG003 message when no such stack can be had.
pub fn with_stack_for<T: Send>(
    depth: usize,
    analyse: impl FnOnce() -> T + Send,
) -> Result<T, String> {
    if depth <= SHALLOW_NESTING {
        return Ok(analyse());
    }
    let stack_size = depth.saturating_mul(STACK_PER_LEVEL);
    if stack_size > MAX_STACK {
        return Err(format!(
            "expressions nest {depth} levels deep, more than the {} loopguard can analyse",
            MAX_STACK / STACK_PER_LEVEL
        ));
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            // Named like the pool's workers so that a panic is still captured as LG004.
            .name("loopguard-worker-deep".to_string())
            .stack_size(stack_size)
            .spawn_scoped(scope, analyse);
        match worker {
            Ok(worker) => Ok(worker
                .join()
                .unwrap_or_else(|panic| panic::resume_unwind(panic))),
            Err(error) => Err(format!(
                "expressions nest {depth} levels deep and no thread with a deep enough stack could be started: {error}"
            )),
        }
    })
}

/// What a front end found in one file.
#[derive(Debug, Default)]
pub struct Findings {
    pub diagnostics: Vec<Diagnostic>,
    /// Comment ranges, for suppression directives; empty when the file did not parse.
    pub comments: Vec<TextRange>,
    /// What the whole-project phase needs from the file, when a project rule is enabled and
    /// the file was analysed (not skipped by the pre-filter).
    pub summary: Option<FileSummary>,
    /// The file's test items (`crate::test_code`), in source order.
    pub test_ranges: Vec<TextRange>,
}

impl Findings {
    /// A file nested too deeply to analyse: LG003 when enabled, its comments kept so that its
    /// suppressions still count.
    pub fn too_deep(message: String, rules: RuleSet, comments: Vec<TextRange>) -> Findings {
        let diagnostics = rules
            .contains(Rule::UnlintableFile)
            .then(|| Diagnostic::new(Rule::UnlintableFile, message, TextRange::default()))
            .into_iter()
            .collect();
        Findings {
            diagnostics,
            comments,
            summary: Some(FileSummary::default()),
            test_ranges: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct FileReport {
    pub path: Arc<Path>,
    pub language: Language,
    /// The text, kept only when there are diagnostics to show against it; after fixing, the
    /// fixed text. See [`FileReport::source`].
    pub source: Option<KeptText>,
    pub diagnostics: Vec<Diagnostic>,
    pub suppressions: Vec<Suppression>,
    /// Where the file's test code is (see `Linted`).
    pub test_code: TestCode,
    pub lines: usize,
    /// What `--fix`/`--diff` changed in this file.
    pub fix: Option<FileFix>,
}

impl FileReport {
    fn without_source(path: Arc<Path>, language: Language, diagnostic: Diagnostic) -> Self {
        FileReport {
            path,
            language,
            source: None,
            diagnostics: vec![diagnostic],
            suppressions: Vec::new(),
            test_code: TestCode::default(),
            lines: 0,
            fix: None,
        }
    }

    /// The text the diagnostics are about, if kept.
    pub fn source(&self) -> Option<Arc<SourceText>> {
        self.source.as_ref()?.get_or_read(&self.path, self.language)
    }

    pub fn has_internal_error(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.rule == Rule::InternalError)
    }
}

/// One lint of one text: its findings (suppressions applied) and the suppressions it has.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Linted {
    pub diagnostics: Vec<Diagnostic>,
    pub suppressions: Vec<Suppression>,
    /// Where the file's test code is, for the project phase's findings.
    pub test_code: TestCode,
}

/// At most this many files are linted in a row as one task. Rayon otherwise splits the files
/// into only a few runs per thread at first, and a thread left with a long run at the end works
/// alone through it: on two threads, a tenth of a cold run.
pub const FILES_PER_TASK: usize = 8;

/// Lints every discovered file on a pool of `jobs` threads (all cores by default); the
/// reports come back sorted by path whatever the thread count.
pub fn lint_all(discovery: Discovery, jobs: Option<usize>) -> Result<Vec<FileReport>, String> {
    lint_and_fix_all(discovery, jobs, None)
}

/// [`lint_all`], fixing each file as `fix` asks (when given) before its findings are reported.
pub fn lint_and_fix_all(
    discovery: Discovery,
    jobs: Option<usize>,
    fix: Option<&FixRequest>,
) -> Result<Vec<FileReport>, String> {
    run_pool(
        discovery,
        jobs,
        |file, store| lint_file(file, None, store),
        |files, reports, mut summaries, store| {
            if let Some(request) = fix {
                fix_files(files, reports, &mut summaries, request, store);
            }
            crate::project::check(reports, project_files(files, summaries));
        },
    )
}

/// A linted file and what `--add-noqa` did to it.
pub type NoqaOutcome = (Arc<Path>, crate::noqa::Outcome);

/// `--add-noqa`: lints every file (the project phase included), then suppresses each file's
/// findings with comments (see `noqa`). The reports, and each linted file's outcome.
pub fn add_noqa_all(
    discovery: Discovery,
    jobs: Option<usize>,
    roots: &[std::path::PathBuf],
) -> Result<(Vec<FileReport>, Vec<NoqaOutcome>), String> {
    let mut outcomes = Vec::new();
    let reports = run_pool(
        discovery,
        jobs,
        |file, store| lint_file(file, None, store),
        |files, reports, summaries, _| {
            crate::project::check(reports, project_files(files, summaries));
            outcomes = files
                .par_iter()
                .zip(reports.par_iter())
                .map(|(file, report)| {
                    let outcome = match report.source() {
                        Some(source) => crate::noqa::add_noqa(
                            &file.path,
                            file.language,
                            &source,
                            &report.diagnostics,
                            roots,
                            |text| {
                                let rules = file.settings.rules_for(&file.path, file.language);
                                lint_source(file, rules, text).suppressions
                            },
                        ),
                        None => crate::noqa::Outcome::default(),
                    };
                    (file.path.clone(), outcome)
                })
                .collect();
        },
    )?;
    Ok((reports, outcomes))
}

/// Lints one file's unsaved contents (`DiscoveredFile::unsaved`) as if they were on disk at its
/// path, with its settings, fixing them as `fix` asks (never writing: `fix.write` is ignored).
/// No other file is read, so the project phase sees this file alone: LG208 follows the chains
/// within it.
pub fn lint_unsaved(file: DiscoveredFile, fix: Option<&FixRequest>) -> Result<FileReport, String> {
    let request = fix.map(|request| FixRequest {
        write: false,
        ..request.clone()
    });
    let discovery = Discovery {
        files: vec![file],
        unreadable: Vec::new(),
    };
    let mut reports = lint_and_fix_all(discovery, Some(1), request.as_ref())?;
    reports
        .pop()
        .ok_or_else(|| "nothing was linted".to_string())
}

/// A file's report, and its summary for the project phase.
type Linting = (FileReport, Option<PackedSummary>);

/// A file's report, its summary as the cache holds it, and its cache key (`None` when it could
/// not be read).
type CachedLinting = (FileReport, (CachedSummary, Option<Digest256>));

/// [`lint_all`], taking unchanged files' results from `cache` and adding the new ones to it.
pub fn lint_all_cached(
    discovery: Discovery,
    jobs: Option<usize>,
    cache: &Cache,
) -> Result<Vec<FileReport>, String> {
    run_pool(
        discovery,
        jobs,
        |file, store| lint_file_cached(file, cache, store),
        |files, reports, linted, _| cached_project_phase(files, reports, linted, cache),
    )
}

/// The project phase of a cached run: over a tree whose files and layout are as the cache last
/// saw them, its outcome is the cached one, and no summary is even decoded.
fn cached_project_phase(
    files: &[DiscoveredFile],
    reports: &mut [FileReport],
    linted: Vec<(CachedSummary, Option<Digest256>)>,
    cache: &Cache,
) {
    let (summaries, keys): (Vec<CachedSummary>, Vec<Option<Digest256>>) =
        linted.into_iter().unzip();
    let fingerprint = crate::project::fingerprint(files, &keys);
    let discovered: Vec<&DiscoveredFile> = files.iter().collect();
    if let Some(outcome) = cache.project(&fingerprint) {
        crate::project::apply(reports, &discovered, outcome);
        return;
    }
    let summaries = summaries
        .par_iter()
        .map(|summary| cache.summary(summary))
        .collect();
    let outcome =
        crate::project::analyse(reports, project_files(files, summaries)).unwrap_or_default();
    crate::project::apply(reports, &discovered, &outcome);
    cache.store_project(fingerprint, outcome);
}

/// Lints every file in parallel (`lint`), then runs the whole-project phase over the results
/// (`project_phase`, on the same pool).
fn run_pool<T: Send>(
    discovery: Discovery,
    jobs: Option<usize>,
    lint: impl Fn(&DiscoveredFile, &RunStore) -> (FileReport, T) + Send + Sync,
    project_phase: impl FnOnce(&[DiscoveredFile], &mut [FileReport], Vec<T>, &RunStore) + Send,
) -> Result<Vec<FileReport>, String> {
    install_panic_capture();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .stack_size(WORKER_STACK_SIZE)
        .thread_name(|index| format!("loopguard-worker-{index}"))
        .build()
        .map_err(|error| format!("cannot start worker threads: {error}"))?;
    let store = RunStore::default();
    let mut reports = pool.install(|| {
        let (mut reports, per_file): (Vec<FileReport>, Vec<T>) = discovery
            .files
            .par_iter()
            .with_max_len(FILES_PER_TASK)
            .map(|file| lint(file, &store))
            .unzip();
        project_phase(&discovery.files, &mut reports, per_file, &store);
        reports
    });
    // The reports follow the discovered files, which are sorted by path already.
    if !discovery.unreadable.is_empty() {
        reports.extend(discovery.unreadable.into_iter().map(|(path, message)| {
            let diagnostic = Diagnostic::new(Rule::UnlintableFile, message, TextRange::default());
            FileReport::without_source(path.into(), Language::Python, diagnostic)
        }));
        reports.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok(reports)
}

fn project_files(
    files: &[DiscoveredFile],
    summaries: Vec<Option<PackedSummary>>,
) -> Vec<ProjectFile<'_>> {
    files
        .iter()
        .zip(summaries)
        .map(|(file, summary)| ProjectFile { file, summary })
        .collect()
}

/// Fixes the files whose findings offer fixes `request` applies. Runs after every file was
/// linted once, because whether a fan-out is bounded may depend on another file: the fixes of
/// fan-outs that the project shows bounded are not applied.
fn fix_files(
    files: &[DiscoveredFile],
    reports: &mut [FileReport],
    summaries: &mut [Option<PackedSummary>],
    request: &FixRequest,
    store: &RunStore,
) {
    if !reports
        .iter()
        .any(|report| crate::fix::offers(&report.diagnostics, request))
    {
        return;
    }
    let bounded =
        crate::project::bounded_fan_outs(reports, project_files(files, summaries.to_vec()));
    let wanted: Vec<usize> = (0..reports.len())
        .filter(|position| {
            let unbounded = reports[*position]
                .diagnostics
                .iter()
                .filter(|diagnostic| !crate::project::is_bounded(diagnostic, &bounded[*position]));
            crate::fix::offers(unbounded, request)
        })
        .collect();
    let fixed: Vec<(usize, Linting)> = wanted
        .into_par_iter()
        .map(|position| {
            let pass = FixPass {
                request,
                bounded: &bounded[position],
            };
            (position, lint_file(&files[position], Some(pass), store))
        })
        .collect();
    for (position, (report, summary)) in fixed {
        reports[position] = report;
        summaries[position] = summary;
    }
}

/// A `--fix` run over one file: what to apply, and which fan-outs to leave alone.
#[derive(Clone, Copy)]
pub struct FixPass<'a> {
    pub request: &'a FixRequest,
    pub bounded: &'a [Target],
}

/// The file's text, or the report that it could not be read (LG003, when enabled).
fn read_or_report(file: &DiscoveredFile, rules: RuleSet) -> Result<SourceText, Box<FileReport>> {
    file.read().map_err(|reason| {
        let diagnostic = Diagnostic::new(
            Rule::UnlintableFile,
            reason.to_string(),
            TextRange::default(),
        );
        let mut report = FileReport::without_source(file.path.clone(), file.language, diagnostic);
        if !rules.contains(Rule::UnlintableFile) {
            report.diagnostics.clear();
        }
        Box::new(report)
    })
}

fn lint_file_cached(file: &DiscoveredFile, cache: &Cache, store: &RunStore) -> CachedLinting {
    let rules = file.settings.rules_for(&file.path, file.language);
    let context = cache.context(&file.settings, rules, file.language);
    // Taken before reading: a change after this point makes the next run hash the file again.
    // Unsaved contents are not the file's: they neither come from nor go into its entry (the
    // key made of them still lets the project phase's outcome be cached by content).
    let stamp = Stamp::of(&file.path).filter(|_| file.unsaved.is_none());
    // Looked up and decoded once, for both ways of reusing it. A fresh file with findings is
    // read all the same: reporting them needs its text.
    let cached = match cache.entry(&file.path).filter(|_| file.unsaved.is_none()) {
        Some(entry)
            if entry.linted.diagnostics.is_empty()
                && stamp.is_some_and(|stamp| cache.is_fresh(&entry, stamp, &context)) =>
        {
            return cached_report(file, entry, None, store);
        }
        cached => cached,
    };
    let source = match read_or_report(file, rules) {
        Ok(source) => source,
        Err(report) => return (*report, (CachedSummary::None, None)),
    };
    let key = Cache::key(&context, source.text.as_bytes());
    // Made from exactly this content and context.
    if let Some(entry) = cached.filter(|entry| entry.key == key) {
        return cached_report(file, entry, Some(source), store);
    }
    let (linted, summary) = lint_source_summarised(file, rules, &source);
    let summary = summary.map(|summary| PackedSummary::pack_into(&summary, store));
    let crashed = linted
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.rule == Rule::InternalError);
    if let (Some(stamp), false) = (stamp, crashed) {
        let entry = Entry {
            stamp,
            context,
            key,
            lines: source.line_count(),
            linted: linted.clone(),
            summary: summary.clone().into(),
        };
        cache.store(file.path.to_path_buf(), entry);
    }
    let report = report(
        file,
        Fixed {
            source,
            linted,
            fix: None,
        },
        store,
    );
    (report, (summary.into(), Some(key)))
}

fn cached_report(
    file: &DiscoveredFile,
    entry: Entry,
    source: Option<SourceText>,
    store: &RunStore,
) -> CachedLinting {
    let Linted {
        diagnostics,
        suppressions,
        test_code,
    } = entry.linted;
    let report = FileReport {
        path: file.path.clone(),
        language: file.language,
        source: source
            .filter(|_| !diagnostics.is_empty())
            .map(|source| store.keep_text(source)),
        diagnostics,
        suppressions,
        test_code,
        lines: entry.lines,
        fix: None,
    };
    (report, (entry.summary, Some(entry.key)))
}

/// Lints one file, fixing it as `fix` asks; the summary is of the text as finally fixed.
pub fn lint_file(file: &DiscoveredFile, fix: Option<FixPass>, store: &RunStore) -> Linting {
    let rules = file.settings.rules_for(&file.path, file.language);
    let source = match read_or_report(file, rules) {
        Ok(source) => source,
        Err(report) => return (*report, None),
    };
    let (mut linted, mut summary) = lint_source_summarised(file, rules, &source);
    let fixed = match fix {
        Some(pass) => {
            crate::project::drop_bounded(&mut linted.diagnostics, pass.bounded);
            crate::fix::fix_file(
                &file.path,
                file.language,
                source,
                linted,
                pass.request,
                |text| {
                    let mut linted = lint_source(file, rules, text);
                    crate::project::drop_bounded(&mut linted.diagnostics, pass.bounded);
                    linted
                },
            )
        }
        _ => Fixed {
            source,
            linted,
            fix: None,
        },
    };
    if fixed.fix.is_some() && summary.is_some() {
        // A panic here is the fixed text's, whose lint above reported it as LG004 already.
        summary = summarise(file, &fixed.source).ok().flatten();
    }
    (
        report(file, fixed, store),
        summary.map(|summary| PackedSummary::pack_into(&summary, store)),
    )
}

/// The project summary of a text, parsed whatever the pre-filter would say (the project phase
/// asks for the files that mention a function known to block). `Ok(None)` when the text does
/// not parse; `Err` with the LG004 message when the analysis panicked.
pub fn summarise(
    file: &DiscoveredFile,
    source: &SourceText,
) -> Result<Option<FileSummary>, String> {
    install_panic_capture();
    let mut rules = RuleSet::empty();
    for rule in crate::project::PROJECT_RULES {
        rules.insert(*rule);
    }
    panic::catch_unwind(AssertUnwindSafe(|| {
        #[cfg(test)]
        tests::maybe_inject_summary_panic(&file.path);
        let summarised = match file.language {
            Language::Python => crate::python::summarise(source, &file.settings, rules),
            Language::Rust => crate::rust::summarise(source, &file.settings, rules),
        };
        summarised.map(|(mut summary, comments)| {
            let mut suppressions = suppress::collect(source, &comments, file.language);
            suppress::apply_to_summary(&mut summary, &mut suppressions, source);
            summary
        })
    }))
    .map_err(|_| internal_error_message())
}

fn report(file: &DiscoveredFile, fixed: Fixed, store: &RunStore) -> FileReport {
    let Linted {
        diagnostics,
        suppressions,
        test_code,
    } = fixed.linted;
    let lines = fixed.source.line_count();
    FileReport {
        path: file.path.clone(),
        language: file.language,
        source: (!diagnostics.is_empty() || fixed.fix.is_some())
            .then(|| store.keep_text(fixed.source)),
        diagnostics,
        suppressions,
        test_code,
        lines,
        fix: fixed.fix,
    }
}

/// Runs the front end and suppressions over one text. A panic becomes an LG004 finding.
fn lint_source(file: &DiscoveredFile, rules: RuleSet, source: &SourceText) -> Linted {
    lint_source_summarised(file, rules, source).0
}

/// [`lint_source`], keeping the project summary the front end made.
fn lint_source_summarised(
    file: &DiscoveredFile,
    rules: RuleSet,
    source: &SourceText,
) -> (Linted, Option<FileSummary>) {
    let mut summary = None;
    let analysis = panic::catch_unwind(AssertUnwindSafe(|| {
        #[cfg(test)]
        tests::maybe_inject_panic(&file.path);
        let findings = match file.language {
            Language::Python => crate::python::lint(source, &file.settings, rules),
            Language::Rust => crate::rust::lint(source, &file.settings, rules),
        };
        summary = findings.summary;
        let mut diagnostics = findings.diagnostics;
        let mut suppressions = suppress::collect(source, &findings.comments, file.language);
        suppress::apply(&mut diagnostics, &mut suppressions, source);
        if let Some(summary) = &mut summary {
            suppress::apply_to_summary(summary, &mut suppressions, source);
        }
        let test_code = TestCode {
            whole_file: file.settings.is_test_file(&file.path, file.language),
            ranges: findings.test_ranges,
            single_task_script: file.settings.single_task_scripts == TestCodePolicy::Skip
                && crate::test_code::is_single_task_script(&source.text, file.language),
        };
        // After the suppressions, which count as used when they cover a finding dropped here.
        drop_skipped_test_findings(&mut diagnostics, &test_code, &file.settings);
        if rules.contains(Rule::UnusedSuppression) {
            diagnostics.extend(suppress::unused(&suppressions, rules));
        }
        crate::fix::apply_settings(&mut diagnostics, &file.settings);
        Linted {
            diagnostics,
            suppressions,
            test_code,
        }
    }));
    let mut linted = analysis.unwrap_or_else(|_| Linted {
        diagnostics: vec![internal_error(internal_error_message())],
        suppressions: Vec::new(),
        test_code: TestCode::default(),
    });
    linted.diagnostics.sort_by_key(|diagnostic| {
        (
            diagnostic.range.start(),
            diagnostic.rule,
            diagnostic.range.end(),
        )
    });
    (linted, summary)
}

/// Drops the findings in test code of the rules that skip it (`test-code`).
pub fn drop_skipped_test_findings(
    diagnostics: &mut Vec<Diagnostic>,
    test_code: &TestCode,
    settings: &crate::config::Settings,
) {
    if test_code.is_empty() {
        return;
    }
    diagnostics.retain(|diagnostic| {
        settings.test_code_policy(diagnostic.rule) == TestCodePolicy::Check
            || !test_code.contains(diagnostic.range.start())
    });
}

thread_local! {
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic in one file's analysis becomes an LG004 diagnostic; its message is captured here
/// instead of being printed over the output.
fn install_panic_capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let is_worker = std::thread::current()
                .name()
                .is_some_and(|name| name.starts_with("loopguard-worker"));
            if !is_worker {
                default_hook(info);
                return;
            }
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let location = info
                .location()
                .map(|location| format!(" at {}:{}", location.file(), location.line()))
                .unwrap_or_default();
            PANIC_MESSAGE
                .with(|message| *message.borrow_mut() = Some(format!("{payload}{location}")));
        }));
    });
}

/// The LG004 finding for a file whose analysis panicked.
pub fn internal_error(message: String) -> Diagnostic {
    Diagnostic::new(Rule::InternalError, message, TextRange::default())
}

/// What LG004 says about the panic just caught on this thread.
fn internal_error_message() -> String {
    format!(
        "loopguard crashed while checking this file ({}); the rest of the run is unaffected — please report this",
        take_panic_message()
    )
}

fn take_panic_message() -> String {
    PANIC_MESSAGE
        .with(|message| message.borrow_mut().take())
        .unwrap_or_else(|| "unknown panic".to_string())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::*;
    use crate::config::{CliOverrides, Settings};
    use crate::registry::{Rule, Selector};

    /// Analysis of a file named like this panics, to exercise the LG004 path.
    pub(super) fn maybe_inject_panic(path: &Path) {
        if path
            .file_name()
            .is_some_and(|name| name == "inject_panic.py")
        {
            panic!("injected failure");
        }
    }

    #[test]
    fn large_files_take_turns_and_small_ones_do_not_wait() {
        let large = " ".repeat(LARGE_FILE_BYTES);
        let small = " ".repeat(LARGE_FILE_BYTES - 1);
        let turn = large_file_turn(&large);
        assert!(turn.is_some());
        assert!(large_file_turn(&small).is_none());
        let other_thread_waits = std::thread::scope(|scope| {
            scope
                .spawn(|| LARGE_FILE_TURN.try_lock().is_err())
                .join()
                .unwrap()
        });
        assert!(other_thread_waits);
        drop(turn);
        assert!(LARGE_FILE_TURN.try_lock().is_ok());
    }

    /// Summarising a file named like this panics (its lint does not).
    pub(super) fn maybe_inject_summary_panic(path: &Path) {
        if path
            .file_name()
            .is_some_and(|name| name == "inject_summary_panic.py")
        {
            panic!("injected failure");
        }
    }

    fn discovered(path: PathBuf, settings: &Arc<Settings>) -> DiscoveredFile {
        DiscoveredFile {
            path: path.into(),
            language: Language::Python,
            settings: Arc::clone(settings),
            unsaved: None,
        }
    }

    #[test]
    fn a_panic_in_one_file_is_lg004_and_other_files_are_still_linted() {
        let directory = tempfile::tempdir().unwrap();
        let bad = directory.path().join("inject_panic.py");
        let good = directory.path().join("good.py");
        std::fs::write(&bad, "x = 1\n").unwrap();
        std::fs::write(&good, "import time\nasync def f():\n    time.sleep(1)\n").unwrap();
        let settings = Arc::new(Settings::new(
            None,
            &CliOverrides::default(),
            directory.path(),
        ));
        let discovery = Discovery {
            files: vec![discovered(bad, &settings), discovered(good, &settings)],
            unreadable: Vec::new(),
        };
        let reports = lint_all(discovery, Some(2)).unwrap();
        let good_report = reports
            .iter()
            .find(|r| r.path.ends_with("good.py"))
            .unwrap();
        assert_eq!(good_report.diagnostics[0].rule, Rule::BlockingSleep);
        let bad_report = reports
            .iter()
            .find(|r| r.path.ends_with("inject_panic.py"))
            .unwrap();
        assert!(bad_report.has_internal_error());
        let message = &bad_report.diagnostics[0].message;
        assert!(message.contains("injected failure"), "{message}");
        assert!(
            message.contains("src/lint.rs"),
            "the panic location is kept: {message}"
        );
    }

    #[test]
    fn a_panic_in_a_helper_file_the_project_phase_asks_for_is_lg004_on_that_file() {
        let directory = tempfile::tempdir().unwrap();
        // No trigger word: the per-file phase skips the helper, the project phase asks for it.
        let helper = directory.path().join("inject_summary_panic.py");
        let handler = directory.path().join("handler.py");
        std::fs::write(&helper, "def compute():\n    return 1\n").unwrap();
        std::fs::write(
            &handler,
            "import time\nimport inject_summary_panic\n\nasync def handle():\n    inject_summary_panic.compute()\n    time.sleep(1)\n",
        )
        .unwrap();
        let settings = Arc::new(Settings::new(
            None,
            &CliOverrides {
                extend_select: vec![Selector::Rule(Rule::TransitiveBlockingCall)],
                ..CliOverrides::default()
            },
            directory.path(),
        ));
        let discovery = Discovery {
            files: vec![
                discovered(handler, &settings),
                discovered(helper, &settings),
            ],
            unreadable: Vec::new(),
        };
        let reports = lint_all(discovery, Some(2)).unwrap();
        let report = |name: &str| reports.iter().find(|r| r.path.ends_with(name)).unwrap();
        let helper_report = report("inject_summary_panic.py");
        assert!(helper_report.has_internal_error(), "{helper_report:?}");
        assert!(helper_report.diagnostics[0]
            .message
            .contains("injected failure"));
        let handler_rules: Vec<Rule> = report("handler.py")
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.rule)
            .collect();
        assert_eq!(handler_rules, [Rule::BlockingSleep]);
    }
}
