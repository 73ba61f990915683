//! SARIF 2.1.0 (the format GitHub code scanning and most security dashboards ingest), built
//! with `serde-sarif`'s types. One run; every registry rule described in `tool.driver.rules`;
//! locations relative to `%SRCROOT%` (the working directory); line-independent
//! `partialFingerprints` so that dashboards track a finding across edits.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix, Location, Message,
    MultiformatMessageString, PhysicalLocation, PropertyBag, Region, Replacement,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

use super::Finding;
use crate::fingerprint::fingerprints;
use crate::registry::{Rule, Severity};
use crate::source::Location as SourceLocation;

const SCHEMA_URI: &str = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";
pub const FINGERPRINT_KEY: &str = "loopguard/v1";

pub fn render(findings: &[Finding], cwd: &Path, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<ReportingDescriptor> = Rule::ALL.iter().map(|rule| descriptor(*rule)).collect();
    let prints = fingerprints(findings, |finding| uri_path(finding.path, cwd).0);
    let results: Vec<SarifResult> = findings
        .iter()
        .zip(prints)
        .map(|(finding, print)| result(finding, print, cwd))
        .collect();
    let driver = ToolComponent::builder()
        .name("loopguard")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules)
        .build();
    let root_uri = format!(
        "file://{}/",
        percent_encode(&cwd.to_string_lossy().replace('\\', "/"))
    );
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .original_uri_base_ids(BTreeMap::from([(
            SOURCE_ROOT.to_string(),
            ArtifactLocation::builder().uri(root_uri).build(),
        )]))
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA_URI)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
    }
}

fn descriptor(rule: Rule) -> ReportingDescriptor {
    let meta = rule.meta();
    let mut properties = BTreeMap::new();
    let mut tags = vec![serde_json::json!("concurrency")];
    if let Some(category) = meta.fm043 {
        tags.push(serde_json::json!(format!("FM-043 #{category}")));
    }
    properties.insert("tags".to_string(), serde_json::Value::Array(tags));
    properties.insert("precision".to_string(), serde_json::json!("high"));
    ReportingDescriptor::builder()
        .id(meta.code)
        .name(meta.name)
        .short_description(
            MultiformatMessageString::builder()
                .text(meta.summary)
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(section(meta.doc, "What it does"))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(meta.doc)
                .markdown(meta.doc)
                .build(),
        )
        .help_uri(meta.url())
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::json!(level(meta.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// The text under a `## heading` of a rule doc.
fn section(doc: &str, heading: &str) -> String {
    let marker = format!("## {heading}\n");
    let Some(start) = doc.find(&marker) else {
        return doc.to_string();
    };
    let body = &doc[start + marker.len()..];
    body[..body.find("\n## ").unwrap_or(body.len())]
        .trim()
        .to_string()
}

fn region(start: SourceLocation, end: SourceLocation) -> Region {
    Region::builder()
        .start_line(start.row as i64)
        .start_column(start.column as i64)
        .end_line(end.row as i64)
        .end_column(end.column as i64)
        .build()
}

/// The artifact's URI: relative to `%SRCROOT%` when the file is inside the working directory.
fn uri_path(path: &Path, cwd: &Path) -> (String, bool) {
    match crate::discover::relative_to(path, cwd, cwd) {
        Ok(relative) => (relative.to_string_lossy().replace('\\', "/"), true),
        Err(absolute) => (absolute.to_string_lossy().replace('\\', "/"), false),
    }
}

fn artifact(path: &Path, cwd: &Path) -> ArtifactLocation {
    match uri_path(path, cwd) {
        (relative, true) => ArtifactLocation::builder()
            .uri(percent_encode(&relative))
            .uri_base_id(SOURCE_ROOT)
            .build(),
        (absolute, false) => ArtifactLocation::builder()
            .uri(format!("file://{}", percent_encode(&absolute)))
            .build(),
    }
}

/// RFC 3986 path encoding: unreserved characters and `/` stay, everything else is escaped.
fn percent_encode(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn result(finding: &Finding, fingerprint: String, cwd: &Path) -> SarifResult {
    let diagnostic = finding.diagnostic;
    let meta = diagnostic.rule.meta();
    let source = finding.report.source();
    let source = source.as_deref();
    let locate =
        |offset| source.map_or(SourceLocation { row: 1, column: 1 }, |s| s.location(offset));
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact(finding.path, cwd))
                .region(region(finding.start, finding.end))
                .build(),
        )
        .build();
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<Location> = diagnostic
        .notes
        .iter()
        .filter_map(|note| {
            if let Some(file) = &note.file {
                return Some(
                    Location::builder()
                        .message(Message::builder().text(note.message.clone()).build())
                        .physical_location(
                            PhysicalLocation::builder()
                                .artifact_location(artifact(&file.path, cwd))
                                .region(region(file.location, file.location))
                                .build(),
                        )
                        .build(),
                );
            }
            let range = note.range?;
            Some(
                Location::builder()
                    .message(Message::builder().text(note.message.clone()).build())
                    .physical_location(
                        PhysicalLocation::builder()
                            .artifact_location(artifact(finding.path, cwd))
                            .region(region(locate(range.start()), locate(range.end())))
                            .build(),
                    )
                    .build(),
            )
        })
        .collect();
    let fixes: Vec<Fix> = diagnostic
        .fix
        .iter()
        .filter(|fix| !fix.edits.is_empty())
        .map(|fix| {
            let replacements: Vec<Replacement> = fix
                .edits
                .iter()
                .map(|edit| {
                    Replacement::builder()
                        .deleted_region(region(
                            locate(edit.range.start()),
                            locate(edit.range.end()),
                        ))
                        .inserted_content(
                            ArtifactContent::builder()
                                .text(edit.content.clone())
                                .build(),
                        )
                        .build()
                })
                .collect();
            Fix::builder()
                .description(
                    Message::builder()
                        .text(format!("{} ({} fix)", fix.message, fix.applicability))
                        .build(),
                )
                .artifact_changes(vec![ArtifactChange::builder()
                    .artifact_location(artifact(finding.path, cwd))
                    .replacements(replacements)
                    .build()])
                .build()
        })
        .collect();
    let built = SarifResult::builder()
        .rule_id(meta.code)
        .rule_index(
            Rule::ALL
                .iter()
                .position(|rule| *rule == diagnostic.rule)
                .unwrap_or_default() as i64,
        )
        .level(level(meta.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_string(), fingerprint)]))
        .build();
    let properties = diagnostic.root_cause.as_ref().map(|cause| {
        let blocking_call = serde_json::json!({
            "name": cause.call,
            "code": cause.rule.code(),
            "artifactLocation": artifact(&cause.file.path, cwd),
            "startLine": cause.file.location.row,
            "startColumn": cause.file.location.column,
        });
        PropertyBag::builder()
            .additional_properties(BTreeMap::from([(
                "blockingCall".to_string(),
                blocking_call,
            )]))
            .build()
    });
    SarifResult {
        related_locations: (!related.is_empty()).then_some(related),
        fixes: (!fixes.is_empty()).then_some(fixes),
        properties,
        ..built
    }
}
