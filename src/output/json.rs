//! JSON output, ruff-compatible in shape (`code`, `message`, `filename`, `location`,
//! `end_location`, `fix`, `url`, `noqa_row`) with loopguard's `name`, `severity`, `help` and
//! `notes` added. The schema is documented in the README.

use std::io::{self, Write};

use serde::Serialize;

use super::Finding;
use crate::diagnostic::Applicability;
use crate::source::Location;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    message: &'a str,
    severity: crate::registry::Severity,
    filename: &'a str,
    location: Location,
    end_location: Location,
    noqa_row: usize,
    fix: Option<JsonFix<'a>>,
    help: Option<&'a str>,
    notes: Vec<JsonNote<'a>>,
    /// An LG208 chain's blocking call, the same for every chain that one fix there fixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    blocking_call: Option<JsonBlockingCall<'a>>,
    url: String,
}

#[derive(Serialize)]
struct JsonBlockingCall<'a> {
    name: &'a str,
    code: &'static str,
    filename: &'a str,
    location: Location,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: Applicability,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    content: &'a str,
    location: Location,
    end_location: Location,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    message: &'a str,
    /// Set when the note points into another file than the finding's (a call chain's hops).
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
    location: Option<Location>,
    end_location: Option<Location>,
}

fn to_json<'a>(finding: &'a Finding) -> JsonDiagnostic<'a> {
    let diagnostic = finding.diagnostic;
    let meta = diagnostic.rule.meta();
    let source = finding.report.source();
    let source = source.as_deref();
    let locate = |offset| source.map_or(Location { row: 1, column: 1 }, |s| s.location(offset));
    JsonDiagnostic {
        code: meta.code,
        name: meta.name,
        message: &diagnostic.message,
        severity: meta.severity,
        filename: &finding.display_path,
        location: finding.start,
        end_location: finding.end,
        noqa_row: finding.start.row,
        fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
            applicability: fix.applicability,
            message: &fix.message,
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    content: &edit.content,
                    location: locate(edit.range.start()),
                    end_location: locate(edit.range.end()),
                })
                .collect(),
        }),
        help: diagnostic.help.as_deref(),
        notes: diagnostic
            .notes
            .iter()
            .zip(&finding.note_paths)
            .map(|(note, path)| match &note.file {
                Some(file) => JsonNote {
                    message: &note.message,
                    filename: path.as_deref(),
                    location: Some(file.location),
                    end_location: Some(file.location),
                },
                None => JsonNote {
                    message: &note.message,
                    filename: None,
                    location: note.range.map(|range| locate(range.start())),
                    end_location: note.range.map(|range| locate(range.end())),
                },
            })
            .collect(),
        blocking_call: diagnostic.root_cause.as_ref().and_then(|cause| {
            Some(JsonBlockingCall {
                name: &cause.call,
                code: cause.rule.code(),
                filename: finding.root_cause_path.as_deref()?,
                location: cause.file.location,
            })
        }),
        url: meta.url(),
    }
}

/// The findings as the JSON array `--output-format json` prints.
pub fn to_value(findings: &[Finding]) -> serde_json::Value {
    serde_json::to_value(findings.iter().map(to_json).collect::<Vec<_>>()).unwrap_or_default()
}

pub fn render_array(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let diagnostics: Vec<_> = findings.iter().map(to_json).collect();
    serde_json::to_writer_pretty(&mut *out, &diagnostics)?;
    writeln!(out)
}

pub fn render_lines(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for finding in findings {
        serde_json::to_writer(&mut *out, &to_json(finding))?;
        writeln!(out)?;
    }
    Ok(())
}
