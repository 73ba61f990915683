//! Fingerprints that identify a finding across unrelated edits: built from the rule, the file,
//! the normalised text of the flagged line and the enclosing function — never the line number
//! — plus an occurrence index for identical findings in the same place. Baselines, SARIF
//! `partialFingerprints`, GitLab reports and the audit's trends all use them.

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::output::Finding;

/// The parts of a finding its fingerprint is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FingerprintKey {
    pub code: &'static str,
    /// The path with `/` separators, relative to the directory the fingerprints are for.
    pub path: String,
    /// The flagged line with runs of whitespace collapsed and ends trimmed.
    pub line: String,
    pub function: String,
}

impl FingerprintKey {
    pub fn of(finding: &Finding, path: &str) -> Self {
        let line = finding
            .report
            .source()
            .map(|source| {
                let text = &source.text[source.line_range(finding.start.row)];
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .unwrap_or_default();
        FingerprintKey {
            code: finding.diagnostic.rule.code(),
            path: path.replace('\\', "/"),
            line,
            function: finding.diagnostic.function.clone().unwrap_or_default(),
        }
    }

    fn digest(&self, occurrence: usize) -> String {
        let mut hasher = Sha256::new();
        for part in [
            self.code,
            &self.path,
            &self.line,
            &self.function,
            &occurrence.to_string(),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        let digest = hasher.finalize();
        digest[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// Fingerprints for findings in output order; `path_of` gives each finding's path as it should
/// enter the fingerprint. Identical keys are told apart by their order in the file.
pub fn fingerprints<'f, 'r: 'f>(
    findings: impl IntoIterator<Item = &'f Finding<'r>>,
    path_of: impl Fn(&Finding) -> String,
) -> Vec<String> {
    let mut seen: FxHashMap<FingerprintKey, usize> = FxHashMap::default();
    findings
        .into_iter()
        .map(|finding| {
            let key = FingerprintKey::of(finding, &path_of(finding));
            let occurrence = seen.entry(key.clone()).or_insert(0);
            let fingerprint = key.digest(*occurrence);
            *occurrence += 1;
            fingerprint
        })
        .collect()
}
