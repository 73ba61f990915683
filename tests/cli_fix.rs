//! `--fix`, `--unsafe-fixes`, `--diff`, `--fix-only` end to end: what is written, what is
//! printed, exit codes, preserved bytes (CRLF, BOM, latin-1), unwritable files and the fix
//! settings in config.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

/// One safe fix (LG201) and one unsafe fix (LG202).
const MIXED: &str = "import time\n\nimport requests\n\n\nasync def handler(url):\n    time.sleep(1)\n    requests.get(url, timeout=5)\n";
const MIXED_SAFE_FIXED: &str = "import asyncio\nimport time\n\nimport requests\n\n\nasync def handler(url):\n    await asyncio.sleep(1)\n    requests.get(url, timeout=5)\n";
const MIXED_ALL_FIXED: &str = "import asyncio\nimport time\n\nimport requests\n\n\nasync def handler(url):\n    await asyncio.sleep(1)\n    await asyncio.to_thread(requests.get, url, timeout=5)\n";

fn loopguard(directory: &Path) -> Command {
    let mut command = Command::cargo_bin("loopguard").unwrap();
    command.current_dir(directory).env("NO_COLOR", "1");
    command
}

fn project(files: &[(&str, &[u8])]) -> TempDir {
    let directory = tempfile::tempdir().unwrap();
    for (name, content) in files {
        fs::write(directory.path().join(name), content).unwrap();
    }
    directory
}

fn read(directory: &TempDir, name: &str) -> String {
    fs::read_to_string(directory.path().join(name)).unwrap()
}

#[test]
fn without_fix_the_summary_counts_fixable_and_hidden_fixes() {
    let directory = project(&[("app.py", MIXED.as_bytes())]);
    loopguard(directory.path())
        .args(["check", "--output-format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("app.py:7:5: LG201 [*] [blocking-sleep]"))
        .stdout(predicate::str::contains("app.py:8:5: LG202 [blocking-http]"))
        .stdout(predicate::str::contains(
            "Found 2 problems (1 fixable with --fix, 1 hidden fix can be enabled with --unsafe-fixes).",
        ));
    loopguard(directory.path())
        .args(["check", "--output-format", "concise", "--unsafe-fixes"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("LG202 [*] [blocking-http]"))
        .stdout(predicate::str::contains(
            "Found 2 problems (2 fixable with --fix).",
        ));
    assert_eq!(
        read(&directory, "app.py"),
        MIXED,
        "nothing is written without --fix"
    );
}

#[test]
fn fix_applies_safe_fixes_and_reports_the_rest() {
    let directory = project(&[("app.py", MIXED.as_bytes())]);
    loopguard(directory.path())
        .args(["check", "--fix", "--output-format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("LG202 [blocking-http]"))
        .stdout(predicate::str::contains("LG201").not())
        .stdout(predicate::str::contains(
            "Found 2 problems (1 fixed, 1 hidden fix can be enabled with --unsafe-fixes).",
        ));
    assert_eq!(read(&directory, "app.py"), MIXED_SAFE_FIXED);
}

#[test]
fn unsafe_fixes_apply_everything_and_a_second_run_is_clean() {
    let directory = project(&[("app.py", MIXED.as_bytes())]);
    loopguard(directory.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Found 2 problems (2 fixed, 0 remaining).",
        ));
    assert_eq!(read(&directory, "app.py"), MIXED_ALL_FIXED);
    loopguard(directory.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("All checks passed!"));
    assert_eq!(read(&directory, "app.py"), MIXED_ALL_FIXED);
}

#[test]
fn diff_prints_what_fix_would_do_writes_nothing_and_exits_1() {
    let directory = project(&[("app.py", MIXED.as_bytes())]);
    loopguard(directory.path())
        .args(["check", "--diff"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--- app.py\n+++ app.py\n"))
        .stdout(predicate::str::contains("+import asyncio\n"))
        .stdout(predicate::str::contains(
            "-    time.sleep(1)\n+    await asyncio.sleep(1)\n",
        ))
        .stdout(predicate::str::contains("to_thread").not())
        .stderr(predicate::str::contains("Would fix 1 problem."));
    assert_eq!(read(&directory, "app.py"), MIXED);
    let entries = fs::read_dir(directory.path()).unwrap().count();
    assert_eq!(entries, 1, "no temporary file either");

    let clean = project(&[("app.py", MIXED_ALL_FIXED.as_bytes())]);
    loopguard(clean.path())
        .args(["check", "--diff", "--unsafe-fixes"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn fix_only_applies_fixes_without_reporting_the_rest() {
    let directory = project(&[("app.py", MIXED.as_bytes())]);
    loopguard(directory.path())
        .args(["check", "--fix-only", "--output-format", "concise"])
        .assert()
        .code(0)
        .stdout("Fixed 1 problem.\n");
    assert_eq!(read(&directory, "app.py"), MIXED_SAFE_FIXED);
}

#[test]
fn crlf_bom_and_latin1_survive_a_fix() {
    let crlf = b"import time\r\n\r\n\r\nasync def handler():\r\n    time.sleep(1)\r\n";
    let bom = b"\xEF\xBB\xBFimport time\n\n\nasync def handler():\n    time.sleep(1)\n";
    let latin1 = b"# -*- coding: latin-1 -*-\nimport time\n\nNAME = '\xe9t\xe9'\n\n\nasync def handler():\n    time.sleep(1)\n";
    let directory = project(&[("crlf.py", crlf), ("bom.py", bom), ("latin1.py", latin1)]);
    loopguard(directory.path())
        .args(["check", "--fix"])
        .assert()
        .code(0);
    assert_eq!(
        fs::read(directory.path().join("crlf.py")).unwrap(),
        b"import asyncio\r\nimport time\r\n\r\n\r\nasync def handler():\r\n    await asyncio.sleep(1)\r\n"
    );
    assert_eq!(
        fs::read(directory.path().join("bom.py")).unwrap(),
        b"\xEF\xBB\xBFimport asyncio\nimport time\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"
    );
    assert_eq!(
        fs::read(directory.path().join("latin1.py")).unwrap(),
        b"# -*- coding: latin-1 -*-\nimport asyncio\nimport time\n\nNAME = '\xe9t\xe9'\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"
    );
}

#[test]
fn a_read_only_file_is_reported_as_lg005_and_left_alone() {
    let directory = project(&[("app.py", MIXED.as_bytes())]);
    let path = directory.path().join("app.py");
    let mut permissions = fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&path, permissions).unwrap();
    loopguard(directory.path())
        .args(["check", "--fix", "--output-format", "concise"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "app.py:1:1: LG005 [fix-error] fixes were not written: the file is read-only",
        ))
        .stdout(predicate::str::contains("LG201 [*] [blocking-sleep]"));
    assert_eq!(read(&directory, "app.py"), MIXED);
    assert_eq!(fs::read_dir(directory.path()).unwrap().count(), 1);
}

#[test]
fn fix_settings_in_config_move_and_remove_fixes() {
    let demoted = project(&[
        ("app.py", MIXED.as_bytes()),
        (
            "loopguard.toml",
            b"extend-unsafe-fixes = [\"LG201\"]\nextend-safe-fixes = [\"blocking-http\"]\n",
        ),
    ]);
    loopguard(demoted.path())
        .args(["check", "--fix"])
        .assert()
        .stdout(predicate::str::contains("1 fixed, 1 hidden fix"));
    let fixed = read(&demoted, "app.py");
    assert!(
        fixed.contains("await asyncio.to_thread(requests.get"),
        "{fixed}"
    );
    assert!(fixed.contains("    time.sleep(1)"), "{fixed}");

    let unfixable = project(&[
        ("app.py", MIXED.as_bytes()),
        ("loopguard.toml", b"unfixable = [\"LG2\"]\n"),
    ]);
    loopguard(unfixable.path())
        .args(["check", "--fix", "--unsafe-fixes"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Found 2 problems."));
    assert_eq!(read(&unfixable, "app.py"), MIXED);

    let invalid = project(&[
        ("app.py", MIXED.as_bytes()),
        ("loopguard.toml", b"fixable = [\"LG9\"]\n"),
    ]);
    loopguard(invalid.path())
        .args(["check", "--fix"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "loopguard.toml:1: key `fixable`: unknown rule selector `LG9`",
        ));
}

/// A gather of a coroutine that acquires a semaphore in another module is bounded: `--fix`
/// leaves it alone, even though the file on its own cannot tell, and rewrites the unbounded one.
#[test]
fn unsafe_fixes_leave_fan_outs_that_another_module_bounds() {
    let directory = project(&[
        ("__init__.py", b""),
        (
            "limits.py",
            b"import asyncio\n\nSEM = asyncio.Semaphore(8)\n\n\nasync def polite(url):\n    async with SEM:\n        return url\n\n\nasync def rude(url):\n    return url\n",
        ),
        (
            "jobs.py",
            b"import asyncio\n\nfrom .limits import polite, rude\n\n\nasync def bounded(client):\n    urls = await client.urls()\n    return await asyncio.gather(*[polite(u) for u in urls])\n\n\nasync def unbounded(client):\n    urls = await client.urls()\n    return await asyncio.gather(*[rude(u) for u in urls])\n",
        ),
    ]);
    loopguard(directory.path())
        .args([
            "check",
            "--isolated",
            "--select",
            "LG101",
            "--unsafe-fixes",
            "--fix",
            "--output-format",
            "concise",
        ])
        .assert()
        .code(0);
    let fixed = read(&directory, "jobs.py");
    assert!(
        fixed.contains("return await asyncio.gather(*[polite(u) for u in urls])"),
        "{fixed}"
    );
    assert!(
        fixed.contains(
            "return await loopguard_shim.gather_bounded(*[rude(u) for u in urls], limit=16)"
        ),
        "{fixed}"
    );
    loopguard(directory.path())
        .args([
            "check",
            "--isolated",
            "--select",
            "LG101",
            "--unsafe-fixes",
            "--diff",
        ])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn unsafe_fixes_leave_rust_fan_outs_that_another_module_bounds() {
    let directory = project(&[(
        "loopguard.toml",
        b"[rules.unbounded-gather]\ninclude-rust-fan-out = true\n",
    )]);
    fs::create_dir(directory.path().join("src")).unwrap();
    for (name, content) in [
        ("src/lib.rs", "pub mod jobs;\npub mod limits;\n"),
        (
            "src/limits.rs",
            "use tokio::sync::Semaphore;\n\npub static SEM: Semaphore = Semaphore::const_new(8);\n\npub async fn polite(id: u64) -> u64 {\n    let _permit = SEM.acquire().await.unwrap();\n    id\n}\n\npub async fn rude(id: u64) -> u64 {\n    id\n}\n",
        ),
        (
            "src/jobs.rs",
            "use futures::future::join_all;\n\nuse crate::limits::{polite, rude};\n\npub async fn bounded(ids: Vec<u64>) -> Vec<u64> {\n    join_all(ids.iter().map(|id| polite(*id))).await\n}\n\npub async fn unbounded(ids: Vec<u64>) -> Vec<u64> {\n    join_all(ids.iter().map(|id| rude(*id))).await\n}\n",
        ),
    ] {
        fs::write(directory.path().join(name), content).unwrap();
    }
    loopguard(directory.path())
        .args(["check", "--select", "LG101", "--unsafe-fixes", "--fix"])
        .assert()
        .code(0);
    let fixed = read(&directory, "src/jobs.rs");
    assert!(
        fixed.contains("    join_all(ids.iter().map(|id| polite(*id))).await\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains(
            "    loopguard_shim::join_all_bounded(ids.iter().map(|id| rude(*id)), 16).await\n"
        ),
        "{fixed}"
    );
}

/// A finding's notes point into the text as fixed: the fix adds `import asyncio` above the
/// helper, so the helper's blocking call moves down a line.
#[test]
fn notes_of_remaining_findings_point_into_the_fixed_text() {
    let app = "import time\n\n\ndef load():\n    with open('settings.toml') as f:\n        return f.read()\n\n\nasync def handler():\n    time.sleep(1)\n    return load()\n";
    let directory = project(&[("app.py", app.as_bytes())]);
    let output = loopguard(directory.path())
        .args(["check", "--fix", "--no-cache", "--select", "LG201,LG208"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let fixed = read(&directory, "app.py");
    assert!(fixed.starts_with("import asyncio\n"), "{fixed}");
    let open_line = fixed
        .lines()
        .position(|line| line.contains("open("))
        .unwrap()
        + 1;
    assert_eq!(open_line, 6);
    assert!(
        stdout.contains(&format!(
            "note: `load` calls `open`, which blocks (LG203) (app.py:{open_line}:10)"
        )),
        "{stdout}"
    );
}
