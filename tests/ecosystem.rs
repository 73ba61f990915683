//! The conventions of the Python and Rust tool ecosystems (issue #23): `--output-file`,
//! `cargo loopguard`, `--add-noqa`, the config schema.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use common::project;
use predicates::prelude::*;
use tempfile::TempDir;

const BLOCKING: &str = "import time\n\n\nasync def handler():\n    time.sleep(1)\n";

fn loopguard(directory: &Path) -> Command {
    let mut command = Command::cargo_bin("loopguard").unwrap();
    command.current_dir(directory).env_remove("NO_COLOR");
    command
}

#[test]
fn output_file_takes_the_report_and_leaves_the_summary_on_the_terminal() {
    let directory = project(&[("app.py", BLOCKING)]);
    loopguard(directory.path())
        .args(["check", "--output-format", "json", "--output-file"])
        .arg("reports/loopguard.json")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("Found 1 problem"));
    let report = fs::read_to_string(directory.path().join("reports/loopguard.json")).unwrap();
    let findings: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(findings[0]["code"], "LG201", "{report}");
    // Text output is written without colour, and only the report is in the file.
    loopguard(directory.path())
        .args(["check", "--color", "auto", "-o", "report.txt"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("Found 1 problem"));
    let text = fs::read_to_string(directory.path().join("report.txt")).unwrap();
    assert!(text.contains("LG201"), "{text}");
    assert!(!text.contains("Found 1 problem"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
    let leftovers: Vec<_> = fs::read_dir(directory.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn output_file_replaces_an_old_report_and_holds_the_diff() {
    let directory = project(&[("app.py", BLOCKING), ("report.diff", "stale\n")]);
    loopguard(directory.path())
        .args(["check", "--diff", "--output-file", "report.diff"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("Would fix 1 problem."));
    let diff = fs::read_to_string(directory.path().join("report.diff")).unwrap();
    assert!(diff.contains("+    await asyncio.sleep(1)"), "{diff}");
    assert!(!diff.contains("stale"), "{diff}");
}

fn cargo_loopguard(directory: &Path) -> Command {
    let mut command = Command::cargo_bin("cargo-loopguard").unwrap();
    // What cargo runs for `cargo loopguard ...`.
    command.current_dir(directory).arg("loopguard");
    command
}

fn rust_package() -> TempDir {
    project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        (
            "src/main.rs",
            "async fn handler() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n\nfn main() {}\n",
        ),
        ("src/clean/mod.rs", "pub fn f() {}\n"),
        // LG201 is opt-in for Rust.
        ("loopguard.toml", "extend-select = [\"LG201\"]\n"),
    ])
}

#[test]
fn cargo_loopguard_checks_the_whole_package_from_any_directory_in_it() {
    let package = rust_package();
    cargo_loopguard(&package.path().join("src/clean"))
        .args(["--output-format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("src/main.rs:2:5: LG201"));
    // Paths given on the command line are the user's, relative to where they are.
    cargo_loopguard(&package.path().join("src/clean"))
        .args(["check", "."])
        .assert()
        .code(0);
    cargo_loopguard(package.path())
        .args(["explain", "LG201"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("blocking-sleep"));
}

#[test]
fn cargo_loopguard_outside_a_package_says_so() {
    let directory = project(&[("app.py", BLOCKING)]);
    cargo_loopguard(directory.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Cargo.toml"));
}

const NOQA_PYTHON: &str = r#"import time


async def handler():
    time.sleep(1)
    time.sleep(2)  # noqa: E501
    message = f"""
    {time.sleep(3)}
    """
    total = 1 + \
        time.sleep(4)
    time.sleep(
        5
    )
"#;

const NOQA_PYTHON_EXPECTED: &str = r#"import time


async def handler():
    time.sleep(1)  # noqa: LG201
    time.sleep(2)  # noqa: E501, LG201
    # loopguard: allow(LG201)
    message = f"""
    {time.sleep(3)}
    """
    total = 1 + \
        time.sleep(4)  # noqa: LG201
    time.sleep(  # noqa: LG201
        5
    )
"#;

#[test]
fn add_noqa_suppresses_every_finding_where_a_comment_can_go_and_is_idempotent() {
    let directory = project(&[
        ("app.py", NOQA_PYTHON),
        (
            "src/lib.rs",
            "async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1)); // a note\n    std::thread::sleep(std::time::Duration::from_secs(1)); // loopguard: allow(LG202)\n}\n",
        ),
        // LG201 is opt-in for Rust.
        ("loopguard.toml", "extend-select = [\"LG201\"]\n"),
    ]);
    loopguard(directory.path())
        .args(["check", "--add-noqa"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "Added suppression comments for 7 findings.",
        ));
    let python = fs::read_to_string(directory.path().join("app.py")).unwrap();
    assert_eq!(python, NOQA_PYTHON_EXPECTED);
    let rust = fs::read_to_string(directory.path().join("src/lib.rs")).unwrap();
    assert_eq!(
        rust,
        "async fn f() {\n    // loopguard: allow(LG201)\n    std::thread::sleep(std::time::Duration::from_secs(1)); // a note\n    std::thread::sleep(std::time::Duration::from_secs(1)); // loopguard: allow(LG202, LG201)\n}\n"
    );
    loopguard(directory.path()).arg("check").assert().code(0);
    // A second run finds nothing to suppress and changes nothing.
    loopguard(directory.path())
        .args(["check", "--add-noqa"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "Added suppression comments for 0 findings.",
        ));
    assert_eq!(
        fs::read_to_string(directory.path().join("app.py")).unwrap(),
        NOQA_PYTHON_EXPECTED
    );
}

#[test]
fn add_noqa_puts_the_comment_above_a_statement_that_opens_a_multi_line_string() {
    // The finding's line is inside the string and its statement's first line opens it: a
    // comment at the end of either would be text of the string.
    let source = "import time\n\n\nasync def handler():\n    print(f\"\"\"\n    {time.sleep(3)}\n    \"\"\")\n";
    let directory = project(&[("app.py", source)]);
    let output = loopguard(directory.path())
        .args(["check", "--add-noqa"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let fixed = fs::read_to_string(directory.path().join("app.py")).unwrap();
    assert!(
        fixed.contains("    # loopguard: allow(LG201)\n    print(f\"\"\""),
        "{fixed}"
    );
    assert!(
        fixed.contains("\n    {time.sleep(3)}\n    \"\"\")\n"),
        "{fixed}"
    );
}

#[test]
fn add_noqa_does_not_write_a_comment_that_would_not_parse_or_suppress() {
    // A backslash continuation inside a string: the end of line 5 is inside the string, the
    // statement starts on the same line, and the line above is the `async def`, whose end is
    // code: a comment above the statement works.
    let source = "import time\n\n\nasync def handler():\n    time.sleep(1); x = \"a\\\nb\"\n";
    let directory = project(&[("app.py", source)]);
    loopguard(directory.path())
        .args(["check", "--add-noqa"])
        .assert()
        .code(0);
    let fixed = fs::read_to_string(directory.path().join("app.py")).unwrap();
    assert!(fixed.ends_with("x = \"a\\\nb\"\n"), "{fixed}");
    loopguard(directory.path()).arg("check").assert().code(0);
}
