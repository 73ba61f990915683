//! `loopguard audit`: one scan summarised for people (HTML, Markdown) and for the next audit
//! (JSON, `"schema": "loopguard-audit/1"`).
//!
//! The JSON is the model: [`Audit`] is built once from the lint reports, written as JSON, and
//! rendered from the same value into HTML and Markdown. An earlier audit's JSON (`--previous`,
//! or a `--compare` run of an older revision) becomes a [`trend`] point, and its finding
//! fingerprints tell which findings are new, fixed or unchanged.

pub mod html;
pub mod markdown;
mod svg;
pub mod trend;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::fingerprint::fingerprints;
use crate::lint::FileReport;
use crate::output::{self, Finding};
use crate::registry::{Rule, RuleSet};
use crate::suppress::SuppressionKind;

pub use trend::Trend;

pub const SCHEMA: &str = "loopguard-audit/1";

/// The FM-043 incident categories, indexed by `category - 1`.
pub const FM043_CATEGORIES: [&str; 8] = [
    "Unbounded fan-out",
    "Connections per operation",
    "Threads without lifecycle",
    "Deprecated event-loop APIs",
    "Blocking calls in async code",
    "Leaked resources",
    "Calls bypassing a breaker or limiter",
    "Retries without jitter",
];

/// How many directories and files the hotspot lists keep by default.
pub const DEFAULT_HOTSPOTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub schema: String,
    pub tool: Tool,
    /// The day of the audit, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// `git rev-parse --short HEAD`; `null` outside a git repository.
    pub revision: Option<String>,
    /// The paths that were linted, as given on the command line.
    pub paths: Vec<String>,
    pub summary: Summary,
    pub hotspots: Hotspots,
    /// The blocking calls LG208 chains end in, most chains first: one fix each.
    #[serde(default)]
    pub root_causes: Vec<RootCause>,
    pub suppressions: Suppressions,
    pub baseline: Option<BaselineSummary>,
    pub findings: Vec<AuditFinding>,
    /// Present when earlier audits were given (`--previous`, `--compare`).
    pub trend: Option<Trend>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub files: usize,
    pub lines: usize,
    pub findings: usize,
    /// Findings per 1,000 lines, rounded to two decimals.
    pub density_per_kloc: f64,
    pub languages: Vec<LanguageSummary>,
    /// Every enabled rule and every rule with findings, in registry order.
    pub rules: Vec<RuleSummary>,
    /// All eight FM-043 categories, in order, with zero counts kept.
    pub categories: Vec<CategorySummary>,
    pub severities: Vec<SeveritySummary>,
    /// Codes of the rules that ran for the working directory's settings.
    pub rules_enabled: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageSummary {
    pub language: String,
    pub files: usize,
    pub lines: usize,
    pub findings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSummary {
    pub code: String,
    pub name: String,
    pub severity: String,
    pub category: Option<u8>,
    pub enabled: bool,
    pub findings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorySummary {
    pub category: u8,
    pub title: String,
    pub findings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeveritySummary {
    pub severity: String,
    pub findings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hotspots {
    pub directories: Vec<Hotspot>,
    pub files: Vec<Hotspot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hotspot {
    pub path: String,
    pub files: usize,
    pub lines: usize,
    pub findings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressions {
    pub total: usize,
    pub without_reason: usize,
    pub entries: Vec<SuppressionEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressionEntry {
    pub path: String,
    /// The 1-based line of the comment.
    pub line: usize,
    /// `noqa`, `allow` or `allow-file`.
    pub kind: String,
    /// Rule codes; `null` for a bare `# noqa`, which silences every rule on its line.
    pub rules: Option<Vec<String>>,
    /// Names in the comment that are no loopguard rule.
    pub unknown: Vec<String>,
    /// The text after `--`; `null` when the comment gives no reason.
    pub reason: Option<String>,
    /// The line the suppression applies to; `null` for the whole file.
    pub target_line: Option<usize>,
    /// Whether it silenced at least one finding in this run.
    pub used: bool,
}

/// A blocking call that LG208 chains end in, with how many do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RootCause {
    /// The call (`open`, `time.sleep`) and the rule that makes it blocking.
    pub call: String,
    pub code: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub chains: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineSummary {
    pub path: String,
    pub entries: usize,
    /// Findings of this run that the baseline records.
    pub matched: usize,
    /// Entries that match no finding any more (fixed debt).
    pub stale: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// Line-independent: stable across unrelated edits (see `fingerprint.rs`).
    pub fingerprint: String,
    pub code: String,
    pub name: String,
    pub severity: String,
    pub category: Option<u8>,
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// The enclosing function, when there is one.
    pub function: Option<String>,
    pub message: String,
}

/// What the audit records besides the lint reports.
pub struct Context<'a> {
    pub date: String,
    pub revision: Option<String>,
    pub paths: Vec<String>,
    pub rules_enabled: RuleSet,
    /// The baseline file as it should be shown, and its path to match findings against.
    pub baseline: Option<(&'a Path, &'a Baseline)>,
    pub hotspots: usize,
}

impl Audit {
    pub fn build(reports: &[FileReport], cwd: &Path, context: &Context) -> Audit {
        let findings = output::findings(reports, cwd);
        let audit_findings = audit_findings(&findings);
        let lines: usize = reports.iter().map(|report| report.lines).sum();
        Audit {
            schema: SCHEMA.to_string(),
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            date: context.date.clone(),
            revision: context.revision.clone(),
            paths: context.paths.clone(),
            summary: Summary {
                files: reports.len(),
                lines,
                findings: findings.len(),
                density_per_kloc: density(findings.len(), lines),
                languages: languages(reports),
                rules: rules(&findings, context.rules_enabled),
                categories: categories(&findings),
                severities: severities(&findings),
                rules_enabled: context
                    .rules_enabled
                    .iter()
                    .map(|rule| rule.code().to_string())
                    .collect(),
            },
            hotspots: hotspots(reports, cwd, context.hotspots),
            root_causes: root_causes(&findings),
            suppressions: suppressions(reports, cwd),
            baseline: context.baseline.map(|(path, baseline)| {
                let matched = baseline.split(&findings, path, cwd);
                BaselineSummary {
                    path: output::display_path(path, cwd).replace('\\', "/"),
                    entries: baseline.entries.len(),
                    matched: matched.is_new.iter().filter(|is_new| !**is_new).count(),
                    stale: matched.stale.len(),
                }
            }),
            findings: audit_findings,
            trend: None,
        }
    }

    /// Reads an earlier audit's JSON (`--previous`).
    pub fn load(path: &Path) -> Result<Audit, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("{}: cannot read audit: {error}", path.display()))?;
        let schema = serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|error| format!("{}: invalid audit JSON: {error}", path.display()))?
            .get("schema")
            .and_then(serde_json::Value::as_str)
            .map(ToString::to_string);
        if schema.as_deref() != Some(SCHEMA) {
            return Err(format!(
                "{}: unsupported audit schema `{}` (expected `{SCHEMA}`)",
                path.display(),
                schema.unwrap_or_default()
            ));
        }
        serde_json::from_str(&text)
            .map_err(|error| format!("{}: invalid audit JSON: {error}", path.display()))
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The revision as the report header shows it.
    pub fn revision_label(&self) -> &str {
        self.revision.as_deref().unwrap_or("not a git repository")
    }

    pub fn suppressed_rules_label(entry: &SuppressionEntry) -> String {
        match &entry.rules {
            None => "all rules".to_string(),
            Some(rules) => rules
                .iter()
                .chain(&entry.unknown)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

fn density(findings: usize, lines: usize) -> f64 {
    if lines == 0 {
        return 0.0;
    }
    (findings as f64 * 1000.0 / lines as f64 * 100.0).round() / 100.0
}

pub fn category_title(category: u8) -> &'static str {
    usize::from(category)
        .checked_sub(1)
        .and_then(|index| FM043_CATEGORIES.get(index))
        .copied()
        .unwrap_or("Uncategorised")
}

fn finding_path(finding: &Finding) -> String {
    finding.display_path.replace('\\', "/")
}

/// The root causes of the findings' chains, most chains first (then by place).
fn root_causes(findings: &[Finding]) -> Vec<RootCause> {
    let mut chains: BTreeMap<(String, usize, usize, String, String), usize> = BTreeMap::new();
    for finding in findings {
        let (Some(cause), Some(path)) = (
            &finding.diagnostic.root_cause,
            finding.root_cause_path.as_deref(),
        ) else {
            continue;
        };
        let key = (
            path.replace('\\', "/"),
            cause.file.location.row,
            cause.file.location.column,
            cause.call.clone(),
            cause.rule.code().to_string(),
        );
        *chains.entry(key).or_default() += 1;
    }
    let mut causes: Vec<RootCause> = chains
        .into_iter()
        .map(|((path, line, column, call, code), chains)| RootCause {
            call,
            code,
            path,
            line,
            column,
            chains,
        })
        .collect();
    // Stable: the map's order breaks ties.
    causes.sort_by_key(|cause| std::cmp::Reverse(cause.chains));
    causes
}

fn audit_findings(findings: &[Finding]) -> Vec<AuditFinding> {
    let prints = fingerprints(findings, finding_path);
    findings
        .iter()
        .zip(prints)
        .map(|(finding, fingerprint)| {
            let meta = finding.diagnostic.rule.meta();
            AuditFinding {
                fingerprint,
                code: meta.code.to_string(),
                name: meta.name.to_string(),
                severity: meta.severity.to_string(),
                category: meta.fm043,
                path: finding_path(finding),
                line: finding.start.row,
                column: finding.start.column,
                function: finding.diagnostic.function.clone(),
                message: finding.diagnostic.message.clone(),
            }
        })
        .collect()
}

fn languages(reports: &[FileReport]) -> Vec<LanguageSummary> {
    let mut by_language: BTreeMap<String, LanguageSummary> = BTreeMap::new();
    for report in reports {
        let language = report.language.to_string();
        let summary = by_language
            .entry(language.clone())
            .or_insert(LanguageSummary {
                language,
                files: 0,
                lines: 0,
                findings: 0,
            });
        summary.files += 1;
        summary.lines += report.lines;
        summary.findings += report.diagnostics.len();
    }
    by_language.into_values().collect()
}

fn count_by<K: Ord>(findings: &[Finding], key: impl Fn(&Finding) -> K) -> BTreeMap<K, usize> {
    let mut counts = BTreeMap::new();
    for finding in findings {
        *counts.entry(key(finding)).or_insert(0) += 1;
    }
    counts
}

fn rules(findings: &[Finding], enabled: RuleSet) -> Vec<RuleSummary> {
    let counts = count_by(findings, |finding| finding.diagnostic.rule);
    Rule::ALL
        .iter()
        .copied()
        .filter(|rule| enabled.contains(*rule) || counts.contains_key(rule))
        .map(|rule| {
            let meta = rule.meta();
            RuleSummary {
                code: meta.code.to_string(),
                name: meta.name.to_string(),
                severity: meta.severity.to_string(),
                category: meta.fm043,
                enabled: enabled.contains(rule),
                findings: counts.get(&rule).copied().unwrap_or(0),
            }
        })
        .collect()
}

fn categories(findings: &[Finding]) -> Vec<CategorySummary> {
    let counts = count_by(findings, |finding| finding.diagnostic.rule.meta().fm043);
    (1..=FM043_CATEGORIES.len() as u8)
        .map(|category| CategorySummary {
            category,
            title: category_title(category).to_string(),
            findings: counts.get(&Some(category)).copied().unwrap_or(0),
        })
        .collect()
}

fn severities(findings: &[Finding]) -> Vec<SeveritySummary> {
    let counts = count_by(findings, |finding| finding.diagnostic.rule.meta().severity);
    [
        crate::registry::Severity::Error,
        crate::registry::Severity::Warning,
    ]
    .into_iter()
    .map(|severity| SeveritySummary {
        severity: severity.to_string(),
        findings: counts.get(&severity).copied().unwrap_or(0),
    })
    .collect()
}

fn hotspots(reports: &[FileReport], cwd: &Path, top: usize) -> Hotspots {
    let mut files = Vec::new();
    let mut directories: BTreeMap<String, Hotspot> = BTreeMap::new();
    for report in reports {
        let path = output::display_path(&report.path, cwd).replace('\\', "/");
        let directory = match path.rsplit_once('/') {
            Some((directory, _)) => directory.to_string(),
            None => ".".to_string(),
        };
        let entry = directories.entry(directory.clone()).or_insert(Hotspot {
            path: directory,
            files: 0,
            lines: 0,
            findings: 0,
        });
        entry.files += 1;
        entry.lines += report.lines;
        entry.findings += report.diagnostics.len();
        files.push(Hotspot {
            path,
            files: 1,
            lines: report.lines,
            findings: report.diagnostics.len(),
        });
    }
    let rank = |mut spots: Vec<Hotspot>| {
        spots.retain(|spot| spot.findings > 0);
        spots.sort_by(|a, b| {
            b.findings
                .cmp(&a.findings)
                .then_with(|| a.path.cmp(&b.path))
        });
        spots.truncate(top);
        spots
    };
    Hotspots {
        directories: rank(directories.into_values().collect()),
        files: rank(files),
    }
}

fn suppressions(reports: &[FileReport], cwd: &Path) -> Suppressions {
    let entries: Vec<SuppressionEntry> = reports
        .iter()
        .flat_map(|report| {
            let path = output::display_path(&report.path, cwd).replace('\\', "/");
            report
                .suppressions
                .iter()
                .map(move |suppression| SuppressionEntry {
                    path: path.clone(),
                    line: suppression.line,
                    kind: match suppression.kind {
                        SuppressionKind::Noqa => "noqa",
                        SuppressionKind::Allow => "allow",
                        SuppressionKind::AllowFile => "allow-file",
                    }
                    .to_string(),
                    rules: suppression
                        .rules
                        .as_ref()
                        .map(|rules| rules.iter().map(|rule| rule.code().to_string()).collect()),
                    unknown: suppression.unknown.clone(),
                    reason: suppression.reason.clone(),
                    target_line: suppression.target_line,
                    used: suppression.is_used(),
                })
        })
        .collect();
    Suppressions {
        total: entries.len(),
        without_reason: entries
            .iter()
            .filter(|entry| entry.reason.is_none())
            .count(),
        entries,
    }
}
