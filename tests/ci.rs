//! The CI-gate outputs (SARIF, GitHub, GitLab, JUnit), baselines and `--changed-since`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use common::project;
use predicates::prelude::*;

const BLOCKING: &str = "import time\n\n\nasync def handler():\n    time.sleep(1)\n";

fn loopguard(directory: &Path) -> Command {
    let mut command = Command::cargo_bin("loopguard").unwrap();
    command.current_dir(directory);
    command
}

fn stdout(directory: &Path, args: &[&str]) -> String {
    let output = loopguard(directory).args(args).output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

/// The official SARIF 2.1.0 schema, as shipped inside the `serde-sarif` crate's sources.
fn sarif_schema() -> serde_json::Value {
    let metadata = Process::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        metadata.status.success(),
        "{}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["name"] == "serde-sarif")
        .expect("serde-sarif is a dependency")["manifest_path"]
        .as_str()
        .unwrap()
        .to_string();
    let schema_path = PathBuf::from(manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    let text = fs::read_to_string(schema_path).unwrap();
    // Erratum in the published schema: the `language` pattern has a stray `]` that strict
    // regex checkers reject while meta-validating the schema itself. loopguard never emits
    // `language`, so the fix cannot hide a problem in its output.
    let broken = r#"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"#;
    assert!(text.contains(broken), "the erratum is still in the schema");
    let text = text.replace(broken, r#"^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"#);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    schema
}

#[test]
fn sarif_validates_against_the_official_schema_and_github_constraints() {
    let lock = "import asyncio\nimport threading\n\nlock = threading.Lock()\n\n\nasync def f():\n    with lock:\n        await asyncio.sleep(1)\n";
    let directory = project(&[
        ("app/handlers.py", BLOCKING),
        ("app/with space.py", lock),
        ("clean.py", "x = 1\n"),
    ]);
    let output = stdout(directory.path(), &["check", "--output-format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&output).unwrap();

    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&sarif_schema())
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(
        !validator.is_valid(&broken),
        "the validator must reject a result without a message"
    );

    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "GitHub code scanning takes one run per tool");
    let run = &runs[0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|rule| rule["id"] == "LG201"
        && rule["name"] == "blocking-sleep"
        && rule["shortDescription"]["text"].as_str().is_some()
        && rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("time.sleep")
        && rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad")
        && rule["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("LG201-blocking-sleep.md")
        && rule["defaultConfiguration"]["level"] == "error"));
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(!location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with('/'));
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(
            result["partialFingerprints"]["loopguard/v1"]
                .as_str()
                .unwrap()
                .len()
                == 16
        );
    }
    let sleep = results
        .iter()
        .find(|result| result["ruleId"] == "LG201")
        .unwrap();
    assert_eq!(
        sleep["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/handlers.py"
    );
    assert_eq!(
        sleep["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "await asyncio.sleep"
    );
    let held = results
        .iter()
        .find(|result| result["ruleId"] == "LG206")
        .unwrap();
    assert_eq!(
        held["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/with%20space.py"
    );
    assert_eq!(
        held["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        9
    );
}

#[test]
fn sarif_fingerprints_do_not_depend_on_line_numbers() {
    let directory = project(&[("app.py", BLOCKING)]);
    let fingerprint = |directory: &Path| {
        let sarif: serde_json::Value =
            serde_json::from_str(&stdout(directory, &["check", "--output-format", "sarif"]))
                .unwrap();
        sarif["runs"][0]["results"][0]["partialFingerprints"]["loopguard/v1"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = fingerprint(directory.path());
    fs::write(
        directory.path().join("app.py"),
        format!("\"\"\"Docs.\"\"\"\n\n# more lines above\n{BLOCKING}"),
    )
    .unwrap();
    assert_eq!(before, fingerprint(directory.path()));
    fs::write(
        directory.path().join("app.py"),
        BLOCKING.replace("handler", "renamed"),
    )
    .unwrap();
    assert_ne!(
        before,
        fingerprint(directory.path()),
        "a different enclosing function is a different finding"
    );
}

#[test]
fn github_annotations_escape_properties_and_data() {
    let directory = project(&[("dir,with:odd/app.py", BLOCKING)]);
    let out = stdout(directory.path(), &["check", "--output-format", "github"]);
    assert_eq!(
        out.lines().next().unwrap(),
        "::error file=dir%2Cwith%3Aodd/app.py,line=5,col=5,endLine=5,endColumn=18,title=LG201 blocking-sleep::`time.sleep` in async code blocks the event loop: every task on this thread stalls for the whole sleep%0Ahelp: use `await asyncio.sleep(...)`, which suspends only this task"
    );
    let warning = project(&[(
        "app.py",
        "import asyncio\nloop = asyncio.get_event_loop()\n",
    )]);
    assert!(stdout(
        warning.path(),
        &[
            "check",
            "--output-format",
            "github",
            "--extend-select",
            "LG301"
        ]
    )
    .starts_with("::warning file=app.py,line=2,col=8,"));
}

#[test]
fn gitlab_code_quality_report() {
    let directory = project(&[("app.py", BLOCKING)]);
    let report: serde_json::Value = serde_json::from_str(&stdout(
        directory.path(),
        &["check", "--output-format", "gitlab"],
    ))
    .unwrap();
    let issue = &report[0];
    assert_eq!(issue["type"], "issue");
    assert_eq!(issue["check_name"], "LG201");
    assert_eq!(issue["severity"], "major");
    assert_eq!(issue["location"]["path"], "app.py");
    assert_eq!(
        issue["location"]["positions"]["begin"],
        serde_json::json!({"line": 5, "column": 5})
    );
    assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 16);
}

#[test]
fn junit_has_one_test_case_per_file() {
    let directory = project(&[("a.py", BLOCKING), ("b.py", "x = 1\n")]);
    let xml = stdout(directory.path(), &["check", "--output-format", "junit"]);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(
            r#"<testsuite name="loopguard" tests="2" skipped="0" errors="0" failures="1">"#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="a.py" classname="loopguard">"#),
        "{xml}"
    );
    assert!(
        xml.contains(
            r#"<failure message="1 problem" type="loopguard">a.py:5:5: LG201 [blocking-sleep]"#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="b.py" classname="loopguard"/>"#),
        "{xml}"
    );
}

#[test]
fn machine_formats_keep_the_summary_off_stdout() {
    let directory = project(&[("app.py", BLOCKING)]);
    for format in ["sarif", "gitlab", "junit", "github"] {
        loopguard(directory.path())
            .args(["check", "--output-format", format])
            .assert()
            .code(1)
            .stdout(predicate::str::contains("Found 1 problem").not())
            .stderr(predicate::str::contains("Found 1 problem"));
    }
}

#[test]
fn baseline_reports_only_new_findings_across_unrelated_edits() {
    let two = "import time\n\n\nasync def a():\n    time.sleep(1)\n\n\nasync def b():\n    time.sleep(1)\n";
    let directory = project(&[("app.py", two)]);
    loopguard(directory.path())
        .args(["baseline", "-o", "baseline.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "Recorded 2 findings in baseline.json",
        ));
    let baseline: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(directory.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["schema"], "loopguard-baseline/1");
    assert_eq!(baseline["entries"][0]["function"], "a");
    assert_eq!(baseline["entries"][0]["line"], "time.sleep(1)");

    // Unrelated edits move the recorded findings; a new one appears.
    let edited =
        format!("\"\"\"Module docs.\"\"\"\n\n{two}\n\nasync def c():\n    time.sleep(2)\n");
    fs::write(directory.path().join("app.py"), &edited).unwrap();
    let check = |args: &[&str]| {
        let output = loopguard(directory.path())
            .args([
                "check",
                "--output-format",
                "concise",
                "--baseline",
                "baseline.json",
            ])
            .args(args)
            .output()
            .unwrap();
        (
            String::from_utf8(output.stdout).unwrap(),
            output.status.code().unwrap(),
        )
    };
    let (out, code) = check(&["--quiet"]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("app.py:15:5: LG201"), "{out}");

    // Fixing recorded debt is counted, and `--prune` drops it.
    fs::write(
        directory.path().join("app.py"),
        edited.replacen("    time.sleep(1)\n", "    pass\n", 1),
    )
    .unwrap();
    let (statistics, _) = check(&["--statistics"]);
    assert!(
        statistics.contains("1 baseline entry no longer matches any finding"),
        "{statistics}"
    );
    loopguard(directory.path())
        .args(["baseline", "--prune", "-o", "baseline.json"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "Pruned 1 fixed entry from baseline.json; 1 remain.",
        ));

    // The config key works like the flag; paths are relative to the baseline file.
    fs::write(
        directory.path().join("loopguard.toml"),
        "baseline = \"baseline.json\"\n",
    )
    .unwrap();
    let sub = directory.path().join("app.py");
    let output = loopguard(directory.path())
        .args(["check", "--output-format", "concise", "-q"])
        .arg(&sub)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 1);
}

#[test]
fn a_broken_baseline_is_an_error() {
    let directory = project(&[
        ("app.py", BLOCKING),
        (
            "baseline.json",
            "{\"schema\": \"other/9\", \"entries\": []}",
        ),
    ]);
    loopguard(directory.path())
        .args(["check", "--baseline", "baseline.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unsupported baseline schema `other/9`",
        ));
}

fn git(directory: &Path, args: &[&str]) {
    let status = Process::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(directory)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn changed_since_lints_only_changed_and_untracked_files() {
    let directory = project(&[
        ("old.py", BLOCKING),
        ("touched.py", BLOCKING),
        (".gitignore", "ignored.py\n"),
    ]);
    git(directory.path(), &["init", "-q"]);
    git(directory.path(), &["add", "."]);
    git(directory.path(), &["commit", "-q", "-m", "init"]);
    fs::write(directory.path().join("touched.py"), format!("{BLOCKING}\n")).unwrap();
    fs::write(directory.path().join("new.py"), BLOCKING).unwrap();
    fs::write(directory.path().join("ignored.py"), BLOCKING).unwrap();
    let out = stdout(
        directory.path(),
        &["check", "--changed-since", "HEAD", "--show-files"],
    );
    assert_eq!(out, "new.py\ntouched.py\n");

    let outside = project(&[("app.py", BLOCKING)]);
    loopguard(outside.path())
        .args(["check", "--changed-since", "HEAD"])
        .env("GIT_CEILING_DIRECTORIES", outside.path().parent().unwrap())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--changed-since: `git rev-parse --show-toplevel` failed",
        ));
}

#[test]
fn rust_findings_are_fingerprinted_with_their_function() {
    let source =
        "async fn handler() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    // LG201 is opt-in for Rust: the config turns it on.
    let directory = project(&[
        ("src/lib.rs", source),
        ("loopguard.toml", "extend-select = [\"LG201\"]\n"),
    ]);
    loopguard(directory.path())
        .args(["baseline", "-o", "baseline.json"])
        .assert()
        .code(0);
    let baseline: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(directory.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["entries"][0]["code"], "LG201");
    assert_eq!(baseline["entries"][0]["path"], "src/lib.rs");
    assert_eq!(baseline["entries"][0]["function"], "handler");
}
