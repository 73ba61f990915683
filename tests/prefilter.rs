//! The pre-filter (files without any enabled rule's trigger word are not parsed) must never
//! change what loopguard reports: every firing fixture contains one of its rule's triggers, and
//! the whole fixture set gives the same output with and without the pre-filter, for every rule
//! selected alone and for all of them together.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use loopguard::registry::{Language, Rule};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn files_under(directory: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("py" | "rs")) {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The rules a fixture's `expect:` markers say must fire in it.
fn expected_rules(text: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    for line in text.lines() {
        let Some(position) = line.find("expect: ") else {
            continue;
        };
        for code in line[position + "expect: ".len()..].split(',') {
            if let Some(rule) = Rule::from_code_or_name(code.trim()) {
                rules.push(rule);
            }
        }
    }
    rules
}

fn check_triggers(directory: &str, language: Language) {
    let mut failures = Vec::new();
    for file in files_under(&fixture_root().join(directory)) {
        let text = std::fs::read_to_string(&file).unwrap();
        for rule in expected_rules(&text) {
            if rule == Rule::UnguardedCall {
                // Its triggers are the configured patterns' names, checked by the comparison.
                continue;
            }
            let Some(words) = loopguard::prefilter::triggers(rule, language) else {
                failures.push(format!(
                    "{} declares no {language} trigger words",
                    rule.code()
                ));
                continue;
            };
            if !words.iter().any(|word| text.contains(word)) {
                failures.push(format!(
                    "{} fires in {} but the file contains none of {words:?}",
                    rule.code(),
                    file.display()
                ));
            }
        }
    }
    failures.dedup();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_firing_python_fixture_contains_one_of_its_rules_triggers() {
    check_triggers("python", Language::Python);
}

#[test]
fn every_firing_rust_fixture_contains_one_of_its_rules_triggers() {
    check_triggers("rust", Language::Rust);
}

/// A rule with a detector for a language but no trigger words there would make every file of
/// that language be parsed.
#[test]
fn every_rule_with_detectors_declares_trigger_words_for_their_language() {
    for rule in Rule::ALL {
        let hooks = rule.meta().hooks;
        let python = hooks.python_call.is_some() || hooks.python_statement.is_some();
        let rust = hooks.rust_call.is_some()
            || hooks.rust_statement.is_some()
            || hooks.rust_local.is_some()
            || hooks.rust_struct_literal.is_some()
            || hooks.rust_assignment.is_some();
        for (language, has_detector) in [(Language::Python, python), (Language::Rust, rust)] {
            if has_detector {
                assert!(
                    loopguard::prefilter::triggers(*rule, language).is_some(),
                    "{} has a {language} detector but no {language} trigger words in its hooks",
                    rule.code()
                );
            }
        }
    }
}

fn check_json(selection: &str, prefilter: bool) -> String {
    let mut command = Command::cargo_bin("loopguard").unwrap();
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "fixtures",
            "--no-cache",
            "--exit-zero",
            "--output-format",
            "json",
        ])
        .args(["--select", selection]);
    if prefilter {
        command.env_remove("LOOPGUARD_NO_PREFILTER");
    } else {
        command.env("LOOPGUARD_NO_PREFILTER", "1");
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_prefilter_changes_no_output_on_the_fixtures() {
    let selections = Rule::ALL
        .iter()
        .filter(|rule| !rule.meta().is_tool_code())
        .map(|rule| rule.code())
        .chain(["default", "ALL"]);
    for selection in selections {
        let with = check_json(selection, true);
        let without = check_json(selection, false);
        assert!(
            with == without,
            "--select {selection}: the pre-filter changed the output"
        );
    }
}

/// A syntax error in a file the pre-filter skips is reported only without the pre-filter, so
/// switching it is part of the cache key: a warm run without it reports what a cold one does.
#[test]
fn switching_the_prefilter_off_does_not_reuse_a_prefiltered_result() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("bad.py"), "def broken(:\n    pass\n").unwrap();
    let run = |prefilter: bool| {
        let mut command = Command::cargo_bin("loopguard").unwrap();
        command.current_dir(directory.path()).args([
            "check",
            "--exit-zero",
            "--output-format",
            "concise",
            "--quiet",
        ]);
        if prefilter {
            command.env_remove("LOOPGUARD_NO_PREFILTER");
        } else {
            command.env("LOOPGUARD_NO_PREFILTER", "1");
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    assert_eq!(run(true), "");
    assert!(run(false).contains("LG001"));
    assert_eq!(run(true), "");
}
