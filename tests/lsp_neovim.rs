//! `loopguard server` with a real client: headless Neovim's built-in LSP client opens a file,
//! and the diagnostics it shows and the code actions it applies are checked
//! (tests/lsp/neovim.lua). Skipped when `nvim` is not installed, except under `CI=true`, where
//! `.ci/run` installs it (or, where it cannot, sets `LOOPGUARD_SKIP_NEOVIM=1` and warns).

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const FILES: &str =
    "import shutil\n\n\ndef clear_cache():\n    shutil.rmtree(\"/tmp/svc-cache\")\n";
const API: &str = "import asyncio\nimport time\n\nfrom app.files import clear_cache\n\n\nasync def reset():\n    name = \"h\u{e9}llo\u{1F600}\"; time.sleep(1)\n    clear_cache()\n    loop = asyncio.get_event_loop()\n";

fn nvim_available() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn neovim_shows_the_diagnostics_and_applies_a_fix_and_a_suppression() {
    if !nvim_available() {
        // .ci/run installs Neovim, and sets LOOPGUARD_SKIP_NEOVIM=1 (with a loud warning) only
        // when it cannot: without that, a CI run without `nvim` is a failure, not a skip.
        assert!(
            std::env::var("CI").as_deref() != Ok("true")
                || std::env::var("LOOPGUARD_SKIP_NEOVIM").as_deref() == Ok("1"),
            "CI=true but `nvim` is not installed: .ci/run installs it (apt-get install neovim)"
        );
        eprintln!("SKIPPED: `nvim` is not installed, the Neovim LSP test did not run");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    // Opt-in rules whose findings, fixes and chains the test shows.
    std::fs::write(
        root.path().join("loopguard.toml"),
        "extend-select = [\"LG201\", \"LG208\", \"LG301\"]\n",
    )
    .unwrap();
    let app = root.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("__init__.py"), "").unwrap();
    std::fs::write(app.join("files.py"), FILES).unwrap();
    std::fs::write(app.join("api.py"), API).unwrap();
    let out = root.path().join("result.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/neovim.lua");
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("LOOPGUARD_BIN", env!("CARGO_BIN_EXE_loopguard"))
        .env("LOOPGUARD_ROOT", root.path())
        .env("LOOPGUARD_FILE", app.join("api.py"))
        .env("LOOPGUARD_OUT", &out)
        .current_dir(root.path())
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "nvim exited with {status}");
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(result.get("error"), None, "{result}");
    // Neovim shows byte columns: `time.sleep` after the non-ASCII string is where the server's
    // UTF-16 column, converted back by the client, puts it.
    let sleep_line = API.lines().nth(7).unwrap();
    let sleep_byte = sleep_line.find("time.sleep").unwrap();
    assert_eq!(
        result["opened"],
        json!([
            {"code": "LG201", "line": 7, "col": sleep_byte},
            {"code": "LG208", "line": 8, "col": 4},
            {"code": "LG301", "line": 9, "col": 11},
        ])
    );
    assert_eq!(
        result["fix"].as_str().unwrap().split(':').next(),
        Some("Fix LG301 (safe)")
    );
    assert_eq!(result["suppress"], "Suppress LG201 on this line");
    assert_eq!(
        result["after"],
        json!([{"code": "LG208", "line": 9, "col": 4}])
    );
    let lines: Vec<&str> = result["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    assert_eq!(lines[7], "    # loopguard: allow(LG201) -- reason");
    assert_eq!(lines[8], sleep_line);
    assert_eq!(lines[10], "    loop = asyncio.get_running_loop()");
}
