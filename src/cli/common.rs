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
    pub fn discover(&self) -> Result<Discovered, String> {
        let cwd = std::env::current_dir()
            .map_err(|error| format!("cannot read the working directory: {error}"))?;
        self.discover_in(cwd)
    }

    /// Discovery as if run from `cwd`: configuration is looked up and paths are shown relative
    /// to it (`audit --compare` lints an unpacked older revision this way). Relative `paths`
    /// are still taken as given, so they must already point into `cwd`.
    pub fn discover_in(&self, cwd: PathBuf) -> Result<Discovered, String> {
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
        let resolver = Arc::new(SettingsResolver::new(source, cli, cwd.clone()));
        let mut discovery = discover(&self.paths, &resolver).map_err(|error| error.to_string())?;
        if let Some(revision) = &self.changed_since {
            let changed = changed_files(&cwd, revision)?;
            discovery.files.retain(|file| {
                std::fs::canonicalize(cwd.join(&file.path))
                    .is_ok_and(|path| changed.contains(&path))
            });
        }
        let root_settings = resolver
            .for_directory(Path::new("."))
            .map_err(|error| error.to_string())?;
        Ok(Discovered {
            cwd,
            discovery,
            root_settings,
        })
    }

    pub fn run(&self) -> Result<LintRun, String> {
        self.lint(self.discover()?)
    }

    pub fn run_in(&self, cwd: PathBuf) -> Result<LintRun, String> {
        self.lint(self.discover_in(cwd)?)
    }

    /// Lints what discovery found, through the result cache in `cwd` unless `--no-cache`.
    pub fn lint_discovered(
        &self,
        discovery: Discovery,
        cwd: &Path,
    ) -> Result<Vec<FileReport>, String> {
        let jobs = self.jobs.map(usize::from);
        if self.no_cache {
            return lint_all(discovery, jobs);
        }
        let cache = Cache::open(cwd);
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
        let reports = self.lint_discovered(discovered.discovery, &discovered.cwd)?;
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
