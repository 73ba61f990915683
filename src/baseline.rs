//! Baselines for adopting loopguard on an existing code base: record today's findings, then
//! report only new ones. Entries are keyed by fingerprints (see `fingerprint`), so unrelated
//! edits that move code around do not resurface recorded findings.
//!
//! File format (`"schema": "loopguard-baseline/1"`): a JSON object with `entries`, each with the
//! `fingerprint` plus `code`, `path`, `function` and `line` for humans reading the file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fingerprint::{fingerprints, FingerprintKey};
use crate::output::Finding;

pub const SCHEMA: &str = "loopguard-baseline/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    pub path: String,
    pub function: String,
    pub line: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema: String,
    pub entries: Vec<Entry>,
}

/// The findings of a run split by a baseline.
pub struct Matched<'b> {
    /// Whether each finding (in the order given) is new, i.e. not in the baseline.
    pub is_new: Vec<bool>,
    /// Baseline entries that no longer match any finding: fixed debt.
    pub stale: Vec<&'b Entry>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("{}: cannot read baseline: {error}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|error| format!("{}: invalid baseline: {error}", path.display()))?;
        if baseline.schema != SCHEMA {
            return Err(format!(
                "{}: unsupported baseline schema `{}` (expected `{SCHEMA}`)",
                path.display(),
                baseline.schema
            ));
        }
        Ok(baseline)
    }

    /// Records `findings` (tool diagnostics such as parse errors are not debt, and are left out).
    pub fn record(findings: &[Finding], baseline_path: &Path, cwd: &Path) -> Baseline {
        let debt: Vec<&Finding> = findings
            .iter()
            .filter(|f| !f.diagnostic.rule.meta().is_tool_code())
            .collect();
        let entries = entries(&debt, baseline_path, cwd);
        Baseline {
            schema: SCHEMA.to_string(),
            entries,
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|error| error.to_string())?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|error| format!("{}: cannot write baseline: {error}", path.display()))
    }

    pub fn split(&self, findings: &[Finding], baseline_path: &Path, cwd: &Path) -> Matched<'_> {
        let all: Vec<&Finding> = findings.iter().collect();
        let current = fingerprints_for(&all, baseline_path, cwd);
        let recorded: HashSet<&str> = self
            .entries
            .iter()
            .map(|entry| entry.fingerprint.as_str())
            .collect();
        let present: HashSet<&str> = current.iter().map(String::as_str).collect();
        Matched {
            is_new: current
                .iter()
                .map(|fingerprint| !recorded.contains(fingerprint.as_str()))
                .collect(),
            stale: self
                .entries
                .iter()
                .filter(|entry| !present.contains(entry.fingerprint.as_str()))
                .collect(),
        }
    }
}

/// Paths in a baseline are relative to the baseline file's directory, so the file can be used
/// from any working directory.
fn relative_path(finding: &Finding, baseline_path: &Path, cwd: &Path) -> String {
    let absolute: PathBuf = normalize(&cwd.join(finding.path));
    let base = normalize(&cwd.join(baseline_path.parent().unwrap_or(Path::new("."))));
    absolute
        .strip_prefix(&base)
        .unwrap_or(&absolute)
        .to_string_lossy()
        .replace('\\', "/")
}

fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other),
        }
    }
    normalized
}

fn fingerprints_for(findings: &[&Finding], baseline_path: &Path, cwd: &Path) -> Vec<String> {
    fingerprints(findings.iter().copied(), |finding| {
        relative_path(finding, baseline_path, cwd)
    })
}

fn entries(findings: &[&Finding], baseline_path: &Path, cwd: &Path) -> Vec<Entry> {
    let prints = fingerprints_for(findings, baseline_path, cwd);
    findings
        .iter()
        .zip(prints)
        .map(|(finding, fingerprint)| {
            let key = FingerprintKey::of(finding, &relative_path(finding, baseline_path, cwd));
            Entry {
                fingerprint,
                code: key.code.to_string(),
                path: key.path,
                function: key.function,
                line: key.line,
            }
        })
        .collect()
}
