//! Writing a fixed file: in the file's own encoding, atomically (a temporary file in the same
//! directory, renamed over the original, so a reader sees the old or the new file and never a
//! half-written one), with the original permissions, and never through a symbolic link that
//! leads out of the linted paths.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    let cannot_write = |error: std::io::Error| format!("cannot write the file: {error}");
    let mut temporary = tempfile::Builder::new()
        .prefix(".loopguard-fix-")
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
}
