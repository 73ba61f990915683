//! The GitHub-flavoured Markdown report: the HTML report's tables, for a pull request, a wiki
//! or a ticket. Text from the code base (paths, messages, reasons) is escaped so that it can
//! neither break a table nor inject markup.

use std::fmt::Write;

use super::{category_title, Audit, Hotspot};
use crate::registry::Rule;

/// Escapes a table cell: `|` would end the cell, `<`/`>`/`&` would be markup, a newline the row.
fn cell(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '|' => escaped.push_str("\\|"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '\\' => escaped.push_str("\\\\"),
            '\n' | '\r' => escaped.push(' '),
            other => escaped.push(other),
        }
    }
    escaped
}

fn rule_link(code: &str, name: &str) -> String {
    match Rule::from_code_or_name(code) {
        Some(rule) => format!("[{}]({})", cell(name), rule.meta().url()),
        None => cell(name),
    }
}

fn table(out: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let alignment: Vec<&str> = header
        .iter()
        .map(|title| {
            if NUMERIC_COLUMNS.contains(title) {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    let _ = writeln!(out, "|{}|", alignment.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

const NUMERIC_COLUMNS: &[&str] = &[
    "Files",
    "Lines",
    "Findings",
    "Per 1,000 lines",
    "Line",
    "New",
    "Fixed",
    "Unchanged",
    "Now",
    "Suppressions",
    "Without reason",
    "Baseline entries",
    "Chains",
];

fn hotspot_rows(spots: &[Hotspot], with_files: bool) -> Vec<Vec<String>> {
    spots
        .iter()
        .map(|spot| {
            let mut row = vec![cell(&spot.path)];
            if with_files {
                row.push(spot.files.to_string());
            }
            row.extend([
                spot.lines.to_string(),
                spot.findings.to_string(),
                format!("{:.2}", super::density(spot.findings, spot.lines)),
            ]);
            row
        })
        .collect()
}

pub fn render(audit: &Audit) -> String {
    let summary = &audit.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# loopguard audit of {}\n",
        cell(&audit.paths.join(" "))
    );
    let _ = writeln!(
        out,
        "**Date:** {} · **Revision:** {} · **loopguard** {}\n",
        cell(&audit.date),
        cell(audit.revision_label()),
        cell(&audit.tool.version)
    );
    table(
        &mut out,
        &[
            "Findings",
            "Files",
            "Lines",
            "Per 1,000 lines",
            "Suppressions",
            "Without reason",
            "Baseline entries",
        ],
        [vec![
            summary.findings.to_string(),
            summary.files.to_string(),
            summary.lines.to_string(),
            format!("{:.2}", summary.density_per_kloc),
            audit.suppressions.total.to_string(),
            audit.suppressions.without_reason.to_string(),
            audit
                .baseline
                .as_ref()
                .map_or("none".to_string(), |baseline| baseline.entries.to_string()),
        ]],
    );

    out.push_str("## Summary\n\n### By FM-043 category\n\n");
    table(
        &mut out,
        &["Category", "Findings"],
        summary.categories.iter().map(|category| {
            vec![
                format!("{}. {}", category.category, cell(&category.title)),
                category.findings.to_string(),
            ]
        }),
    );
    out.push_str("### By severity\n\n");
    table(
        &mut out,
        &["Severity", "Findings"],
        summary
            .severities
            .iter()
            .map(|severity| vec![cell(&severity.severity), severity.findings.to_string()]),
    );
    out.push_str("### By language\n\n");
    table(
        &mut out,
        &["Language", "Files", "Lines", "Findings", "Per 1,000 lines"],
        summary.languages.iter().map(|language| {
            vec![
                cell(&language.language),
                language.files.to_string(),
                language.lines.to_string(),
                language.findings.to_string(),
                format!("{:.2}", super::density(language.findings, language.lines)),
            ]
        }),
    );
    out.push_str("### By rule\n\n");
    let mut rules: Vec<_> = summary.rules.iter().collect();
    rules.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then_with(|| a.code.cmp(&b.code))
    });
    table(
        &mut out,
        &[
            "Code",
            "Rule",
            "FM-043 category",
            "Severity",
            "Findings",
            "Enabled",
        ],
        rules.iter().map(|rule| {
            vec![
                cell(&rule.code),
                rule_link(&rule.code, &rule.name),
                rule.category.map_or("tool".to_string(), |category| {
                    format!("{category}. {}", category_title(category))
                }),
                cell(&rule.severity),
                rule.findings.to_string(),
                if rule.enabled { "yes" } else { "no" }.to_string(),
            ]
        }),
    );

    out.push_str("## Trend\n\n");
    match &audit.trend {
        None => out.push_str(
            "No earlier audit was given (`--previous OLD.json` or `--compare <git-rev>`).\n\n",
        ),
        Some(trend) => {
            table(
                &mut out,
                &["Date", "Revision", "Findings"],
                trend.points.iter().map(|point| {
                    vec![
                        cell(&point.date),
                        cell(point.revision.as_deref().unwrap_or("—")),
                        point.findings.to_string(),
                    ]
                }),
            );
            let _ = writeln!(
                out,
                "### Changes since {}\n\n{} new, {} fixed, {} unchanged (matched by fingerprint).\n",
                cell(&trend.reference.label()),
                trend.new,
                trend.fixed,
                trend.unchanged
            );
            table(
                &mut out,
                &["Code", "Rule", "New", "Fixed", "Unchanged", "Now"],
                trend.changes.iter().map(|change| {
                    vec![
                        cell(&change.code),
                        rule_link(&change.code, &change.name),
                        change.new.to_string(),
                        change.fixed.to_string(),
                        change.unchanged.to_string(),
                        (change.new + change.unchanged).to_string(),
                    ]
                }),
            );
        }
    }

    out.push_str("## Hotspots\n\n");
    if audit.hotspots.files.is_empty() {
        out.push_str("No findings, so no hotspots.\n\n");
    } else {
        out.push_str("### Files\n\n");
        table(
            &mut out,
            &["File", "Lines", "Findings", "Per 1,000 lines"],
            hotspot_rows(&audit.hotspots.files, false),
        );
        out.push_str("### Directories\n\n");
        table(
            &mut out,
            &["Directory", "Files", "Lines", "Findings", "Per 1,000 lines"],
            hotspot_rows(&audit.hotspots.directories, true),
        );
    }

    if !audit.root_causes.is_empty() {
        out.push_str("### Root causes of blocking chains (LG208)\n\n");
        out.push_str("Each blocking call below ends this many LG208 chains: one fix there fixes them all.\n\n");
        table(
            &mut out,
            &["Blocking call", "Rule", "Where", "Chains"],
            audit.root_causes.iter().map(|cause| {
                vec![
                    cell(&format!("`{}`", cause.call)),
                    cause.code.clone(),
                    cell(&format!("{}:{}:{}", cause.path, cause.line, cause.column)),
                    cause.chains.to_string(),
                ]
            }),
        );
    }

    out.push_str("## Suppressions\n\n");
    let suppressions = &audit.suppressions;
    let _ = write!(
        out,
        "{} suppression comments, {} without a reason.",
        suppressions.total, suppressions.without_reason
    );
    match &audit.baseline {
        Some(baseline) => {
            let _ = writeln!(
                out,
                " Baseline {}: {} entries, {} of this audit's findings recorded in it, {} fixed since it was recorded.\n",
                cell(&baseline.path),
                baseline.entries,
                baseline.matched,
                baseline.stale
            );
        }
        None => out.push_str(" No baseline file is configured.\n\n"),
    }
    if !suppressions.entries.is_empty() {
        table(
            &mut out,
            &[
                "File",
                "Line",
                "Kind",
                "Rules",
                "Reason",
                "Silences findings",
            ],
            suppressions.entries.iter().map(|entry| {
                vec![
                    cell(&entry.path),
                    entry.line.to_string(),
                    cell(&entry.kind),
                    cell(&Audit::suppressed_rules_label(entry)),
                    entry
                        .reason
                        .as_deref()
                        .map_or("**no reason given**".to_string(), cell),
                    if entry.used { "yes" } else { "no" }.to_string(),
                ]
            }),
        );
    }

    out.push_str("## Findings\n\n");
    if audit.findings.is_empty() {
        out.push_str("No findings.\n\n");
    } else {
        table(
            &mut out,
            &["File", "Line", "Rule", "Severity", "Message"],
            audit.findings.iter().map(|finding| {
                vec![
                    cell(&finding.path),
                    finding.line.to_string(),
                    format!(
                        "{} {}",
                        cell(&finding.code),
                        rule_link(&finding.code, &finding.name)
                    ),
                    cell(&finding.severity),
                    cell(&finding.message),
                ]
            }),
        );
    }

    out.push_str("## Rules enabled\n\n");
    let enabled: Vec<String> = summary
        .rules
        .iter()
        .filter(|rule| rule.enabled)
        .map(|rule| format!("{} {}", cell(&rule.code), rule_link(&rule.code, &rule.name)))
        .collect();
    let _ = writeln!(out, "{}", enabled.join(" · "));
    out
}
