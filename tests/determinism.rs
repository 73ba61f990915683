//! The same tree gives byte-identical output whatever the number of worker threads, from one
//! run to the next, and with a cold or warm result cache: checked on a copy of every fixture of
//! both languages (their per-directory configs included), several times over, in the formats
//! that CI compares between runs (JSON, SARIF) and in the `--diff` of the fixes.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Copies of the fixture tree: enough files for the workers to interleave differently.
const COPIES: usize = 2;

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn run(root: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_loopguard"))
        .current_dir(root)
        .args(["check", "--select", "ALL", "--exit-zero"])
        .args(args)
        .output()
        .unwrap();
    // `--diff` exits 1 when it would fix something, whatever `--exit-zero` says.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.stdout.is_empty());
    output.stdout
}

#[test]
fn output_is_byte_identical_across_runs_job_counts_and_the_cache() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let tree = tempfile::tempdir().unwrap();
    for copy in 0..COPIES {
        copy_tree(&fixtures, &tree.path().join(format!("copy{copy}")));
    }
    let root = tree.path();

    let json = run(root, &["--output-format", "json", "--no-cache", "-j", "1"]);
    for jobs in ["3", "8"] {
        let again = run(root, &["--output-format", "json", "--no-cache", "-j", jobs]);
        assert!(again == json, "JSON differs with --jobs {jobs}");
    }
    // The first run fills the cache, the second reads from it.
    for cache in ["cold", "warm"] {
        let cached = run(root, &["--output-format", "json", "-j", "2"]);
        assert!(cached == json, "JSON differs with a {cache} cache");
    }

    let sarif = run(root, &["--output-format", "sarif", "--no-cache", "-j", "1"]);
    let again = run(root, &["--output-format", "sarif", "--no-cache", "-j", "8"]);
    assert!(again == sarif, "SARIF differs with --jobs 8");

    let diff = run(root, &["--diff", "--unsafe-fixes", "--no-cache", "-j", "1"]);
    let again = run(root, &["--diff", "--unsafe-fixes", "--no-cache", "-j", "8"]);
    assert!(again == diff, "--diff differs with --jobs 8");
}
