//! `loopguard audit`: snapshots of the JSON and Markdown reports of the fixtures (fixed date
//! and revision), escaping of text from the code base, trends from `--previous` and
//! `--compare`, and the command's errors.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::project;
use loopguard::audit::{html, markdown, Audit, Context, Trend, DEFAULT_HOTSPOTS};
use loopguard::config::CliOverrides;
use loopguard::discover::ConfigSource;
use loopguard::registry::{resolve_rule_set, Rule, Selector};
use predicates::prelude::*;
use serde_json::Value;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The audit of `fixtures/` as `loopguard audit fixtures --extend-select <extra>` would
/// build it, with a fixed date and revision.
fn fixtures_audit(extra: &[Rule], date: &str) -> Audit {
    let extend_select: Vec<Selector> = extra.iter().map(|rule| Selector::Rule(*rule)).collect();
    let cli = CliOverrides {
        extend_select: extend_select.clone(),
        ..CliOverrides::default()
    };
    let cwd = manifest_dir();
    let reports = loopguard::check_paths(
        &[PathBuf::from("fixtures")],
        ConfigSource::Hierarchical,
        cli,
        &cwd,
        Some(2),
    )
    .unwrap();
    let context = Context {
        date: date.to_string(),
        revision: Some("0123abc".to_string()),
        paths: vec!["fixtures".to_string()],
        rules_enabled: resolve_rule_set(None, &extend_select, &[]),
        baseline: None,
        hotspots: DEFAULT_HOTSPOTS,
    };
    Audit::build(&reports, &cwd, &context)
}

#[test]
fn fixtures_json_report() {
    let audit = fixtures_audit(&[Rule::LoopBoundPrimitiveAtImport], "2026-11-01");
    insta::assert_snapshot!("fixtures_json", audit.to_json());
}

#[test]
fn fixtures_markdown_report_with_a_trend() {
    let earlier = fixtures_audit(&[Rule::LoopBoundPrimitiveAtImport], "2026-08-01");
    let mut audit = fixtures_audit(&[], "2026-11-01");
    audit.trend = Some(Trend::new(&audit, std::slice::from_ref(&earlier), &earlier));
    let trend = audit.trend.as_ref().unwrap();
    let opt_in_findings = earlier
        .findings
        .iter()
        .filter(|finding| finding.code == "LG305")
        .count();
    assert!(opt_in_findings > 0);
    assert_eq!(trend.fixed, opt_in_findings, "the LG305 findings are gone");
    assert_eq!(trend.new, 0);
    insta::assert_snapshot!("fixtures_markdown", markdown::render(&audit));
}

#[test]
fn the_json_report_reads_back_as_it_was_written() {
    let audit = fixtures_audit(&[], "2026-11-01");
    let path = tempfile::NamedTempFile::new().unwrap();
    fs::write(path.path(), audit.to_json()).unwrap();
    assert_eq!(Audit::load(path.path()).unwrap(), audit);
}

fn loopguard(directory: &Path) -> Command {
    let mut command = Command::cargo_bin("loopguard").unwrap();
    command
        .current_dir(directory)
        .env("LOOPGUARD_AUDIT_DATE", "2026-11-01");
    command
}

fn json_report(directory: &Path, args: &[&str]) -> Value {
    let output = loopguard(directory)
        .args(["audit", "--json", "-"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

const HOSTILE_FILE: &str = "<img src=x onerror=alert(1)>.py";
const HOSTILE: &str = r#"import time


async def handler():
    time.sleep(1)  # loopguard: allow(LG201) -- </script><script>alert("reason")</script> | pipe
    time.sleep(2)  # noqa: LG201
    time.sleep(3)
"#;

#[test]
fn text_from_the_code_base_is_escaped_in_html_and_markdown() {
    let directory = project(&[(HOSTILE_FILE, HOSTILE)]);
    let report = directory.path().join("report.html");
    let markdown = directory.path().join("report.md");
    loopguard(directory.path())
        .args(["audit", "--html"])
        .arg(&report)
        .arg("--markdown")
        .arg(&markdown)
        .assert()
        .success();
    let html = fs::read_to_string(report).unwrap();
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;.py"));
    assert!(html.contains("&lt;/script&gt;&lt;script&gt;alert(&quot;reason&quot;)"));
    let markdown = fs::read_to_string(markdown).unwrap();
    assert!(!markdown.contains("<script") && !markdown.contains("<img"));
    assert!(
        markdown.contains("&lt;/script&gt;&lt;script&gt;alert(\"reason\")&lt;/script&gt; \\| pipe")
    );
}

#[test]
fn suppressions_are_inventoried_with_their_reasons() {
    let directory = project(&[("app.py", HOSTILE)]);
    let report = json_report(directory.path(), &[]);
    let suppressions = &report["suppressions"];
    assert_eq!(suppressions["total"], 2);
    assert_eq!(suppressions["without_reason"], 1);
    let entries = suppressions["entries"].as_array().unwrap();
    assert_eq!(entries[0]["kind"], "allow");
    assert_eq!(entries[0]["rules"], serde_json::json!(["LG201"]));
    assert_eq!(entries[0]["line"], 5);
    assert_eq!(entries[0]["used"], true);
    assert!(entries[0]["reason"].as_str().unwrap().ends_with("| pipe"));
    assert_eq!(entries[1]["kind"], "noqa");
    assert_eq!(entries[1]["reason"], Value::Null);
    assert_eq!(report["summary"]["findings"], 1);
    assert_eq!(report["revision"], Value::Null, "not a git repository");
    assert_eq!(report["date"], "2026-11-01");
}

#[test]
fn the_baseline_size_is_reported() {
    let directory = project(&[
        ("app.py", HOSTILE),
        ("loopguard.toml", "baseline = \"lg-baseline.json\"\n"),
    ]);
    Command::cargo_bin("loopguard")
        .unwrap()
        .current_dir(directory.path())
        .args(["baseline", "-o", "lg-baseline.json"])
        .assert()
        .success();
    fs::write(
        directory.path().join("more.py"),
        HOSTILE.replace("time.sleep(3)", "time.sleep(4)"),
    )
    .unwrap();
    let report = json_report(directory.path(), &[]);
    assert_eq!(
        report["baseline"],
        serde_json::json!({"path": "lg-baseline.json", "entries": 1, "matched": 1, "stale": 0})
    );
}

#[test]
fn previous_audits_give_new_fixed_and_unchanged_findings() {
    let before = "import time\n\n\nasync def a():\n    time.sleep(1)\n\n\nasync def b():\n    time.sleep(2)\n";
    let directory = project(&[("app.py", before)]);
    let old = directory.path().join("q3.json");
    loopguard(directory.path())
        .args(["audit", "--date", "2026-08-01", "--json"])
        .arg(&old)
        .assert()
        .success();
    // One finding fixed, one moved down (unchanged), one added.
    let after = "import time\n\n\nasync def c():\n    time.sleep(3)\n\n\nasync def a():\n    time.sleep(1)\n";
    fs::write(directory.path().join("app.py"), after).unwrap();
    let report = json_report(directory.path(), &["--previous", "q3.json"]);
    let trend = &report["trend"];
    assert_eq!(
        (
            trend["new"].clone(),
            trend["fixed"].clone(),
            trend["unchanged"].clone()
        ),
        (1.into(), 1.into(), 1.into())
    );
    let dates: Vec<&str> = trend["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-08-01", "2026-11-01"]);
    assert_eq!(trend["reference"]["date"], "2026-08-01");
}

fn git(directory: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=audit",
            "-c",
            "user.email=audit@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(directory)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn compare_lints_an_older_revision_without_touching_the_work_tree() {
    let before = "import time\n\n\nasync def a():\n    time.sleep(1)\n\n\nasync def b():\n    time.sleep(2)\n";
    let directory = project(&[("src/app.py", before)]);
    git(directory.path(), &["init", "--quiet"]);
    git(directory.path(), &["add", "."]);
    git(directory.path(), &["commit", "--quiet", "-m", "first"]);
    let after = "import time\n\n\nasync def a():\n    time.sleep(1)\n\n\nasync def c():\n    time.sleep(3)\n    time.sleep(4)\n";
    fs::write(directory.path().join("src/app.py"), after).unwrap();
    let status = git(directory.path(), &["status", "--porcelain"]);

    let report = json_report(directory.path(), &["src", "--compare", "HEAD"]);
    let trend = &report["trend"];
    assert_eq!(
        (
            trend["new"].clone(),
            trend["fixed"].clone(),
            trend["unchanged"].clone()
        ),
        (2.into(), 1.into(), 1.into())
    );
    let head = git(directory.path(), &["rev-parse", "--short", "HEAD"]);
    assert_eq!(trend["reference"]["revision"], head.trim());
    assert_eq!(trend["reference"]["findings"], 2);

    // From a subdirectory, paths stay relative to it in both runs.
    let from_src = json_report(&directory.path().join("src"), &["--compare", "HEAD"]);
    assert_eq!(from_src["trend"]["unchanged"], 1);
    assert_eq!(from_src["findings"][0]["path"], "app.py");

    assert_eq!(git(directory.path(), &["status", "--porcelain"]), status);
    assert_eq!(
        fs::read_to_string(directory.path().join("src/app.py")).unwrap(),
        after
    );
}

#[test]
fn usage_errors_exit_2() {
    let directory = project(&[("app.py", HOSTILE)]);
    loopguard(directory.path())
        .arg("audit")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--html"));
    loopguard(directory.path())
        .args(["audit", "--json", "-", "--date", "2026-02-30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a date"));
    fs::write(
        directory.path().join("old.json"),
        r#"{"schema": "loopguard-baseline/1"}"#,
    )
    .unwrap();
    loopguard(directory.path())
        .args(["audit", "--json", "-", "--previous", "old.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unsupported audit schema"));
    loopguard(directory.path())
        .args(["audit", "--json", "-", "--compare", "HEAD"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--compare HEAD"));
}

#[test]
fn rule_names_link_to_their_docs_inside_the_html_report() {
    let audit = fixtures_audit(&[], "2026-11-01");
    let page = html::render(&audit);
    for rule in audit.summary.rules.iter().filter(|rule| rule.enabled) {
        assert!(
            page.contains(&format!("href=\"#rule-{}\"", rule.code)),
            "{}",
            rule.code
        );
        assert!(
            page.contains(&format!("id=\"rule-{}\"", rule.code)),
            "{}",
            rule.code
        );
    }
    // Self-contained: nothing is loaded from anywhere.
    for resource in [" src=", "<link", "@import", "url(http", "url(//"] {
        assert!(!page.contains(resource), "{resource}");
    }
}
