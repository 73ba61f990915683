//! What each fuzz target feeds an input to. Shared by the cargo-fuzz targets (libFuzzer on
//! nightly) and `tests/fuzz_regressions.rs` (stable), so a crashing input committed under
//! `regressions/` is replayed through exactly the code the fuzzer found it in.
//!
//! Each entry point runs on a thread with the lint workers' 64 MB stack: that is what production
//! gives the parsers, so a deep input is judged against the real limit.

#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

use loopguard::config::{CliOverrides, ConfigFile, Settings};
use loopguard::fix::{self, FixRequest};
use loopguard::lint::Linted;
use loopguard::registry::{Language, Rule, Selector};
use loopguard::source::{decode, SourceText};
use loopguard::suppress;
use ruff_text_size::{TextRange, TextSize};

const WORKER_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Every rule, LG0xx included, with default options.
fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let cli = CliOverrides {
            select: Some(vec![Selector::All]),
            ..CliOverrides::default()
        };
        Settings::new(None, &cli, Path::new("/"))
    })
}

fn on_worker_stack(run: impl FnOnce() + Send) {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(WORKER_STACK_SIZE)
            .spawn_scoped(scope, run)
            .expect("cannot start a fuzz worker thread");
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

/// The per-file pipeline of `loopguard check` minus reading the file: front end, suppressions,
/// unused suppressions, fix settings. Panics propagate (production turns them into LG004).
fn lint(language: Language, source: &SourceText) -> Linted {
    let settings = settings();
    let findings = match language {
        Language::Python => {
            loopguard::python::lint(source, settings, settings.rules_in(Language::Python))
        }
        Language::Rust => {
            loopguard::rust::lint(source, settings, settings.rules_in(Language::Rust))
        }
    };
    let mut diagnostics = findings.diagnostics;
    let mut suppressions = suppress::collect(source, &findings.comments, language);
    suppress::apply(&mut diagnostics, &mut suppressions, source);
    diagnostics.extend(suppress::unused(&suppressions, settings.rules));
    fix::apply_settings(&mut diagnostics, settings);
    for diagnostic in &diagnostics {
        assert_ne!(
            diagnostic.rule,
            Rule::InternalError,
            "{}",
            diagnostic.message
        );
        assert!(
            diagnostic.range.end() <= source.text_len(),
            "{diagnostic:?} lies outside the text"
        );
        // Every position shown to a user must be on a char boundary of the text.
        let _ = &source.text[diagnostic.range];
        let _ = source.location(diagnostic.range.start());
    }
    Linted {
        diagnostics,
        suppressions,
        ..Linted::default()
    }
}

/// Decoding (BOM, encoding declarations, NUL bytes, invalid UTF-8) then the whole pipeline.
fn lint_bytes(language: Language, data: &[u8]) {
    if let Ok(source) = decode(data.to_vec(), language) {
        lint(language, &source);
    }
}

/// The Python front end and every Python rule.
pub fn python(data: &[u8]) {
    on_worker_stack(|| lint_bytes(Language::Python, data));
}

/// The Rust front end and every Rust rule.
pub fn rust(data: &[u8]) {
    on_worker_stack(|| lint_bytes(Language::Rust, data));
}

/// Config files (`loopguard.toml` and `pyproject.toml`), the settings built from them, and
/// suppression comments of both languages: each line of the input is read as a comment.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for name in ["loopguard.toml", "pyproject.toml"] {
        let path = Path::new("/project").join(name);
        if let Ok(Some(config)) = ConfigFile::parse(&path, &text) {
            let settings = Settings::new(Some(&config), &CliOverrides::default(), Path::new("/"));
            settings.rules_for(Path::new("/project/src/app.py"), Language::Python);
            settings.is_excluded(Path::new("/project/tests/app.rs"));
        }
    }
    let source = SourceText::new(text.into_owned(), None);
    let mut comments = Vec::new();
    let mut start = 0usize;
    for line in source.text.split_inclusive('\n') {
        let end = start + line.trim_end_matches(['\r', '\n']).len();
        comments.push(TextRange::new(offset(start), offset(end)));
        start += line.len();
    }
    for language in [Language::Python, Language::Rust] {
        let suppressions = suppress::collect(&source, &comments, language);
        suppress::unused(&suppressions, settings().rules);
    }
}

/// Lint → fix (safe and unsafe) → re-lint, in memory. The first byte picks the language. A
/// fixed text must parse; a fix that breaks it must be rolled back and reported as LG005.
pub fn fix(data: &[u8]) {
    let Some((&selector, data)) = data.split_first() else {
        return;
    };
    let language = if selector % 2 == 0 {
        Language::Python
    } else {
        Language::Rust
    };
    on_worker_stack(|| {
        let Ok(source) = decode(data.to_vec(), language) else {
            return;
        };
        let original = source.text.clone();
        let linted = lint(language, &source);
        let request = FixRequest {
            unsafe_fixes: true,
            write: false,
            roots: Vec::new(),
        };
        if !fix::offers(&linted.diagnostics, &request) {
            return;
        }
        let fixed = fix::fix_file(
            Path::new("fuzz-input"),
            language,
            source,
            linted,
            &request,
            |text| lint(language, text),
        );
        if fixed.fix.is_some() {
            assert_eq!(
                fix::syntax_error(language, &fixed.source.text),
                None,
                "a fixed text must parse:\n{}",
                fixed.source.text
            );
        } else {
            let rolled_back = fixed
                .linted
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.rule == Rule::FixError);
            assert!(
                fixed.source.text == original || rolled_back,
                "a text changed without a fix being reported"
            );
        }
    });
}

fn offset(index: usize) -> TextSize {
    TextSize::try_from(index).unwrap_or(TextSize::new(u32::MAX))
}
