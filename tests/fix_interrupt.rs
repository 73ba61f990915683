//! `--fix` killed mid-run (SIGKILL: no cleanup code runs) leaves every file either exactly as it
//! was or exactly as a complete run fixes it — never half-written — because each file is written
//! to a temporary file in its directory and renamed over the original.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const FILES: usize = 600;

/// A file with several safe and unsafe fixes, padded so that writing it takes a while.
fn original(index: usize) -> String {
    let mut text = String::from("import time\n\nimport requests\n\n\n");
    for function in 0..20 {
        text.push_str(&format!(
            "async def handler_{index}_{function}(url):\n    time.sleep({function})\n    requests.get(url, timeout=5)\n    return {:?}\n\n\n",
            "x".repeat(200)
        ));
    }
    text
}

fn tree(root: &Path) -> Vec<PathBuf> {
    (0..FILES)
        .map(|index| {
            let directory = root.join(format!("pkg{}", index % 20));
            fs::create_dir_all(&directory).unwrap();
            let path = directory.join(format!("module_{index}.py"));
            fs::write(&path, original(index)).unwrap();
            path.strip_prefix(root).unwrap().to_path_buf()
        })
        .collect()
}

fn fix_command(root: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_loopguard"));
    command
        .current_dir(root)
        .args(["check", "--fix", "--unsafe-fixes", "--jobs", "1", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[test]
fn a_killed_fix_run_leaves_every_file_old_or_fully_fixed() {
    let expected = tempfile::tempdir().unwrap();
    let files = tree(expected.path());
    let started = Instant::now();
    fix_command(expected.path()).status().unwrap();
    let complete_run = started.elapsed();
    let fixed: Vec<String> = files
        .iter()
        .map(|file| fs::read_to_string(expected.path().join(file)).unwrap())
        .collect();
    assert!(
        files
            .iter()
            .enumerate()
            .all(|(index, _)| fixed[index] != original(index)),
        "the complete run fixes every file"
    );

    // Killed at several points of the run: early, midway and late.
    for fraction in [4, 2] {
        let victim = tempfile::tempdir().unwrap();
        tree(victim.path());
        let mut child = fix_command(victim.path()).spawn().unwrap();
        std::thread::sleep(complete_run / fraction);
        child.kill().unwrap();
        child.wait().unwrap();
        let mut untouched = 0;
        for (index, file) in files.iter().enumerate() {
            let now = fs::read_to_string(victim.path().join(file)).unwrap();
            if now == original(index) {
                untouched += 1;
            } else {
                assert_eq!(
                    now,
                    fixed[index],
                    "{} is neither the original nor the fixed file",
                    file.display()
                );
            }
        }
        eprintln!(
            "killed after {:?} of {complete_run:?}: {untouched} of {FILES} files untouched",
            complete_run / fraction
        );
    }
}

#[test]
fn a_complete_fix_run_leaves_no_temporary_files() {
    let directory = tempfile::tempdir().unwrap();
    let files = tree(directory.path());
    fix_command(directory.path()).status().unwrap();
    let mut all = Vec::new();
    let mut stack = vec![directory.path().to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                all.push(path);
            }
        }
    }
    assert_eq!(all.len(), files.len(), "{all:?}");
}
