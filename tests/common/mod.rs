//! Helpers shared by the end-to-end tests of the binary.

use std::fs;

use tempfile::TempDir;

/// A temporary project holding `files` (path relative to its root, contents), with the
/// directories they need.
pub fn project(files: &[(&str, &str)]) -> TempDir {
    let directory = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = directory.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    directory
}
