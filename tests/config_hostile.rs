//! Hostile configuration: every broken config stops the run with exit 2 and an error naming
//! the file, the line and the key — and nothing is linted with a half-read config.

use assert_cmd::Command;
use std::fs;

const BLOCKING: &str = "import time\n\n\nasync def handler():\n    time.sleep(1)\n";

/// Runs `check` in a project with these files; `(stdout, stderr, exit code)`.
fn check(files: &[(&str, &str)]) -> (String, String, i32) {
    let directory = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = directory.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    let output = Command::cargo_bin("loopguard")
        .unwrap()
        .current_dir(directory.path())
        .env("NO_COLOR", "1")
        .args(["check", "--output-format", "concise"])
        .output()
        .unwrap();
    let root = fs::canonicalize(directory.path()).unwrap();
    let relative = |text: &[u8]| {
        String::from_utf8_lossy(text)
            .replace(&format!("{}/./", root.display()), "")
            .replace(&format!("{}/", root.display()), "")
            .replace(&format!("{}/./", directory.path().display()), "")
            .replace(&format!("{}/", directory.path().display()), "")
    };
    (
        relative(&output.stdout),
        relative(&output.stderr),
        output.status.code().unwrap_or(-1),
    )
}

fn assert_config_error(files: &[(&str, &str)], expected: &str) {
    let mut files = files.to_vec();
    files.push(("app.py", BLOCKING));
    files.push(("sub/app.py", BLOCKING));
    let (stdout, stderr, code) = check(&files);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "", "nothing is linted with a broken config");
    assert_eq!(stderr.lines().next(), Some(expected), "{stderr}");
}

#[test]
fn malformed_toml_names_file_and_line() {
    assert_config_error(
        &[("loopguard.toml", "select = [\"LG201\"\nignore = 3\n")],
        "error: loopguard.toml:2: invalid TOML: invalid array",
    );
}

#[test]
fn wrong_types_name_the_key() {
    assert_config_error(
        &[("loopguard.toml", "select = \"LG201\"\n")],
        "error: loopguard.toml:1: key `select`: expected a list of strings, found string",
    );
    assert_config_error(
        &[("loopguard.toml", "\n\ndefault-timeout = \"x\"\n")],
        "error: loopguard.toml:3: key `default-timeout`: expected a number, found string",
    );
}

#[test]
fn unknown_rule_codes_are_errors_with_a_suggestion() {
    assert_config_error(
        &[("loopguard.toml", "ignore = [\"LG299\"]\n")],
        "error: loopguard.toml:1: key `ignore`: unknown rule selector `LG299` (did you mean `LG209`?); expected a rule code (LG201), a code prefix (LG2), a rule name (blocking-sleep), `ALL`, `default` or `pedantic`",
    );
}

#[test]
fn invalid_globs_and_patterns_name_the_key() {
    assert_config_error(
        &[("loopguard.toml", "exclude = [\"a/[b\"]\n")],
        "error: loopguard.toml:1: key `exclude`: invalid glob `a/[b`: unclosed character class; missing ']'",
    );
    assert_config_error(
        &[("loopguard.toml", "[per-file-ignores]\n\"src/[x\" = [\"LG201\"]\n")],
        "error: loopguard.toml:2: key `per-file-ignores.src/[x`: invalid glob `src/[x`: unclosed character class; missing ']'",
    );
    assert_config_error(
        &[(
            "loopguard.toml",
            "[rules.blocking-http]\nextend-blocking-calls = [\"a..b\"]\n",
        )],
        "error: loopguard.toml:2: key `rules.blocking-http.extend-blocking-calls`: invalid pattern `a..b` has an empty segment",
    );
}

#[test]
fn a_broken_table_in_pyproject_is_an_error() {
    assert_config_error(
        &[("pyproject.toml", "[tool.loopguard]\nselect = 5\n")],
        "error: pyproject.toml:2: key `select`: expected a list of strings, found integer",
    );
}

#[test]
fn a_pyproject_without_the_table_is_not_a_config() {
    // The parent's config applies: the nearer pyproject.toml has no `[tool.loopguard]`.
    let (stdout, stderr, code) = check(&[
        ("loopguard.toml", "ignore = [\"LG201\"]\n"),
        ("sub/pyproject.toml", "[project]\nname = \"x\"\n"),
        ("sub/app.py", BLOCKING),
    ]);
    assert_eq!(
        (stdout.as_str(), code),
        ("All checks passed!\n", 0),
        "{stderr}"
    );
}

#[test]
fn a_broken_config_at_any_level_stops_the_whole_run() {
    // The root config is fine, a nested one is broken: the files under the root are not
    // linted either, so no partial result is mistaken for a clean one.
    assert_config_error(
        &[
            ("loopguard.toml", "select = [\"LG201\"]\n"),
            ("sub/loopguard.toml", "select = [\"LG201\"]\nextend-selct = []\n"),
        ],
        "error: sub/loopguard.toml:2: key `extend-selct`: unknown key `extend-selct` (did you mean `extend-select`?); valid keys: select, extend-select, ignore, exclude, extend-exclude, per-file-ignores, default-limit, default-timeout, baseline, guarded-calls, fixable, unfixable, extend-safe-fixes, extend-unsafe-fixes, test-code, single-task-scripts, rules",
    );
}

#[test]
fn two_valid_configs_at_different_levels_the_nearest_wins() {
    let (stdout, _, code) = check(&[
        ("loopguard.toml", "ignore = [\"LG201\"]\n"),
        ("sub/loopguard.toml", "select = [\"LG201\"]\n"),
        ("app.py", BLOCKING),
        ("sub/app.py", BLOCKING),
    ]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("sub/app.py:5:5: LG201"), "{stdout}");
    assert!(!stdout.contains("\napp.py"), "{stdout}");
}
