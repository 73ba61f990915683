//! `--fix` killed mid-run (SIGKILL: no cleanup code runs) leaves every file either exactly as it
//! was or exactly as a complete run fixes it — never half-written — because each file is written
//! to a temporary file in its directory and renamed over the original. The temporary file of the
//! write that was cut short is removed by the next `--fix` run that writes into its directory.

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
        let mut untouched = Vec::new();
        for (index, file) in files.iter().enumerate() {
            let now = fs::read_to_string(victim.path().join(file)).unwrap();
            if now == original(index) {
                untouched.push(file);
            } else {
                assert_eq!(
                    now,
                    fixed[index],
                    "{} is neither the original nor the fixed file",
                    file.display()
                );
            }
        }
        let leftovers = temporary_files(victim.path());
        eprintln!(
            "killed after {:?} of {complete_run:?}: {} of {FILES} files untouched, {} temporary files left",
            complete_run / fraction,
            untouched.len(),
            leftovers.len()
        );

        // A kill rarely lands inside the few microseconds of a write, so a leftover of a
        // process that no longer exists is planted next to every file the next run will fix.
        for file in &untouched {
            let directory = victim.path().join(file).parent().unwrap().to_path_buf();
            fs::write(directory.join(DEAD_WRITERS_LEFTOVER), "half a file").unwrap();
        }
        let user_file = victim.path().join("pkg0/.loopguard-fix-notes.tmp");
        fs::write(&user_file, "mine").unwrap();
        let listed = Command::new(env!("CARGO_BIN_EXE_loopguard"))
            .current_dir(victim.path())
            .args(["check", "--show-files"])
            .output()
            .unwrap();
        let listed = String::from_utf8(listed.stdout).unwrap();
        assert_eq!(listed.lines().count(), FILES, "{listed}");
        assert!(!listed.contains(".loopguard-fix-"), "{listed}");
        fix_command(victim.path()).status().unwrap();
        for (index, file) in files.iter().enumerate() {
            let now = fs::read_to_string(victim.path().join(file)).unwrap();
            assert_eq!(
                now,
                fixed[index],
                "{} is fixed by the second run",
                file.display()
            );
        }
        assert_eq!(temporary_files(victim.path()), [user_file]);
    }
}

/// No process has an id above the kernel's maximum (2^22).
const DEAD_WRITERS_LEFTOVER: &str = ".loopguard-fix-99999999-abc123.tmp";

/// Every file under `root` whose name starts like loopguard's temporary files.
fn temporary_files(root: &Path) -> Vec<PathBuf> {
    all_files(root)
        .into_iter()
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".loopguard-fix-")
        })
        .collect()
}

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut stack = vec![root.to_path_buf()];
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
    all.sort();
    all
}

#[test]
fn a_complete_fix_run_leaves_no_temporary_files() {
    let directory = tempfile::tempdir().unwrap();
    let files = tree(directory.path());
    fix_command(directory.path()).status().unwrap();
    let all = all_files(directory.path());
    assert_eq!(all.len(), files.len(), "{all:?}");
}
