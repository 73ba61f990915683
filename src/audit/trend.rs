//! Trends across audits: one point per audit (total and per-rule counts) and, against one
//! earlier audit, which findings are new, fixed or unchanged, matched by fingerprint.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::{Audit, AuditFinding};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Every known audit in date order, this one last: the earlier audits given, and the
    /// points those audits had themselves recorded.
    pub points: Vec<TrendPoint>,
    /// The earlier audit that `changes` compare with.
    pub reference: TrendPoint,
    /// Per rule, in code order: every rule with findings in either audit.
    pub changes: Vec<RuleChange>,
    pub new: usize,
    pub fixed: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub date: String,
    pub revision: Option<String>,
    pub findings: usize,
    /// Findings per rule code (rules without findings are left out).
    pub rules: BTreeMap<String, usize>,
}

impl TrendPoint {
    pub fn of(audit: &Audit) -> TrendPoint {
        let mut rules = BTreeMap::new();
        for finding in &audit.findings {
            *rules.entry(finding.code.clone()).or_insert(0) += 1;
        }
        TrendPoint {
            date: audit.date.clone(),
            revision: audit.revision.clone(),
            findings: audit.findings.len(),
            rules,
        }
    }

    /// `2026-08-01 (3f2a9c1)`, for chart labels and table rows.
    pub fn label(&self) -> String {
        match &self.revision {
            Some(revision) => format!("{} ({revision})", self.date),
            None => self.date.clone(),
        }
    }

    fn key(&self) -> (String, Option<String>) {
        (self.date.clone(), self.revision.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChange {
    pub code: String,
    pub name: String,
    /// In this audit, not in the reference.
    pub new: usize,
    /// In the reference, not in this audit.
    pub fixed: usize,
    /// In both.
    pub unchanged: usize,
}

/// New / fixed / unchanged per rule between two sets of findings, by fingerprint.
pub fn changes(reference: &[AuditFinding], current: &[AuditFinding]) -> Vec<RuleChange> {
    let prints = |findings: &[AuditFinding]| -> HashSet<(String, String)> {
        findings
            .iter()
            .map(|finding| (finding.code.clone(), finding.fingerprint.clone()))
            .collect()
    };
    let before = prints(reference);
    let after = prints(current);
    let mut by_rule: BTreeMap<String, RuleChange> = BTreeMap::new();
    let mut change = |finding: &AuditFinding, update: fn(&mut RuleChange)| {
        let change = by_rule
            .entry(finding.code.clone())
            .or_insert_with(|| RuleChange {
                code: finding.code.clone(),
                name: finding.name.clone(),
                new: 0,
                fixed: 0,
                unchanged: 0,
            });
        update(change);
    };
    let mut counted = BTreeSet::new();
    for finding in current {
        let key = (finding.code.clone(), finding.fingerprint.clone());
        if !counted.insert(key.clone()) {
            continue;
        }
        if before.contains(&key) {
            change(finding, |change| change.unchanged += 1);
        } else {
            change(finding, |change| change.new += 1);
        }
    }
    for finding in reference {
        let key = (finding.code.clone(), finding.fingerprint.clone());
        if !after.contains(&key) && counted.insert(key) {
            change(finding, |change| change.fixed += 1);
        }
    }
    by_rule.into_values().collect()
}

impl Trend {
    /// The trend of `current` over `earlier` audits, with changes counted against `reference`
    /// (one of the earlier audits).
    pub fn new(current: &Audit, earlier: &[Audit], reference: &Audit) -> Trend {
        let mut known: BTreeMap<(String, Option<String>), TrendPoint> = BTreeMap::new();
        for audit in earlier {
            let history = audit.trend.iter().flat_map(|trend| trend.points.iter());
            for point in history.cloned().chain([TrendPoint::of(audit)]) {
                known.insert(point.key(), point);
            }
        }
        let now = TrendPoint::of(current);
        known.remove(&now.key());
        // Keyed by (date, revision): the map's order is date order.
        let mut points: Vec<TrendPoint> = known.into_values().collect();
        points.push(now);
        let changes = changes(&reference.findings, &current.findings);
        Trend {
            points,
            reference: TrendPoint::of(reference),
            new: changes.iter().map(|change| change.new).sum(),
            fixed: changes.iter().map(|change| change.fixed).sum(),
            unchanged: changes.iter().map(|change| change.unchanged).sum(),
            changes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &str, fingerprint: &str) -> AuditFinding {
        AuditFinding {
            fingerprint: fingerprint.to_string(),
            code: code.to_string(),
            name: format!("rule-{code}"),
            severity: "error".to_string(),
            category: Some(5),
            path: "app.py".to_string(),
            line: 1,
            column: 1,
            function: None,
            message: String::new(),
        }
    }

    fn change(code: &str, new: usize, fixed: usize, unchanged: usize) -> RuleChange {
        RuleChange {
            code: code.to_string(),
            name: format!("rule-{code}"),
            new,
            fixed,
            unchanged,
        }
    }

    #[test]
    fn findings_are_new_fixed_or_unchanged_by_fingerprint_per_rule() {
        let before = [
            finding("LG201", "a"),
            finding("LG201", "b"),
            finding("LG202", "c"),
        ];
        let after = [
            finding("LG201", "b"),
            finding("LG201", "d"),
            finding("LG201", "e"),
            finding("LG203", "f"),
        ];
        assert_eq!(
            changes(&before, &after),
            [
                change("LG201", 2, 1, 1),
                change("LG202", 0, 1, 0),
                change("LG203", 1, 0, 0),
            ]
        );
    }

    #[test]
    fn a_finding_that_moved_to_another_line_is_unchanged() {
        let mut moved = finding("LG201", "a");
        moved.line = 40;
        assert_eq!(
            changes(&[finding("LG201", "a")], &[moved]),
            [change("LG201", 0, 0, 1)]
        );
    }

    #[test]
    fn the_same_fingerprint_under_another_rule_is_not_the_same_finding() {
        assert_eq!(
            changes(&[finding("LG201", "a")], &[finding("LG202", "a")]),
            [change("LG201", 0, 1, 0), change("LG202", 1, 0, 0)]
        );
    }

    fn audit(date: &str, revision: &str, findings: Vec<AuditFinding>) -> Audit {
        let context = super::super::Context {
            date: date.to_string(),
            revision: Some(revision.to_string()),
            paths: vec![".".to_string()],
            rules_enabled: crate::registry::RuleSet::empty(),
            baseline: None,
            hotspots: super::super::DEFAULT_HOTSPOTS,
        };
        let mut audit = Audit::build(&[], std::path::Path::new("."), &context);
        audit.findings = findings;
        audit
    }

    #[test]
    fn points_are_in_date_order_with_history_from_earlier_audits_and_this_audit_last() {
        let q1 = audit("2026-02-01", "aaa", vec![finding("LG201", "a")]);
        let mut q2 = audit(
            "2026-05-01",
            "bbb",
            vec![finding("LG201", "a"), finding("LG202", "b")],
        );
        q2.trend = Some(Trend::new(&q2, std::slice::from_ref(&q1), &q1));
        let q3 = audit("2026-08-01", "ccc", vec![finding("LG202", "b")]);
        // Only the last audit is given: the first comes from its recorded history.
        let trend = Trend::new(&q3, std::slice::from_ref(&q2), &q2);
        let dates: Vec<&str> = trend
            .points
            .iter()
            .map(|point| point.date.as_str())
            .collect();
        assert_eq!(dates, ["2026-02-01", "2026-05-01", "2026-08-01"]);
        assert_eq!(trend.points[1].rules["LG202"], 1);
        assert_eq!((trend.new, trend.fixed, trend.unchanged), (0, 1, 1));
        assert_eq!(trend.reference.revision.as_deref(), Some("bbb"));
    }
}
