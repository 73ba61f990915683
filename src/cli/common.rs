//! Running a lint from `LintArgs`: configuration source, rule overrides, discovery (optionally
//! narrowed to files changed since a git revision) and the parallel lint.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use super::LintArgs;
use crate::cache::Cache;
use crate::config::{CliOverrides, ConfigFile, Settings};
use crate::discover::{discover, ConfigSource, Discovery, SettingsResolver};
use crate::lint::{lint_all, lint_all_cached, FileReport};
use crate::registry::Selector;

pub struct Discovered {
    pub cwd: PathBuf,
    pub discovery: Discovery,
    /// The settings that govern the working directory (where `baseline` is read from).
    pub root_settings: Arc<Settings>,
    /// The result cache, when the run asked for it and `--no-cache` was not given.
    pub cache: Option<Cache>,
}

pub struct LintRun {
    pub cwd: PathBuf,
    pub reports: Vec<FileReport>,
    pub root_settings: Arc<Settings>,
}

fn selectors(option: &str, values: &[String]) -> Result<Vec<Selector>, String> {
    values
        .iter()
        .map(|value| Selector::parse(value).map_err(|message| format!("--{option}: {message}")))
        .collect()
}

impl LintArgs {
    /// Discovery from the working directory, with the result cache opened if `use_cache` (and
    /// not `--no-cache`).
    pub fn discover(&self, use_cache: bool) -> Result<Discovered, String> {
        let cwd = std::env::current_dir()
            .map_err(|error| format!("cannot read the working directory: {error}"))?;
        self.discover_in(cwd, use_cache)
    }

    /// Discovery as if run from `cwd`: configuration is looked up and paths are shown relative
    /// to it (`audit --compare` lints an unpacked older revision this way). Relative `paths`
    /// are still taken as given, so they must already point into `cwd`.
    pub fn discover_in(&self, cwd: PathBuf, use_cache: bool) -> Result<Discovered, String> {
        let open_cache = use_cache && !self.no_cache;
        let (discovery, root_settings, cache) = if open_cache && self.jobs != Some(1) {
            // Mapping the cache and reading its index overlaps the walk on a thread of its own.
            std::thread::scope(|scope| {
                let opening = scope.spawn(|| Cache::open(&cwd));
                let (discovery, root_settings) = self.discover_files(&cwd)?;
                let cache = opening
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                Ok::<_, String>((discovery, root_settings, Some(cache)))
            })?
        } else {
            let (discovery, root_settings) = self.discover_files(&cwd)?;
            (
                discovery,
                root_settings,
                open_cache.then(|| Cache::open(&cwd)),
            )
        };
        Ok(Discovered {
            cwd,
            discovery,
            root_settings,
            cache,
        })
    }

    /// How settings are found for each file, from the configuration options.
    pub fn resolver(&self, cwd: &Path) -> Result<Arc<SettingsResolver>, String> {
        let cli = CliOverrides {
            select: self
                .select
                .as_deref()
                .map(|values| selectors("select", values))
                .transpose()?,
            extend_select: selectors("extend-select", &self.extend_select)?,
            ignore: selectors("ignore", &self.ignore)?,
        };
        let source = if self.isolated {
            ConfigSource::Isolated
        } else if let Some(path) = &self.config {
            match ConfigFile::load(&cwd.join(path)).map_err(|error| error.to_string())? {
                Some(config) => ConfigSource::Explicit(Box::new(config)),
                None => return Err(format!("{}: no [tool.loopguard] table", path.display())),
            }
        } else {
            ConfigSource::Hierarchical
        };
        Ok(Arc::new(SettingsResolver::new(
            source,
            cli,
            cwd.to_path_buf(),
        )))
    }

    fn discover_files(&self, cwd: &Path) -> Result<(Discovery, Arc<Settings>), String> {
        let resolver = self.resolver(cwd)?;
        let mut discovery = discover(&self.paths, &resolver, self.jobs.map(usize::from))
            .map_err(|error| error.to_string())?;
        if let Some(revision) = &self.changed_since {
            let changed = changed_files(cwd, revision)?;
            discovery.files.retain(|file| {
                std::fs::canonicalize(cwd.join(&file.path))
                    .is_ok_and(|path| changed.contains(&path))
            });
        }
        let root_settings = resolver
            .for_directory(Path::new("."))
            .map_err(|error| error.to_string())?;
        Ok((discovery, root_settings))
    }

    pub fn run(&self) -> Result<LintRun, String> {
        self.lint(self.discover(true)?)
    }

    pub fn run_in(&self, cwd: PathBuf) -> Result<LintRun, String> {
        self.lint(self.discover_in(cwd, true)?)
    }

    /// Lints what discovery found, through `cache` (kept in `cwd`) when there is one.
    pub fn lint_discovered(
        &self,
        discovery: Discovery,
        cache: Option<Cache>,
        cwd: &Path,
    ) -> Result<Vec<FileReport>, String> {
        let jobs = self.jobs.map(usize::from);
        let Some(cache) = cache else {
            return lint_all(discovery, jobs);
        };
        let reports = lint_all_cached(discovery, jobs, &cache)?;
        if let Err(error) = cache.save() {
            // A cache that cannot be written costs the next run time, not correctness.
            eprintln!(
                "warning: cannot write the cache in {}: {error}",
                cwd.join(crate::cache::DIRECTORY).display()
            );
        }
        Ok(reports)
    }

    fn lint(&self, discovered: Discovered) -> Result<LintRun, String> {
        let reports =
            self.lint_discovered(discovered.discovery, discovered.cache, &discovered.cwd)?;
        Ok(LintRun {
            cwd: discovered.cwd,
            reports,
            root_settings: discovered.root_settings,
        })
    }
}

fn git(cwd: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|error| format!("--changed-since needs git on PATH: {error}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "--changed-since: `git {}` failed: {}",
            args.join(" "),
            stderr.trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Files changed since `revision` in the working tree (committed, staged or not), plus
/// untracked files that are not ignored, as absolute paths.
fn changed_files(cwd: &Path, revision: &str) -> Result<std::collections::HashSet<PathBuf>, String> {
    let top = git(cwd, &["rev-parse", "--show-toplevel"])?;
    let top =
        std::fs::canonicalize(top.trim()).map_err(|error| format!("--changed-since: {error}"))?;
    let changed = git(
        cwd,
        &[
            "diff",
            "--name-only",
            "--no-renames",
            "--diff-filter=d",
            revision,
            "--",
        ],
    )?;
    let untracked = git(
        cwd,
        &["ls-files", "--others", "--exclude-standard", "--full-name"],
    )?;
    Ok(changed
        .lines()
        .chain(untracked.lines())
        .filter(|line| !line.is_empty())
        .map(|line| top.join(line))
        .collect())
}
