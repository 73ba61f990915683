//! Writing a fixed file: in the file's own encoding, atomically (a temporary file in the same
//! directory, renamed over the original, so a reader sees the old or the new file and never a
//! half-written one), with the original permissions, and never through a symbolic link that
//! leads out of the linted paths.
//!
//! A run killed between creating a temporary file and renaming it (SIGKILL, power loss) leaves
//! that file behind. Its name says which process wrote it — `.loopguard-fix-<pid>-<6 letters or
//! digits>.tmp` — so the next `--fix` run that writes into the same directory removes it once
//! it is abandoned: its process no longer exists (Linux, by `/proc/<pid>`), or it is older than
//! [`ABANDONED_AFTER`] (every platform; also covers a reused process id). Only regular files
//! whose whole name matches that scheme are touched, never one of the running process, and no
//! linted extension ends such a name, so discovery never lints one.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

const TEMPORARY_PREFIX: &str = ".loopguard-fix-";
const TEMPORARY_SUFFIX: &str = ".tmp";
const TEMPORARY_RANDOM_CHARS: usize = 6;

/// A temporary file lives for the few milliseconds it takes to write one file: one this old
/// belongs to no running write, whatever its process id says.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(60 * 60);

/// Writes `text` to `path`; the error says why the file was left as it was.
pub fn write_fixed(
    path: &Path,
    text: &str,
    declared_encoding: Option<&str>,
    roots: &[PathBuf],
) -> Result<(), String> {
    let bytes = crate::source::encode(text, declared_encoding)?;
    let target =
        std::fs::canonicalize(path).map_err(|error| format!("cannot resolve the path: {error}"))?;
    if !roots.is_empty() && !roots.iter().any(|root| target.starts_with(root)) {
        return Err(format!(
            "it is a symbolic link to `{}`, outside the linted paths",
            target.display()
        ));
    }
    let metadata = std::fs::metadata(&target)
        .map_err(|error| format!("cannot read the file's metadata: {error}"))?;
    // Checked explicitly: the rename below would replace a read-only file (and root may write
    // to one anyway).
    if metadata.permissions().readonly() {
        return Err("the file is read-only".to_string());
    }
    let directory = target.parent().unwrap_or(Path::new("."));
    remove_abandoned_once(directory);
    let cannot_write = |error: std::io::Error| format!("cannot write the file: {error}");
    let prefix = format!("{TEMPORARY_PREFIX}{}-", std::process::id());
    let mut temporary = tempfile::Builder::new()
        .prefix(&prefix)
        .rand_bytes(TEMPORARY_RANDOM_CHARS)
        .suffix(TEMPORARY_SUFFIX)
        .tempfile_in(directory)
        .map_err(cannot_write)?;
    temporary.write_all(&bytes).map_err(cannot_write)?;
    temporary.as_file().sync_all().map_err(cannot_write)?;
    std::fs::set_permissions(temporary.path(), metadata.permissions()).map_err(cannot_write)?;
    temporary
        .persist(&target)
        .map_err(|error| cannot_write(error.error))?;
    Ok(())
}

/// The process id in a temporary file's name, when the whole name follows the scheme.
fn writer_of(name: &OsStr) -> Option<u32> {
    let rest = name.to_str()?.strip_prefix(TEMPORARY_PREFIX)?;
    let rest = rest.strip_suffix(TEMPORARY_SUFFIX)?;
    let (pid, random) = rest.split_once('-')?;
    let well_formed = !pid.is_empty()
        && pid.bytes().all(|byte| byte.is_ascii_digit())
        && random.len() == TEMPORARY_RANDOM_CHARS
        && random.bytes().all(|byte| byte.is_ascii_alphanumeric());
    well_formed.then(|| pid.parse().ok()).flatten()
}

/// Cleans each directory once per run: a leftover cannot appear while this process runs,
/// except from another, live, loopguard process.
fn remove_abandoned_once(directory: &Path) {
    static CLEANED: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    let mut cleaned = CLEANED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cleaned.insert(directory.to_path_buf()) {
        drop(cleaned);
        remove_abandoned(directory);
    }
}

/// Removes the abandoned temporary files of earlier runs from `directory`. Best effort: a
/// leftover that cannot be removed only takes space, so errors are ignored.
pub fn remove_abandoned(directory: &Path) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = writer_of(&entry.file_name()) else {
            continue;
        };
        // `DirEntry::metadata` does not follow symbolic links.
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if !metadata.file_type().is_file() || pid == std::process::id() {
            continue;
        }
        let old = metadata
            .modified()
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age >= ABANDONED_AFTER);
        if old || !process_exists(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this id runs on this machine; `true` when that cannot be told, so
/// that only the age rule applies.
#[cfg(target_os = "linux")]
fn process_exists(pid: u32) -> bool {
    let proc_mounted = Path::new("/proc/self").exists();
    !proc_mounted || Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_exists(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_keeps_its_permissions() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("app.py");
        std::fs::write(&path, "old\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o754)).unwrap();
        }
        write_fixed(&path, "new\n", None, &[]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o754);
        }
        let leftovers = std::fs::read_dir(directory.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn a_read_only_file_is_refused_and_unchanged() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("app.py");
        std::fs::write(&path, "old\n").unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions).unwrap();
        let error = write_fixed(&path, "new\n", None, &[]).unwrap_err();
        assert!(error.contains("read-only"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_linted_tree_is_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("real.py");
        std::fs::write(&target, "old\n").unwrap();
        let tree = tempfile::tempdir().unwrap();
        let link = tree.path().join("link.py");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let roots = [std::fs::canonicalize(tree.path()).unwrap()];
        let error = write_fixed(&link, "new\n", None, &roots).unwrap_err();
        assert!(error.contains("outside the linted paths"), "{error}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
    }

    #[test]
    fn text_is_written_back_in_its_declared_encoding() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("app.py");
        std::fs::write(&path, b"x").unwrap();
        write_fixed(
            &path,
            "# coding: latin-1\ns = '\u{e9}'\n",
            Some("latin-1"),
            &[],
        )
        .unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"# coding: latin-1\ns = '\xe9'\n"
        );
        let error = write_fixed(&path, "s = '\u{20ac}'\n", Some("latin-1"), &[]).unwrap_err();
        assert!(error.contains("latin-1"), "{error}");
    }

    #[test]
    fn only_names_of_the_exact_scheme_have_a_writer() {
        let writer = |name: &str| writer_of(OsStr::new(name));
        assert_eq!(writer(".loopguard-fix-4242-aZ09xy.tmp"), Some(4242));
        for name in [
            ".loopguard-fix-4242-aZ09x.tmp",
            ".loopguard-fix-4242-aZ09xyz.tmp",
            ".loopguard-fix-4242-aZ0_xy.tmp",
            ".loopguard-fix--aZ09xy.tmp",
            ".loopguard-fix-42a-aZ09xy.tmp",
            ".loopguard-fix-4242-aZ09xy.tmp.py",
            ".loopguard-fix-4242-aZ09xy",
            ".loopguard-fix-aZ09xy",
            "loopguard-fix-4242-aZ09xy.tmp",
            "app.py",
        ] {
            assert_eq!(writer(name), None, "{name}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_dead_processes_go_and_everything_else_stays() {
        let directory = tempfile::tempdir().unwrap();
        let write = |name: &str| {
            let path = directory.path().join(name);
            std::fs::write(&path, "x").unwrap();
            path
        };
        // Process ids above the kernel's maximum (4194304) never exist.
        let dead = write(".loopguard-fix-99999999-abc123.tmp");
        let live = write(&format!(".loopguard-fix-{}-abc123.tmp", std::process::id()));
        let parent = write(&format!(
            ".loopguard-fix-{}-abc123.tmp",
            std::os::unix::process::parent_id()
        ));
        let user_file = write(".loopguard-fix-99999999-abc123.tmp.bak");
        let dead_directory = directory.path().join(".loopguard-fix-99999998-abc123.tmp");
        std::fs::create_dir(&dead_directory).unwrap();
        remove_abandoned(directory.path());
        assert!(!dead.exists());
        for kept in [&live, &parent, &user_file, &dead_directory] {
            assert!(kept.exists(), "{} was removed", kept.display());
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_hour_old_leftover_goes_even_when_its_process_id_is_in_use() {
        let directory = tempfile::tempdir().unwrap();
        let parent = std::os::unix::process::parent_id();
        let fresh = directory
            .path()
            .join(format!(".loopguard-fix-{parent}-fresh1.tmp"));
        let stale = directory
            .path()
            .join(format!(".loopguard-fix-{parent}-stale1.tmp"));
        for path in [&fresh, &stale] {
            std::fs::write(path, "x").unwrap();
        }
        let long_ago = std::time::SystemTime::now() - ABANDONED_AFTER - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        remove_abandoned(directory.path());
        assert!(fresh.exists());
        assert!(!stale.exists());
    }
}
