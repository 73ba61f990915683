//! GitLab Code Quality report (a JSON array of issues), shown in merge request widgets.
//! Fingerprints are line-independent, so GitLab tracks issues across edits.

use std::io::{self, Write};

use serde::Serialize;

use super::Finding;
use crate::fingerprint::fingerprints;
use crate::registry::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    positions: Positions,
}

#[derive(Serialize)]
struct Positions {
    begin: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let prints = fingerprints(findings, |finding| finding.display_path.clone());
    let issues: Vec<Issue> = findings
        .iter()
        .zip(prints)
        .map(|(finding, fingerprint)| {
            let meta = finding.diagnostic.rule.meta();
            Issue {
                kind: "issue",
                check_name: meta.code,
                description: format!(
                    "{} [{}] {}",
                    meta.code, meta.name, finding.diagnostic.message
                ),
                categories: [if meta.fm043 == Some(5) {
                    "Performance"
                } else {
                    "Bug Risk"
                }],
                severity: match meta.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                fingerprint,
                location: IssueLocation {
                    path: &finding.display_path,
                    positions: Positions {
                        begin: Position {
                            line: finding.start.row,
                            column: finding.start.column,
                        },
                        end: Position {
                            line: finding.end.row,
                            column: finding.end.column,
                        },
                    },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
