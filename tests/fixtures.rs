//! Runs every rule over its fixtures: `fixtures/<language>/<CODE>/**`.
//!
//! Each line that must produce a finding carries a `# expect: CODE` marker (`// expect: CODE`
//! in Rust); every other line must produce none. Each directory is linted as one project (one
//! run over all its files, so calls across files are seen) with only the directory's rule
//! selected and with any `loopguard.toml` next to them, and the JSON output of each file is kept
//! as an insta snapshot.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use loopguard::config::CliOverrides;
use loopguard::discover::ConfigSource;
use loopguard::registry::{Language, Rule, Selector};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn fixture_files(directory: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(directory)
        .into_iter()
        .filter(|path| matches!(path.extension().and_then(|e| e.to_str()), Some("py" | "rs")))
        .collect();
    files.sort();
    files
}

fn walk(directory: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// `(line, code)` pairs from `expect:` markers.
fn expected_findings(text: &str) -> BTreeSet<(usize, String)> {
    let mut expected = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let Some(position) = line.find("expect: ") else {
            continue;
        };
        let before = line[..position].trim_end();
        if !(before.ends_with('#') || before.ends_with("//")) {
            continue;
        }
        for code in line[position + "expect: ".len()..].split(',') {
            expected.insert((index + 1, code.trim().to_string()));
        }
    }
    expected
}

fn rule_directories(language: &str) -> Vec<(Rule, PathBuf)> {
    let root = fixture_root().join(language);
    let mut directories: Vec<(Rule, PathBuf)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let rule = Rule::from_code_or_name(&name)
                .unwrap_or_else(|| panic!("fixture directory {name} is not a rule code"));
            (rule, path)
        })
        .collect();
    directories.sort();
    directories
}

fn check_language(language: &str) {
    let root = fixture_root();
    let mut failures = Vec::new();
    for (rule, directory) in rule_directories(language) {
        // The directory is one project: a rule that follows calls across files sees them all.
        let files = fixture_files(&directory);
        let cli = CliOverrides {
            select: Some(vec![Selector::Rule(rule)]),
            ..CliOverrides::default()
        };
        let reports =
            loopguard::check_paths(&files, ConfigSource::Hierarchical, cli, &root, Some(1))
                .unwrap();
        let findings = loopguard::output::findings(&reports, &root);
        for file in files {
            let in_file: Vec<_> = findings
                .iter()
                .filter(|finding| finding.path == file)
                .cloned()
                .collect();
            let actual: BTreeSet<(usize, String)> = in_file
                .iter()
                .map(|finding| {
                    (
                        finding.start.row,
                        finding.diagnostic.rule.code().to_string(),
                    )
                })
                .collect();
            let text = std::fs::read_to_string(&file).unwrap();
            let expected = expected_findings(&text);
            if actual != expected {
                failures.push(format!(
                    "{}:\n  missing: {:?}\n  unexpected: {:?}",
                    file.display(),
                    expected.difference(&actual).collect::<Vec<_>>(),
                    actual.difference(&expected).collect::<Vec<_>>()
                ));
            }
            let relative = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace(['/', '\\'], "__");
            insta::assert_json_snapshot!(relative, loopguard::output::json::to_value(&in_file));
        }
    }
    assert!(
        failures.is_empty(),
        "fixture expectations not met:\n{}",
        failures.join("\n")
    );
}

#[test]
fn python_fixtures_match_their_expect_markers() {
    check_language("python");
}

#[test]
fn rust_fixtures_match_their_expect_markers() {
    check_language("rust");
}

#[test]
fn every_python_rule_has_firing_and_quiet_fixtures() {
    check_coverage("python", Language::Python);
}

#[test]
fn every_rule_with_a_rust_detector_has_firing_and_quiet_fixtures() {
    check_coverage("rust", Language::Rust);
}

fn check_coverage(directory_name: &str, language: Language) {
    let directories = rule_directories(directory_name);
    for rule in Rule::ALL.iter().filter(|rule| {
        let meta = rule.meta();
        !meta.is_tool_code() && meta.languages.contains(&language)
    }) {
        let (_, directory) = directories
            .iter()
            .find(|(candidate, _)| candidate == rule)
            .unwrap_or_else(|| {
                panic!(
                    "{} has no fixtures/{directory_name}/{} directory",
                    rule.name(),
                    rule.code()
                )
            });
        let files = fixture_files(directory);
        let marked = files
            .iter()
            .filter(|file| !expected_findings(&std::fs::read_to_string(file).unwrap()).is_empty())
            .count();
        assert!(marked > 0, "{} has no fixture that must fire", rule.code());
        assert!(
            marked < files.len(),
            "{} has no fixture that must stay quiet",
            rule.code()
        );
    }
}

/// Each rule's declared fix kind (the rule table, `explain`) is what its fixtures get: no edit
/// for `help-only` and `none`, only safe or only unsafe edits for `safe` and `unsafe`, both for
/// `mixed`.
#[test]
fn declared_fix_kinds_match_the_fixes_the_fixtures_get() {
    use loopguard::diagnostic::Applicability;
    use loopguard::registry::FixKind;
    use std::collections::BTreeMap;

    let root = fixture_root();
    let mut applicabilities: BTreeMap<Rule, BTreeSet<Applicability>> = BTreeMap::new();
    for language in ["python", "rust"] {
        for (rule, directory) in rule_directories(language) {
            let cli = CliOverrides {
                select: Some(vec![Selector::Rule(rule)]),
                ..CliOverrides::default()
            };
            let files = fixture_files(&directory);
            let reports =
                loopguard::check_paths(&files, ConfigSource::Hierarchical, cli, &root, Some(1))
                    .unwrap();
            let found = applicabilities.entry(rule).or_default();
            for report in &reports {
                for diagnostic in &report.diagnostics {
                    if let Some(fix) = &diagnostic.fix {
                        found.insert(fix.applicability);
                    }
                }
            }
        }
    }
    let mut mismatches = Vec::new();
    for (rule, found) in &applicabilities {
        let has = |applicability| found.contains(&applicability);
        let agrees = match rule.meta().fix {
            FixKind::None | FixKind::HelpOnly => found.is_empty(),
            FixKind::Safe => found.len() == 1 && has(Applicability::Safe),
            FixKind::Unsafe => found.len() == 1 && has(Applicability::Unsafe),
            FixKind::Mixed => has(Applicability::Safe) && has(Applicability::Unsafe),
        };
        if !agrees {
            mismatches.push(format!(
                "{} declares {} but its fixtures get {found:?}",
                rule.code(),
                rule.meta().fix
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
