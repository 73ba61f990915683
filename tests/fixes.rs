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

fn python_files(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(python_files(&path));
        } else if path.extension().is_some_and(|extension| extension == "py") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The rule a fixture exercises: the `fixtures/python/<CODE>/` directory it sits in.
fn fixture_rule(file: &Path) -> Rule {
    let relative = file.strip_prefix(fixture_root().join("python")).unwrap();
    let code = relative.components().next().unwrap().as_os_str();
    Rule::from_code_or_name(code.to_str().unwrap()).unwrap()
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

#[test]
fn fixed_python_fixtures_compile_and_are_fixed_for_good() {
    let root = fixture_root();
    let mut fixed_files = 0;
    for file in python_files(&root.join("python")) {
        let rule = fixture_rule(&file);
        let reports = loopguard::fix_paths(
            std::slice::from_ref(&file),
            ConfigSource::Hierarchical,
            only(rule),
            &root,
            Some(1),
            &all_fixes(false),
        )
        .unwrap();
        let report = &reports[0];
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
        let fixed_text = report.source.as_ref().unwrap().text.clone();
        let name = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace(['/', '\\'], "__");
        insta::assert_snapshot!(format!("fixed__{name}"), fixed_text);

        // The fixed file, beside a copy of the fixture's config, must compile and stay as it is.
        let directory = tempfile::tempdir().unwrap();
        let config = file.parent().unwrap().join("loopguard.toml");
        if config.exists() {
            std::fs::copy(&config, directory.path().join("loopguard.toml")).unwrap();
        }
        let copy = directory.path().join(file.file_name().unwrap());
        std::fs::write(&copy, &fixed_text).unwrap();
        let compiled = Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(&copy)
            .output()
            .expect("python3 is installed");
        assert!(
            compiled.status.success(),
            "{} does not compile once fixed:\n{}\n{fixed_text}",
            file.display(),
            String::from_utf8_lossy(&compiled.stderr)
        );
        let again = loopguard::fix_paths(
            std::slice::from_ref(&copy),
            ConfigSource::Hierarchical,
            only(rule),
            directory.path(),
            Some(1),
            &all_fixes(true),
        )
        .unwrap();
        assert!(
            again[0].fix.is_none(),
            "fixing {} twice changed it again",
            file.display()
        );
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), fixed_text);
    }
    assert!(fixed_files > 0, "no fixture has a fix");
}
