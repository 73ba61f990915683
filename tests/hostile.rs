//! Inputs that must never crash loopguard, hang it, or stop the run: each is either linted
//! normally or reported as an LG0xx diagnostic, and the other files are still linted.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

const BLOCKING: &str = "import time\n\n\nasync def handler():\n    time.sleep(1)\n";

fn concise(directory: &Path, args: &[&str]) -> (String, i32) {
    let output = Command::cargo_bin("loopguard")
        .unwrap()
        .current_dir(directory)
        .args(["check", "--output-format", "concise", "--quiet"])
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn ten_thousand_nested_brackets_in_python() {
    let directory = tempfile::tempdir().unwrap();
    let depth = 10_000;
    let source = format!(
        "import time\n\nasync def f():\n    x = {}1{}\n    time.sleep(x)\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    fs::write(directory.path().join("deep.py"), source).unwrap();
    fs::write(directory.path().join("app.py"), BLOCKING).unwrap();
    let (out, code) = concise(directory.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("app.py:5:5: LG201"), "{out}");
    assert!(
        out.contains("deep.py:"),
        "the deep file is linted or reported, not dropped: {out}"
    );
}

#[test]
fn fifo_is_skipped_in_walks_and_reported_when_named() {
    let directory = tempfile::tempdir().unwrap();
    let fifo = directory.path().join("pipe.py");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    fs::write(directory.path().join("app.py"), BLOCKING).unwrap();
    let (out, code) = concise(directory.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().count(),
        1,
        "a FIFO found by the walk is not a source file: {out}"
    );
    let (named, _) = concise(directory.path(), &["pipe.py"]);
    assert_eq!(
        named,
        "pipe.py:1:1: LG003 [unlintable-file] not a regular file\n"
    );
}

#[test]
fn symlink_loops_do_not_hang_the_walk() {
    let directory = tempfile::tempdir().unwrap();
    fs::create_dir(directory.path().join("pkg")).unwrap();
    std::os::unix::fs::symlink("..", directory.path().join("pkg/up")).unwrap();
    std::os::unix::fs::symlink("self.py", directory.path().join("self.py")).unwrap();
    fs::write(directory.path().join("pkg/app.py"), BLOCKING).unwrap();
    let (out, _) = concise(directory.path(), &[]);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["pkg/app.py:5:5: LG201 [*] [blocking-sleep] `time.sleep` in async code blocks the event loop: every task on this thread stalls for the whole sleep"]);
    let (named, code) = concise(directory.path(), &["self.py"]);
    assert_eq!(code, 1);
    assert!(
        named.starts_with("self.py:1:1: LG003 [unlintable-file] cannot read file:"),
        "{named}"
    );
}

#[test]
fn unreadable_file_is_reported() {
    let directory = tempfile::tempdir().unwrap();
    let secret = directory.path().join("secret.py");
    fs::write(&secret, BLOCKING).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&secret).is_ok() {
        eprintln!(
            "running with privileges that ignore file modes: permission denial cannot be provoked"
        );
        return;
    }
    fs::write(directory.path().join("app.py"), BLOCKING).unwrap();
    let (out, code) = concise(directory.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains("secret.py:1:1: LG003 [unlintable-file] cannot read file: Permission denied"),
        "{out}"
    );
    assert!(out.contains("app.py:5:5: LG201"), "{out}");
}

#[test]
fn odd_file_names_are_linted() {
    let directory = tempfile::tempdir().unwrap();
    let dir = directory.path().join("with space");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("my app.py"), BLOCKING).unwrap();
    let non_utf8 = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
    fs::write(directory.path().join(non_utf8), BLOCKING).unwrap();
    let (out, code) = concise(directory.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.contains("with space/my app.py:5:5: LG201"), "{out}");
    assert!(
        out.contains("caf\u{fffd}.py:5:5: LG201"),
        "non-UTF-8 names are shown lossily: {out}"
    );
}

#[test]
fn form_feeds_and_mixed_indentation() {
    let directory = tempfile::tempdir().unwrap();
    let source = "import time\n\x0c\nasync def f():\n\x0c    if True:\n    \ttime.sleep(1)\n";
    fs::write(directory.path().join("app.py"), source).unwrap();
    let (out, _) = concise(directory.path(), &[]);
    // A form feed resets the indentation count; a tab counts to the next multiple of 8.
    assert!(out.starts_with("app.py:5:6: LG201"), "{out}");
}

#[test]
fn python_3_8_to_3_14_syntax_parses() {
    let source = r#"import time
from typing import TypeVar


class Box[T]:
    def get[U = int](self, default: U) -> T | U: ...


type Pair[K, V] = tuple[K, V]


async def handler(items: list[int]) -> None:
    if (n := len(items)) > 2:
        print(f"{'nested ' + f"{n!r:>{n}}"}")
    match items:
        case [first, *rest] if first > 0:
            pass
        case _:
            pass
    try:
        pass
    except* ValueError:
        pass
    try:
        pass
    except TypeError, KeyError:
        pass
    with (open("a") as a, open("b") as b):
        pass
    template = t"hello {n}"
    time.sleep(1)
"#;
    let directory = tempfile::tempdir().unwrap();
    fs::write(directory.path().join("modern.py"), source).unwrap();
    let sleep_line = source
        .lines()
        .position(|line| line.contains("time.sleep"))
        .unwrap()
        + 1;
    let (out, _) = concise(directory.path(), &["--select", "LG001,LG201"]);
    assert_eq!(out.lines().collect::<Vec<_>>(), [format!("modern.py:{sleep_line}:5: LG201 [*] [blocking-sleep] `time.sleep` in async code blocks the event loop: every task on this thread stalls for the whole sleep")]);
}

/// Long chains build one nested node per link (`a.b().b()…`, `a + a + …`, `else if`): within
/// the limit they are linted, beyond it they are LG003, and they never overflow the stack or
/// take quadratic time.
#[test]
fn long_chains_in_python_and_rust_are_linted_or_lg003() {
    let directory = tempfile::tempdir().unwrap();
    let python = |links: &str, count: usize| {
        format!(
            "import time\n\nasync def f():\n    x = a{}\n    time.sleep(x)\n",
            links.repeat(count)
        )
    };
    let rust = |links: &str, count: usize| {
        format!(
            "async fn f() {{\n    let x = a{};\n    std::thread::sleep(x);\n}}\n",
            links.repeat(count)
        )
    };
    let files = [
        ("calls_30k.py", python(".b()", 30_000)),
        ("sum_30k.py", python(" + a", 30_000)),
        ("calls_100k.py", python(".b()", 100_000)),
        ("sum_100k.py", python(" + a", 100_000)),
        ("calls_30k.rs", rust(".b()", 30_000)),
        ("sum_30k.rs", rust(" + a", 30_000)),
        ("calls_100k.rs", rust(".b()", 100_000)),
        ("sum_100k.rs", rust(" + a", 100_000)),
        (
            "else_if_100k.rs",
            format!(
                "async fn f() {{ if a {{}}{} std::thread::sleep(d); }}\n",
                " else if a {}".repeat(100_000)
            ),
        ),
    ];
    for (name, text) in &files {
        fs::write(directory.path().join(name), text).unwrap();
    }
    let (out, code) = concise(directory.path(), &["--select", "LG201,LG003"]);
    assert_eq!(code, 1, "{out}");
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    let too_deep = |name: &str, depth: usize| {
        format!("{name}:1:1: LG003 [unlintable-file] expressions nest {depth} levels deep, more than the 65536 loopguard can analyse")
    };
    assert_eq!(
        lines,
        [
            too_deep("calls_100k.py", 100_006),
            too_deep("calls_100k.rs", 100_003),
            "calls_30k.py:5:5: LG201 [*] [blocking-sleep] `time.sleep` in async code blocks the event loop: every task on this thread stalls for the whole sleep".to_string(),
            "calls_30k.rs:3:5: LG201 [blocking-sleep] `std::thread::sleep` in async code blocks the runtime's worker thread: every task scheduled on it stalls for the whole sleep".to_string(),
            too_deep("else_if_100k.rs", 100_002),
            too_deep("sum_100k.py", 100_005),
            too_deep("sum_100k.rs", 100_002),
            "sum_30k.py:5:5: LG201 [*] [blocking-sleep] `time.sleep` in async code blocks the event loop: every task on this thread stalls for the whole sleep".to_string(),
            "sum_30k.rs:3:5: LG201 [blocking-sleep] `std::thread::sleep` in async code blocks the runtime's worker thread: every task scheduled on it stalls for the whole sleep".to_string(),
        ]
    );
}

#[test]
fn deeply_nested_python_blocks_are_linted() {
    let directory = tempfile::tempdir().unwrap();
    let mut source = String::from("import time\n\nasync def f():\n");
    for level in 1..=1_000 {
        source.push_str(&format!("{}if x:\n", " ".repeat(level * 4)));
    }
    source.push_str(&format!("{}time.sleep(1)\n", " ".repeat(1_001 * 4)));
    fs::write(directory.path().join("deep.py"), source).unwrap();
    let (out, code) = concise(directory.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("deep.py:1004:4005: LG201"), "{out}");
}

#[test]
fn empty_files_are_linted_cleanly() {
    let directory = tempfile::tempdir().unwrap();
    fs::write(directory.path().join("empty.py"), "").unwrap();
    fs::write(directory.path().join("empty.rs"), "").unwrap();
    let (out, code) = concise(directory.path(), &["--select", "ALL"]);
    assert_eq!((out.as_str(), code), ("", 0));
}

#[test]
fn a_file_removed_after_discovery_is_lg003() {
    // Named on the command line but gone by the time it is read: the same path as a file
    // deleted between the walk and the read.
    let directory = tempfile::tempdir().unwrap();
    fs::write(directory.path().join("app.py"), BLOCKING).unwrap();
    let (out, code) = concise(directory.path(), &["app.py", "gone.py"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("gone.py:1:1: LG003 [unlintable-file] cannot read file"),
        "{out}"
    );
    assert!(out.contains("app.py:5:5: LG201"), "{out}");
}
