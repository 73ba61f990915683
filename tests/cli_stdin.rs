//! `loopguard check - --stdin-filename PATH`: standard input linted as if it were that file.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use common::project;

const BLOCKING: &str = "import asyncio\nimport time\n\n\nasync def handler():\n    loop = asyncio.get_event_loop()\n    time.sleep(1)\n";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn stdin(directory: &Path, input: &str, args: &[&str]) -> Run {
    let output = Command::cargo_bin("loopguard")
        .unwrap()
        .current_dir(directory)
        .args(["check", "-", "--output-format", "concise"])
        // Opt-in rules whose findings and fixes make the examples.
        .args(["--extend-select", "LG201,LG203,LG301"])
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code().unwrap(),
    }
}

#[test]
fn stdin_is_linted_as_the_named_file_and_the_disk_is_neither_read_nor_written() {
    // The file on disk is clean: the findings can only come from standard input.
    let directory = project(&[("app/main.py", "x = 1\n")]);
    let run = stdin(
        directory.path(),
        BLOCKING,
        &["--stdin-filename", "app/main.py"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings: Vec<&str> = run.stdout.lines().filter(|l| l.contains(": LG")).collect();
    assert_eq!(findings.len(), 2, "{}", run.stdout);
    assert!(
        findings[0].starts_with("app/main.py:6:12: LG301"),
        "{}",
        run.stdout
    );
    assert!(
        findings[1].starts_with("app/main.py:7:5: LG201"),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::read_to_string(directory.path().join("app/main.py")).unwrap(),
        "x = 1\n"
    );
}

#[test]
fn config_per_file_ignores_test_code_and_suppressions_follow_the_named_path() {
    let directory = project(&[(
        "loopguard.toml",
        "[per-file-ignores]\n\"legacy/*.py\" = [\"LG301\"]\n",
    )]);
    let codes = |path: &str, input: &str| -> Vec<String> {
        let run = stdin(directory.path(), input, &["--stdin-filename", path]);
        run.stdout
            .lines()
            .filter_map(|line| line.split(": ").nth(1))
            .filter_map(|rest| rest.split(' ').next())
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(codes("app/main.py", BLOCKING), ["LG301", "LG201"]);
    assert_eq!(codes("legacy/old.py", BLOCKING), ["LG201"]);
    // Test code: LG201 skips it by default.
    assert_eq!(codes("tests/test_main.py", BLOCKING), ["LG301"]);
    let suppressed = BLOCKING.replace("time.sleep(1)", "time.sleep(1)  # noqa: LG201");
    assert_eq!(codes("app/main.py", &suppressed), ["LG301"]);
}

#[test]
fn the_language_comes_from_the_name() {
    let directory = project(&[]);
    let rust =
        "async fn handler() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    let run = stdin(directory.path(), rust, &["--stdin-filename", "src/lib.rs"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("src/lib.rs:2:5: LG201"),
        "{}",
        run.stdout
    );
    let unknown = stdin(directory.path(), rust, &["--stdin-filename", "notes.txt"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains(".py, .pyi and .rs"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn fix_prints_the_fixed_text_and_reports_what_remains_on_stderr() {
    let directory = project(&[("app/main.py", "x = 1\n")]);
    let input = format!("{BLOCKING}    open('x').read()\n");
    let run = stdin(
        directory.path(),
        &input,
        &["--stdin-filename", "app/main.py", "--fix"],
    );
    assert_eq!(
        run.stdout,
        "import asyncio\nimport time\n\n\nasync def handler():\n    loop = asyncio.get_running_loop()\n    await asyncio.sleep(1)\n    open('x').read()\n"
    );
    // The file read, whose fix is unsafe, remains.
    assert!(
        run.stderr.contains("app/main.py:8:5: LG203"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        fs::read_to_string(directory.path().join("app/main.py")).unwrap(),
        "x = 1\n"
    );
    // Nothing to fix: the text comes back as it was.
    let clean = "x = 1\n";
    let run = stdin(
        directory.path(),
        clean,
        &["--stdin-filename", "app/main.py", "--fix"],
    );
    assert_eq!((run.stdout.as_str(), run.code), (clean, 0));
}

#[test]
fn diff_prints_what_fix_would_change() {
    let directory = project(&[]);
    let run = stdin(
        directory.path(),
        BLOCKING,
        &["--stdin-filename", "app/main.py", "--diff"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("--- app/main.py\n+++ app/main.py\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("-    time.sleep(1)\n+    loop = asyncio.get_running_loop()\n+    await asyncio.sleep(1)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn stdin_needs_a_file_name_and_no_other_paths() {
    let directory = project(&[]);
    let run = stdin(directory.path(), BLOCKING, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--stdin-filename"), "{}", run.stderr);
    let run = stdin(
        directory.path(),
        BLOCKING,
        &["--stdin-filename", "a.py", "src"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("only path"), "{}", run.stderr);
}

#[test]
fn output_file_takes_the_findings_while_fix_prints_the_text() {
    let directory = project(&[]);
    let run = stdin(
        directory.path(),
        BLOCKING,
        &[
            "--stdin-filename",
            "app/main.py",
            "--fix",
            "--output-file",
            "report.txt",
        ],
    );
    assert!(
        run.stdout.contains("await asyncio.sleep(1)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(": LG"), "{}", run.stdout);
    // Everything was fixed: the report says so and names no finding.
    let report = fs::read_to_string(directory.path().join("report.txt")).unwrap();
    assert!(!report.contains(": LG"), "{report}");
    let run = stdin(
        directory.path(),
        BLOCKING,
        &[
            "--stdin-filename",
            "app/main.py",
            "--output-file",
            "report.txt",
        ],
    );
    assert_eq!(run.code, 1);
    let report = fs::read_to_string(directory.path().join("report.txt")).unwrap();
    assert!(report.contains("app/main.py:7:5: LG201"), "{report}");
    assert!(!run.stdout.contains(": LG"), "{}", run.stdout);
}
