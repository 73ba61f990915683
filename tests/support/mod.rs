//! Running the `loopguard` binary for the tests that must never see it abort
//! (`tests/generative.rs`, `tests/pathological.rs`): with a wall-clock limit (the child is killed
//! when it runs out), its peak memory, and a verdict on how it ended.

#![allow(dead_code)]

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How one run of the binary ended.
pub struct Run {
    pub status: ExitStatus,
    /// Killed after the time limit.
    pub timed_out: bool,
    pub elapsed: Duration,
    /// Peak resident set size of the child, in KiB (0 where it cannot be had).
    pub max_rss_kib: u64,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// What is wrong with this run of `check --output-format json`: an exit code other than 0 or
    /// 1, a signal, a time-out, output that is not a JSON array, or an LG004 finding. Empty when
    /// none of these happened.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.exit_problems();
        if problems.is_empty() {
            match self.findings() {
                Some(findings) => problems.extend(
                    findings
                        .iter()
                        .filter(|finding| finding.code == "LG004")
                        .map(|finding| format!("LG004 in {}: {}", finding.file, finding.message)),
                ),
                None => problems.push("stdout is not a JSON array of findings".to_string()),
            }
            if !problems.is_empty() {
                problems.push(format!("stderr: {}", tail(&self.stderr, 2_000)));
            }
        }
        problems
    }

    /// What is wrong with how the run ended, whatever its output format: an exit code other than
    /// 0 or 1, a signal, a time-out. Empty when none of these happened.
    pub fn exit_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.timed_out {
            problems.push(format!(
                "hang: killed after {:.1} s",
                self.elapsed.as_secs_f64()
            ));
        } else if let Some(signal) = self.status.signal() {
            problems.push(format!(
                "killed by signal {signal}{}",
                if self.status.core_dumped() {
                    " (core dumped)"
                } else {
                    ""
                }
            ));
        } else if !matches!(self.status.code(), Some(0 | 1)) {
            problems.push(format!("exit code {:?}", self.status.code()));
        }
        if !problems.is_empty() {
            problems.push(format!("stderr: {}", tail(&self.stderr, 2_000)));
        }
        problems
    }

    /// The findings of `--output-format json` output; `None` when it is not such an array.
    pub fn findings(&self) -> Option<Vec<Finding>> {
        let value: serde_json::Value = serde_json::from_str(&self.stdout).ok()?;
        value
            .as_array()?
            .iter()
            .map(|finding| {
                Some(Finding {
                    code: finding.get("code")?.as_str()?.to_string(),
                    file: finding.get("filename")?.as_str()?.to_string(),
                    row: finding.get("location")?.get("row")?.as_u64()?,
                    message: finding.get("message")?.as_str()?.to_string(),
                })
            })
            .collect()
    }

    /// The codes found, sorted, one per finding.
    pub fn codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self
            .findings()
            .unwrap_or_default()
            .into_iter()
            .map(|finding| finding.code)
            .collect();
        codes.sort();
        codes
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub file: String,
    pub row: u64,
    pub code: String,
    pub message: String,
}

/// The last `limit` bytes of `text` (on a character boundary).
pub fn tail(text: &str, limit: usize) -> &str {
    let mut start = text.len().saturating_sub(limit);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Runs `loopguard ARGS` in `directory` with the extra environment `envs`, killing it after
/// `limit`. `LOOPGUARD_TEST_BINARY` names another binary to run (a release build, an older
/// revision) instead of the one cargo built for this test.
pub fn loopguard(directory: &Path, args: &[&str], envs: &[(&str, &str)], limit: Duration) -> Run {
    let binary = std::env::var_os("LOOPGUARD_TEST_BINARY")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_loopguard").into());
    let mut command = Command::new(binary);
    command
        .current_dir(directory)
        .args(args)
        .env_remove("LOOPGUARD_NO_PREFILTER")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run(command, limit)
}

// The child is reaped by `wait4` (which also gives its peak memory), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run(mut command: Command, limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = command.spawn().expect("the loopguard binary starts");
    let reader = |mut stream: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = reader(Box::new(child.stdout.take().unwrap()));
    let stderr = reader(Box::new(child.stderr.take().unwrap()));
    let pid = child.id() as libc::pid_t;
    let mut timed_out = false;
    let (status, usage) = loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `usage` is a plain C struct that `wait4` fills in; `pid` is our own child,
        // not yet reaped (std's `Child` is never waited on here).
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break (ExitStatus::from_raw(status), usage);
        }
        assert!(
            reaped == 0,
            "wait4 failed: {}",
            std::io::Error::last_os_error()
        );
        if !timed_out && started.elapsed() > limit {
            timed_out = true;
            // SAFETY: signals our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        status,
        timed_out,
        elapsed: started.elapsed(),
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Writes `files` (path relative to `root`, contents) under `root`, creating directories.
pub fn write_files(root: &Path, files: &[(String, String)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Copies the directory tree `from` into `to` (regular files and directories only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
