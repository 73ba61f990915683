//! End-to-end behaviour of the Rust front end that fixtures cannot express: parse errors,
//! suppression bookkeeping, and files that would overflow a recursive parser.

use std::path::Path;

use loopguard::config::CliOverrides;
use loopguard::discover::ConfigSource;
use loopguard::registry::Selector;

/// `(line, column, code, message)` of every finding for one file.
fn check(code: &str, select: &[&str]) -> Vec<(usize, usize, String, String)> {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("lib.rs");
    std::fs::write(&path, code).unwrap();
    let cli = CliOverrides {
        select: Some(select.iter().map(|s| Selector::parse(s).unwrap()).collect()),
        ..CliOverrides::default()
    };
    let reports = loopguard::check_paths(
        &[path],
        ConfigSource::Isolated,
        cli,
        directory.path(),
        Some(1),
    )
    .unwrap();
    loopguard::output::findings(&reports, Path::new("/"))
        .iter()
        .map(|finding| {
            (
                finding.start.row,
                finding.start.column,
                finding.diagnostic.rule.code().to_string(),
                finding.diagnostic.message.clone(),
            )
        })
        .collect()
}

fn codes_and_lines(findings: &[(usize, usize, String, String)]) -> Vec<(usize, &str)> {
    findings
        .iter()
        .map(|(line, _, code, _)| (*line, code.as_str()))
        .collect()
}

#[test]
fn unparsable_file_is_lg001_with_line_and_column() {
    let findings = check("async fn f() {\n    let x = ;\n}\n", &["LG201"]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let (line, column, code, message) = &findings[0];
    assert_eq!((*line, *column, code.as_str()), (2, 13, "LG001"));
    assert!(message.starts_with("syntax error: "), "{message}");
}

#[test]
fn columns_count_characters_after_a_bom_and_multibyte_text() {
    let findings = check(
        "\u{feff}async fn f() { let s = \"é\"; std::thread::sleep(d); }\n",
        &["LG201"],
    );
    assert_eq!(codes_and_lines(&findings), [(1, "LG201")]);
    assert_eq!(findings[0].1, 29);
}

#[test]
fn suppressions_on_the_line_above_and_file_wide_are_honoured_and_used() {
    let code = "\
use std::thread::sleep;
async fn f() {
    sleep(d); // loopguard: allow(LG201) -- reason
    // loopguard: allow(blocking-sleep) -- reason
    sleep(d);
    sleep(d);
    sleep(d); // loopguard: allow(LG202) -- nothing to suppress
}
";
    let findings = check(code, &["LG201", "LG202", "LG002"]);
    assert_eq!(
        codes_and_lines(&findings),
        [(6, "LG201"), (7, "LG201"), (7, "LG002")]
    );
    let whole_file = format!("// loopguard: allow-file(LG201) -- generated\n{code}");
    assert_eq!(
        codes_and_lines(&check(&whole_file, &["LG201"])),
        Vec::<(usize, &str)>::new()
    );
}

#[test]
fn blocking_call_in_a_select_arm_is_found() {
    let code = "\
async fn f(mut rx: tokio::sync::mpsc::Receiver<u8>) {
    tokio::select! {
        biased;
        Some(v) = rx.recv(), if ready => {
            std::fs::read_to_string(v.to_string()).ok();
        }
        _ = tokio::time::sleep(d) => std::thread::sleep(d),
    }
}
";
    assert_eq!(
        codes_and_lines(&check(code, &["LG201", "LG203"])),
        [(5, "LG203"), (7, "LG201")]
    );
}

#[test]
fn ten_thousand_nested_blocks_and_brackets_are_analysed() {
    let depth = 10_000;
    let blocks = format!(
        "async fn f() {{{}std::thread::sleep(d);{}}}\n",
        "{".repeat(depth),
        "}".repeat(depth)
    );
    assert_eq!(codes_and_lines(&check(&blocks, &["LG201"])), [(1, "LG201")]);
    let async_blocks = format!(
        "async fn f() {{{}std::thread::sleep(d);{}}}\n",
        "async move {".repeat(depth),
        "}".repeat(depth)
    );
    assert_eq!(
        codes_and_lines(&check(&async_blocks, &["LG201"])),
        [(1, "LG201")]
    );
    let brackets = format!(
        "async fn f() {{ let x = {}1{}; }}\n",
        "([".repeat(depth / 2),
        "])".repeat(depth / 2)
    );
    assert!(check(&brackets, &["LG201"]).is_empty());
}

#[test]
fn absurd_nesting_is_reported_not_crashed_on() {
    let depth = 100_000;
    let code = format!(
        "async fn f() {{ let x = {}1{}; }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let findings = check(&code, &["LG201", "LG003"]);
    assert_eq!(codes_and_lines(&findings), [(1, "LG003")]);
}

#[test]
fn files_without_async_code_are_not_parsed() {
    // Nothing the Rust rules look for can occur without `async`: such files are skipped before
    // parsing, so even a syntax error in them goes unreported.
    assert!(check("fn f() { let x = ; }\n", &["LG201"]).is_empty());
}
