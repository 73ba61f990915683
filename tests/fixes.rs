//! Every Python fixture with a fix, fixed through the engine with safe and unsafe fixes: the
//! fixed file is kept as an insta snapshot, must compile with `python3 -m py_compile`, and
//! fixing it again must change nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use loopguard::config::CliOverrides;
use loopguard::discover::ConfigSource;
use loopguard::fix::FixRequest;
use loopguard::registry::{Rule, Selector};

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `fixtures/python/<CODE>/` for every rule with Python fixtures.
fn rule_directories() -> Vec<(Rule, PathBuf)> {
    let mut directories: Vec<(Rule, PathBuf)> = std::fs::read_dir(fixture_root().join("python"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            let code = path.file_name().unwrap().to_str().unwrap().to_string();
            (Rule::from_code_or_name(&code).unwrap(), path)
        })
        .collect();
    directories.sort();
    directories
}

/// Copies `from` into `to`, directories included.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn only(rule: Rule) -> CliOverrides {
    CliOverrides {
        select: Some(vec![Selector::Rule(rule)]),
        ..CliOverrides::default()
    }
}

fn all_fixes(write: bool) -> FixRequest {
    FixRequest {
        unsafe_fixes: true,
        write,
        roots: Vec::new(),
    }
}

/// Each rule's directory is fixed as one project, as the fixture test lints it: whether a
/// fan-out is bounded may depend on another file.
#[test]
fn fixed_python_fixtures_compile_and_are_fixed_for_good() {
    let root = fixture_root();
    let mut fixed_files = 0;
    for (rule, rule_directory) in rule_directories() {
        let reports = loopguard::fix_paths(
            std::slice::from_ref(&rule_directory),
            ConfigSource::Hierarchical,
            only(rule),
            &root,
            Some(1),
            &all_fixes(false),
        )
        .unwrap();
        // The fixed project, beside copies of the fixtures' configs, must compile and stay as
        // it is.
        let copy = tempfile::tempdir().unwrap();
        copy_tree(&rule_directory, copy.path());
        for report in reports
            .iter()
            .filter(|report| report.path.extension().is_some_and(|e| e == "py"))
        {
            let file = &report.path;
            assert!(
                report.diagnostics.iter().all(|d| d.rule != Rule::FixError),
                "{}: {:?}",
                file.display(),
                report.diagnostics
            );
            let Some(fix) = &report.fix else { continue };
            assert!(
                fix.not_converged.is_empty(),
                "{}: {:?}",
                file.display(),
                fix.not_converged
            );
            fixed_files += 1;
            let fixed_text = report.source().unwrap().text.clone();
            let relative = file.strip_prefix(&root).unwrap();
            let name = relative.to_string_lossy().replace(['/', '\\'], "__");
            insta::assert_snapshot!(format!("fixed__{name}"), fixed_text);

            let copied = copy
                .path()
                .join(file.strip_prefix(&rule_directory).unwrap());
            std::fs::write(&copied, &fixed_text).unwrap();
            let compiled = Command::new("python3")
                .args(["-m", "py_compile"])
                .arg(&copied)
                .output()
                .expect("python3 is installed");
            assert!(
                compiled.status.success(),
                "{} does not compile once fixed:\n{}\n{fixed_text}",
                file.display(),
                String::from_utf8_lossy(&compiled.stderr)
            );
        }
        let copy_path = copy.path().to_path_buf();
        let again = loopguard::fix_paths(
            std::slice::from_ref(&copy_path),
            ConfigSource::Hierarchical,
            only(rule),
            copy.path(),
            Some(1),
            &all_fixes(true),
        )
        .unwrap();
        for report in &again {
            assert!(
                report.fix.is_none(),
                "fixing {} twice changed it again",
                report.path.display()
            );
        }
    }
    assert!(fixed_files > 0, "no fixture has a fix");
}
