//! `check --output-file`: the report is written to a temporary file next to the target and
//! renamed over it, so a CI step or an editor reading the file sees the previous report or the
//! whole new one, never a half-written one.

use std::io::Write;
use std::path::Path;

pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let cannot_write =
        |error: std::io::Error| format!("cannot write `{}`: {error}", path.display());
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // `-o reports/loopguard.json` in a fresh CI checkout: the directory is made, as ruff does.
    std::fs::create_dir_all(directory).map_err(cannot_write)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".loopguard-report-")
        .suffix(".tmp")
        .tempfile_in(directory)
        .map_err(cannot_write)?;
    temporary.write_all(bytes).map_err(cannot_write)?;
    temporary.as_file().sync_all().map_err(cannot_write)?;
    temporary
        .persist(path)
        .map_err(|error| cannot_write(error.error))?;
    Ok(())
}
