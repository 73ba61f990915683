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
