//! The per-file pipeline — read → parse → semantic facts → rules → suppressions — run over all
//! files in parallel, each file parsed once and dropped before the next.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Once};

use rayon::prelude::*;
use ruff_text_size::TextRange;

use crate::diagnostic::Diagnostic;
use crate::discover::{DiscoveredFile, Discovery};
use crate::registry::{Language, Rule};
use crate::source::{read_source, SourceText};
use crate::suppress::{self, Suppression};

/// Parsers and the checker recurse over the tree: deep nesting needs a deep stack.
const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

/// What a front end found in one file.
#[derive(Debug, Default)]
pub struct Findings {
    pub diagnostics: Vec<Diagnostic>,
    /// Comment ranges, for suppression directives; empty when the file did not parse.
    pub comments: Vec<TextRange>,
}

#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    pub language: Language,
    /// The text, kept only when there are diagnostics to show against it.
    pub source: Option<Arc<SourceText>>,
    pub diagnostics: Vec<Diagnostic>,
    pub suppressions: Vec<Suppression>,
    pub lines: usize,
}

impl FileReport {
    fn without_source(path: PathBuf, language: Language, diagnostic: Diagnostic) -> Self {
        FileReport {
            path,
            language,
            source: None,
            diagnostics: vec![diagnostic],
            suppressions: Vec::new(),
            lines: 0,
        }
    }

    pub fn has_internal_error(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.rule == Rule::InternalError)
    }
}

/// Lints every discovered file on a pool of `jobs` threads (all cores by default); the
/// reports come back sorted by path whatever the thread count.
pub fn lint_all(discovery: Discovery, jobs: Option<usize>) -> Result<Vec<FileReport>, String> {
    install_panic_capture();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .stack_size(WORKER_STACK_SIZE)
        .thread_name(|index| format!("loopguard-worker-{index}"))
        .build()
        .map_err(|error| format!("cannot start worker threads: {error}"))?;
    let mut reports: Vec<FileReport> =
        pool.install(|| discovery.files.par_iter().map(lint_file).collect());
    reports.extend(discovery.unreadable.into_iter().map(|(path, message)| {
        let diagnostic = Diagnostic::new(Rule::UnlintableFile, message, TextRange::default());
        FileReport::without_source(path, Language::Python, diagnostic)
    }));
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(reports)
}

pub fn lint_file(file: &DiscoveredFile) -> FileReport {
    let rules = file.settings.rules_for(&file.path);
    let source = match read_source(&file.path, file.language) {
        Ok(source) => source,
        Err(reason) => {
            let diagnostic = Diagnostic::new(
                Rule::UnlintableFile,
                reason.to_string(),
                TextRange::default(),
            );
            let mut report =
                FileReport::without_source(file.path.clone(), file.language, diagnostic);
            if !rules.contains(Rule::UnlintableFile) {
                report.diagnostics.clear();
            }
            return report;
        }
    };
    let analysis = panic::catch_unwind(AssertUnwindSafe(|| {
        let findings = match file.language {
            Language::Python => crate::python::lint(&source, &file.settings, rules),
            Language::Rust => crate::rust::lint(&source, &file.settings, rules),
        };
        let mut diagnostics = findings.diagnostics;
        let mut suppressions = suppress::collect(&source, &findings.comments, file.language);
        suppress::apply(&mut diagnostics, &mut suppressions, &source);
        if rules.contains(Rule::UnusedSuppression) {
            diagnostics.extend(suppress::unused(&suppressions, rules));
        }
        (diagnostics, suppressions)
    }));
    let (mut diagnostics, suppressions) = match analysis {
        Ok(result) => result,
        Err(_) => {
            let message = format!(
                "loopguard crashed while checking this file ({}); the rest of the run is unaffected — please report this",
                take_panic_message()
            );
            (
                vec![Diagnostic::new(
                    Rule::InternalError,
                    message,
                    TextRange::default(),
                )],
                Vec::new(),
            )
        }
    };
    diagnostics.sort_by_key(|diagnostic| {
        (
            diagnostic.range.start(),
            diagnostic.rule,
            diagnostic.range.end(),
        )
    });
    let lines = source.line_count();
    FileReport {
        path: file.path.clone(),
        language: file.language,
        source: (!diagnostics.is_empty()).then(|| Arc::new(source)),
        diagnostics,
        suppressions,
        lines,
    }
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

fn take_panic_message() -> String {
    PANIC_MESSAGE
        .with(|message| message.borrow_mut().take())
        .unwrap_or_else(|| "unknown panic".to_string())
}
