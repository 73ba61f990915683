//! The HTML audit report in a real browser: headless Chromium renders the report of the
//! fixtures (with two earlier audits for the trend), and the DOM it ends up with must show the
//! totals, the SVG charts and the suppression table; a screenshot must come out.
//!
//! Without a Chromium on PATH the test fails under CI (`CI` set) and is skipped otherwise.
//! `LOOPGUARD_UPDATE_SCREENSHOT=1` copies the screenshot to `.ci/audit-report.png` (the
//! README's picture of the report).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

const BROWSERS: &[&str] = &["chromium", "chromium-browser", "google-chrome"];
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    BROWSERS.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|directory| directory.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn audit(args: &[&str], date: &str) {
    let output = Command::cargo_bin("loopguard")
        .unwrap()
        .current_dir(manifest_dir())
        .env("LOOPGUARD_AUDIT_DATE", date)
        .arg("audit")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An earlier quarter's audit: today's fixtures with LG305 still enabled, under an older
/// revision name.
fn earlier_audit(directory: &Path, date: &str, revision: &str) -> PathBuf {
    let path = directory.join(format!("audit-{date}.json"));
    let path_text = path.to_str().unwrap();
    audit(
        &["fixtures", "--extend-select", "LG305", "--json", path_text],
        date,
    );
    let mut report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    report["revision"] = Value::from(revision);
    std::fs::write(&path, serde_json::to_string(&report).unwrap()).unwrap();
    path
}

/// Runs the browser on the report; its standard output, or a panic after the time limit.
fn browser(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let stdout = std::thread::spawn({
        let mut stdout = child.stdout.take().unwrap();
        move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
            text
        }
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{} {args:?}: {status}", browser.display());
            return stdout.join().unwrap();
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            child.kill().unwrap();
            panic!(
                "{} {args:?} did not finish in {BROWSER_TIMEOUT:?}",
                browser.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_html_report_renders_in_chromium() {
    let Some(chromium) = find_browser() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs a browser for this test: apt-get install -y chromium"
        );
        eprintln!("skipped: none of {BROWSERS:?} is on PATH");
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let q2 = earlier_audit(directory.path(), "2026-05-04", "5d41ab2");
    let q3 = earlier_audit(directory.path(), "2026-08-03", "9c07e3f");
    let report = directory.path().join("report.html");
    let json = directory.path().join("report.json");
    audit(
        &[
            "fixtures",
            "--previous",
            q2.to_str().unwrap(),
            "--previous",
            q3.to_str().unwrap(),
            "--html",
            report.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        "2026-11-02",
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let total = summary["summary"]["findings"].as_u64().unwrap();
    assert!(total > 0);

    let profile = directory.path().join("profile");
    let dom = browser(&chromium, &profile, &["--dump-dom"], &report);
    let totals = dom
        .split("id=\"total-findings\"")
        .nth(1)
        .expect("the totals are shown");
    assert!(
        totals.starts_with(&format!("><span class=\"number\">{total}</span>")),
        "the total is in its card"
    );
    assert!(dom.contains("id=\"total-files\""));
    for chart in ["chart-categories", "chart-files", "chart-trend"] {
        let after = dom
            .split(&format!("id=\"{chart}\""))
            .nth(1)
            .unwrap_or_else(|| panic!("{chart} is missing"));
        assert!(
            after.trim_start_matches(['>', ' ']).starts_with("<svg"),
            "{chart} is an inline SVG"
        );
    }
    assert!(dom.contains("<polyline"), "the trend line is drawn");
    let suppressions = dom
        .split("id=\"table-suppressions\"")
        .nth(1)
        .expect("the suppression table is shown");
    assert!(suppressions.contains("startup delay, loop not serving yet"));
    assert!(suppressions.contains("no reason given"));
    assert!(
        dom.contains("tabindex=\"0\""),
        "the sorting script ran and made the headers focusable"
    );

    // The sorting script, driven by a click: by rule name, ascending.
    let page = std::fs::read_to_string(&report).unwrap();
    let clicked = directory.path().join("clicked.html");
    let click = "<script>document.querySelector('#table-rules th:nth-child(2)').click();</script>";
    std::fs::write(
        &clicked,
        page.replace("</body>", &format!("{click}</body>")),
    )
    .unwrap();
    let dom = browser(&chromium, &profile, &["--dump-dom"], &clicked);
    let rules = dom.split("id=\"table-rules\"").nth(1).unwrap();
    let first_row = rules
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        first_row.contains(">blocking-database<"),
        "sorted by name: {first_row}"
    );
    assert!(rules.contains("aria-sort=\"ascending\""));

    let screenshot = directory.path().join("report.png");
    browser(
        &chromium,
        &profile,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2000",
        ],
        &report,
    );
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.len() > 10_000, "a screenshot with content");
    assert!(png.starts_with(b"\x89PNG"));
    if std::env::var_os("LOOPGUARD_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(manifest_dir().join(".ci/audit-report.png"), png).unwrap();
    }
}
