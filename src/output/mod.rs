//! Rendering the run's results: rustc-like text (miette), concise lines, JSON, JSON lines.

mod concise;
mod github;
mod gitlab;
pub mod json;
mod junit;
pub mod sarif;
mod text;

use std::io::{self, Write};
use std::path::Path;

use crate::diagnostic::{Applicability, Diagnostic};
use crate::lint::FileReport;
use crate::source::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// rustc-style diagnostics with source snippets.
    Text,
    /// One line per finding: `path:line:col: CODE [name] message`.
    Concise,
    /// A JSON array, ruff-compatible in shape.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning and other dashboards.
    Sarif,
    /// GitHub Actions annotations (`::error file=...::message`).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// JUnit XML: one test case per file.
    Junit,
}

impl OutputFormat {
    /// Formats read by programs: the summary line goes to stderr so stdout stays parseable.
    pub fn is_machine_readable(self) -> bool {
        !matches!(self, OutputFormat::Text | OutputFormat::Concise)
    }
}

/// One finding ready for output: the file it is in and its resolved positions.
#[derive(Clone)]
pub struct Finding<'r> {
    pub path: &'r Path,
    pub display_path: String,
    pub report: &'r FileReport,
    pub diagnostic: &'r Diagnostic,
    pub start: Location,
    pub end: Location,
    /// For each note of the diagnostic that points into a file, that file's path as shown.
    pub note_paths: Vec<Option<String>>,
    /// The path of the diagnostic's root cause (an LG208 chain's blocking call) as shown.
    pub root_cause_path: Option<String>,
    /// Whether this run's `--fix` would apply the fix (`--unsafe-fixes` counts unsafe ones).
    fixable: bool,
}

impl Finding<'_> {
    /// A note's message, followed by the file position it points at when it is in a file of
    /// its own (`path:line:column`).
    pub fn note_text(&self, index: usize) -> String {
        let note = &self.diagnostic.notes[index];
        match (
            &note.file,
            self.note_paths.get(index).and_then(Option::as_deref),
        ) {
            (Some(file), Some(path)) => format!(
                "{} ({path}:{}:{})",
                note.message, file.location.row, file.location.column
            ),
            _ => note.message.clone(),
        }
    }

    /// The blocking call the finding's chain ends in, as shown: `` `open` at helpers.py:12:10``.
    pub fn root_cause(&self) -> Option<String> {
        let cause = self.diagnostic.root_cause.as_ref()?;
        let path = self.root_cause_path.as_deref()?;
        let location = cause.file.location;
        Some(format!(
            "`{}` at {path}:{}:{}",
            cause.call, location.row, location.column
        ))
    }

    /// Marked `[*]` in the output.
    pub fn is_fixable(&self) -> bool {
        self.fixable
    }

    /// Has an unsafe fix that only `--unsafe-fixes` would apply.
    fn has_hidden_fix(&self) -> bool {
        !self.fixable
            && self
                .diagnostic
                .fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::Unsafe)
    }
}

/// Paths are shown relative to the working directory when they are inside it.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let relative = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path.strip_prefix(".").unwrap_or(path)
    };
    relative.to_string_lossy().into_owned()
}

/// The findings of all reports, sorted by file and position; safe fixes count as fixable.
pub fn findings<'r>(reports: &'r [FileReport], cwd: &Path) -> Vec<Finding<'r>> {
    findings_with(reports, cwd, false)
}

/// [`findings`], counting unsafe fixes as fixable too when `unsafe_fixes` is set.
pub fn findings_with<'r>(
    reports: &'r [FileReport],
    cwd: &Path,
    unsafe_fixes: bool,
) -> Vec<Finding<'r>> {
    let mut findings = Vec::new();
    for report in reports
        .iter()
        .filter(|report| !report.diagnostics.is_empty())
    {
        let display = display_path(&report.path, cwd);
        let source = report.source();
        for diagnostic in &report.diagnostics {
            let (start, end) = match &source {
                Some(source) => (
                    source.location(diagnostic.range.start()),
                    source.location(diagnostic.range.end()),
                ),
                None => (
                    Location { row: 1, column: 1 },
                    Location { row: 1, column: 1 },
                ),
            };
            let fixable = diagnostic.fix.as_ref().is_some_and(|fix| {
                fix.applicability == Applicability::Safe
                    || (unsafe_fixes && fix.applicability == Applicability::Unsafe)
            });
            let note_paths = diagnostic
                .notes
                .iter()
                .map(|note| note.file.as_ref().map(|file| display_path(&file.path, cwd)))
                .collect();
            let root_cause_path = diagnostic
                .root_cause
                .as_ref()
                .map(|cause| display_path(&cause.file.path, cwd));
            findings.push(Finding {
                path: &report.path,
                display_path: display.clone(),
                report,
                diagnostic,
                start,
                end,
                note_paths,
                root_cause_path,
                fixable,
            });
        }
    }
    findings.sort_by(|a, b| {
        (a.path, a.start, a.diagnostic.rule.code()).cmp(&(
            b.path,
            b.start,
            b.diagnostic.rule.code(),
        ))
    });
    findings
}

pub struct RenderOptions {
    pub format: OutputFormat,
    /// Relative paths in the output are relative to this directory.
    pub cwd: std::path::PathBuf,
    pub color: bool,
    pub unicode: bool,
}

/// `reports` lists every linted file, including those without findings (JUnit shows them).
pub fn render(
    findings: &[Finding],
    reports: &[FileReport],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match options.format {
        OutputFormat::Text => text::render(findings, options, out),
        OutputFormat::Concise => concise::render(findings, out),
        OutputFormat::Json => json::render_array(findings, out),
        OutputFormat::JsonLines => json::render_lines(findings, out),
        OutputFormat::Sarif => sarif::render(findings, &options.cwd, out),
        OutputFormat::Github => github::render(findings, out),
        OutputFormat::Gitlab => gitlab::render(findings, out),
        OutputFormat::Junit => junit::render(findings, reports, &options.cwd, out),
    }
}

/// `Found 3 problems (1 fixed, 1 fixable with --fix, 1 hidden fix can be enabled with
/// --unsafe-fixes).`, in ruff's words; `fixed` counts the fixes this run applied.
pub fn summary(findings: &[Finding], fixed: usize) -> String {
    let total = findings.len() + fixed;
    if total == 0 {
        return "All checks passed!".to_string();
    }
    let fixable = findings
        .iter()
        .filter(|finding| finding.is_fixable())
        .count();
    let hidden = findings
        .iter()
        .filter(|finding| finding.has_hidden_fix())
        .count();
    let mut parts = Vec::new();
    if fixed > 0 {
        parts.push(format!("{fixed} fixed"));
        if findings.is_empty() {
            parts.push("0 remaining".to_string());
        }
    }
    if fixable > 0 {
        parts.push(format!("{fixable} fixable with --fix"));
    }
    if hidden > 0 {
        let noun = if hidden == 1 { "fix" } else { "fixes" };
        parts.push(format!(
            "{hidden} hidden {noun} can be enabled with --unsafe-fixes"
        ));
    }
    let noun = if total == 1 { "problem" } else { "problems" };
    if parts.is_empty() {
        format!("Found {total} {noun}.")
    } else {
        format!("Found {total} {noun} ({}).", parts.join(", "))
    }
}

/// `--statistics`: the count of findings per rule, most frequent first.
pub fn statistics(
    findings: &[Finding],
    format: OutputFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut counts: Vec<(crate::registry::Rule, usize, usize)> = Vec::new();
    for finding in findings {
        let rule = finding.diagnostic.rule;
        match counts.iter_mut().find(|(counted, _, _)| *counted == rule) {
            Some((_, count, fixable)) => {
                *count += 1;
                *fixable += usize::from(finding.is_fixable());
            }
            None => counts.push((rule, 1, usize::from(finding.is_fixable()))),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if format.is_machine_readable() {
        let rows: Vec<_> = counts
            .iter()
            .map(|(rule, count, fixable)| {
                serde_json::json!({"code": rule.code(), "name": rule.name(), "count": count, "fixable": fixable})
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    let width = counts
        .iter()
        .map(|(_, count, _)| count.to_string().len())
        .max()
        .unwrap_or(1);
    for (rule, count, fixable) in counts {
        let marker = if fixable > 0 { "[*]" } else { "[ ]" };
        writeln!(
            out,
            "{count:>width$}\t{}\t{marker} {}",
            rule.code(),
            rule.name()
        )?;
    }
    Ok(())
}
