//! The proof that loopguard's Rust fixes produce code that compiles: a copy of the fixture crate
//! `fixtures/rust-crate/` (tokio, and `loopguard-shim` as a path dependency) is fixed with
//! `loopguard check --fix --unsafe-fixes`, then `cargo check`ed offline. Exactly the lines marked
//! `// expect: <CODE>` must change, and a second run must change nothing; each fixed file is
//! snapshotted. The crates it needs beyond the workspace's lock file (tokio-retry, reqwest) come
//! from the local registry cache, or are fetched; without either the test says so and skips
//! (fails when `LOOPGUARD_REQUIRE_FIX_CRATE` is set).

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as BinaryCommand;

/// Set to make missing dependencies a failure instead of a skip.
const REQUIRED: &str = "LOOPGUARD_REQUIRE_FIX_CRATE";

/// The crate's manifest names the shim by its path inside the repository.
const SHIM_PATH_IN_MANIFEST: &str = "path = \"../../runtime-shim\"";

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One target directory for every run, beside the test's own, so that tokio and the shim are
/// compiled once rather than per run (a different directory from the one `cargo test` holds a
/// lock on while it runs).
fn fixture_target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    repository().join(target).join("fixture-crate")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let destination = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&entry.path(), &destination);
            }
        } else {
            std::fs::copy(entry.path(), destination).unwrap();
        }
    }
}

/// The fixture crate in a temporary directory, buildable from there: the shim's path made
/// absolute, and the workspace's lock file so that `--offline` resolves to the crates the
/// workspace already has.
fn crate_copy() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    copy_tree(&repository().join("fixtures/rust-crate"), root);
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(manifest.contains(SHIM_PATH_IN_MANIFEST), "{manifest}");
    let shim = repository().join("runtime-shim");
    let manifest = manifest.replace(
        SHIM_PATH_IN_MANIFEST,
        &format!("path = {:?}", shim.to_str().unwrap()),
    );
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(repository().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    directory
}

fn rust_sources(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_sources(&path));
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn snapshot(directory: &Path) -> Vec<(PathBuf, String)> {
    rust_sources(directory)
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            (file, text)
        })
        .collect()
}

/// `cargo check` of the crate; the output on failure. Warnings are allowed (a fix leaves an
/// import such as `use std::thread;` unused), so `RUSTFLAGS=-D warnings` from the environment is
/// not passed on.
fn cargo_check(crate_root: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--message-format", "short"])
        .current_dir(crate_root)
        .env("CARGO_TARGET_DIR", fixture_target_dir())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Makes every dependency of the crate available locally: resolved from the registry cache
/// (`--offline`), else fetched. `Err` with cargo's output when neither works.
fn fetch_dependencies(crate_root: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let fetch = |offline: bool| {
        let mut command = Command::new(&cargo);
        command.args(["fetch", "--quiet"]).current_dir(crate_root);
        if offline {
            command.arg("--offline");
        }
        command.output().expect("cargo runs")
    };
    if fetch(true).status.success() {
        return Ok(());
    }
    let online = fetch(false);
    if online.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&online.stderr).into_owned())
    }
}

fn fix_all(crate_root: &Path) -> std::process::Output {
    BinaryCommand::cargo_bin("loopguard")
        .unwrap()
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "ALL",
            "--output-format",
            "concise",
            ".",
        ])
        .current_dir(crate_root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The rule code a line is marked to be fixed by (`// expect: LG201`).
fn fix_marker(line: &str) -> Option<&str> {
    let (_, code) = line.rsplit_once("// expect: ")?;
    let code = code.trim();
    code.strip_prefix("LG")?
        .bytes()
        .all(|byte| byte.is_ascii_digit())
        .then_some(code)
}

#[test]
fn fixed_fixture_crate_compiles() {
    let directory = crate_copy();
    let crate_root = directory.path();
    if let Err(errors) = fetch_dependencies(crate_root) {
        // CI that has the crates (or a network) sets this, so that a broken manifest fails
        // rather than skips.
        if std::env::var_os(REQUIRED).is_some() {
            panic!("{REQUIRED} is set but the fixture crate's dependencies cannot be fetched:\n{errors}");
        }
        eprintln!(
            "SKIPPED fixed_fixture_crate_compiles: the fixture crate's dependencies are neither in \
             the local registry cache nor fetchable, so the fixed crate cannot be compiled:\n{errors}"
        );
        return;
    }
    if let Err(errors) = cargo_check(crate_root) {
        panic!("the fixture crate does not compile before fixing:\n{errors}");
    }
    let original = snapshot(crate_root);

    let output = fix_all(crate_root);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.code() != Some(2) && !report.contains("LG005") && output.stderr.is_empty(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fixed = snapshot(crate_root);
    let mut fixed_lines = 0;
    for ((file, before), (_, after)) in original.iter().zip(&fixed) {
        let name = file.strip_prefix(crate_root).unwrap().display();
        let before_lines: Vec<&str> = before.lines().collect();
        let after_lines: Vec<&str> = after.lines().collect();
        assert_eq!(
            before_lines.len(),
            after_lines.len(),
            "{name}: the fixes here rewrite single lines\n{after}"
        );
        for (number, (old, new)) in before_lines.iter().zip(&after_lines).enumerate() {
            let line = number + 1;
            match fix_marker(old) {
                Some(code) => {
                    assert_ne!(
                        old, new,
                        "{name}:{line}: the {code} fix was not applied\n{report}"
                    );
                    fixed_lines += 1;
                }
                None => assert_eq!(
                    old, new,
                    "{name}:{line}: changed without a `// expect:` marker"
                ),
            }
        }
    }
    assert!(
        fixed_lines > 0,
        "the fixture crate has no `// expect:` lines"
    );

    for ((file, before), (_, after)) in original.iter().zip(&fixed) {
        if before != after {
            let stem = file.file_stem().unwrap().to_string_lossy();
            insta::assert_snapshot!(format!("fixed__{stem}"), after);
        }
    }

    let again = fix_all(crate_root);
    assert_eq!(
        snapshot(crate_root),
        fixed,
        "a second run changed the fixed crate again:\n{}",
        String::from_utf8_lossy(&again.stdout)
    );
    if let Err(errors) = cargo_check(crate_root) {
        let sources: String = fixed
            .iter()
            .map(|(file, text)| format!("--- {}\n{text}", file.display()))
            .collect();
        panic!("the fixed crate does not compile:\n{errors}\n{sources}");
    }
}
