//! loopguard: a linter for concurrency anti-patterns in async Python and Rust code.
//!
//! The pipeline, in the order the modules run:
//! `cli` → `discover` (files and their settings) → `lint` (per file, in parallel:
//! `source` → `python` or `rust` front end: parse, semantic facts, `rules`) → `diagnostic`s →
//! `suppress` → `fix` (re-lint loop, atomic writes) → `project` (the files' summaries merged,
//! the rules that follow calls across files) → `output` (and `audit`, the report built from
//! the same results).

pub mod audit;
pub mod baseline;
pub mod cache;
pub mod calls;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fingerprint;
pub mod fix;
pub mod lint;
pub mod lsp;
pub mod matcher;
pub mod noqa;
pub mod output;
pub mod prefilter;
pub mod project;
pub mod python;
pub mod registry;
pub mod rules;
pub mod rust;
pub mod source;
pub mod store;
pub mod suppress;
pub mod test_code;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Discovers and lints `paths` as `loopguard check` does; the reports are sorted by path.
pub fn check_paths(
    paths: &[PathBuf],
    config: discover::ConfigSource,
    cli: config::CliOverrides,
    cwd: &Path,
    jobs: Option<usize>,
) -> Result<Vec<lint::FileReport>, String> {
    let resolver = Arc::new(discover::SettingsResolver::new(
        config,
        cli,
        cwd.to_path_buf(),
    ));
    let discovery =
        discover::discover(paths, &resolver, jobs).map_err(|error| error.to_string())?;
    lint::lint_all(discovery, jobs)
}

/// [`check_paths`] with `--fix`/`--diff`: each file is fixed as `fix` asks before its
/// remaining findings are reported.
pub fn fix_paths(
    paths: &[PathBuf],
    config: discover::ConfigSource,
    cli: config::CliOverrides,
    cwd: &Path,
    jobs: Option<usize>,
    fix: &fix::FixRequest,
) -> Result<Vec<lint::FileReport>, String> {
    let resolver = Arc::new(discover::SettingsResolver::new(
        config,
        cli,
        cwd.to_path_buf(),
    ));
    let discovery =
        discover::discover(paths, &resolver, jobs).map_err(|error| error.to_string())?;
    lint::lint_and_fix_all(discovery, jobs, Some(fix))
}

/// The closest candidate to a misspelt name, if one is close enough to be what was meant.
pub fn did_you_mean<'c>(
    input: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&input.to_ascii_lowercase(), &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}
