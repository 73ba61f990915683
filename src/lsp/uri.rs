//! `file:` URIs to and from paths.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

use crate::source::Location;

/// The path of a `file:` URI on this machine (no host, or `localhost`); `None` for other
/// schemes (`untitled:`, remote hosts), which loopguard cannot place in a project.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let slash = rest.find('/')?;
    if !matches!(&rest[..slash], "" | "localhost") {
        return None;
    }
    let encoded = rest[slash..].split(['?', '#']).next()?;
    let bytes = percent_decode(encoded)?;
    path_from_bytes(bytes)
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    // `/C:/dir/file.py`: the drive follows the leading slash.
    let text = String::from_utf8(bytes).ok()?;
    let text = match text.as_bytes() {
        [b'/', _, b':', ..] => &text[1..],
        _ => &text,
    };
    Some(PathBuf::from(text))
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    Some(decoded)
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    if !path.is_absolute() {
        return None;
    }
    let mut uri = String::from("file://");
    let text = path.to_string_lossy().replace('\\', "/");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~:".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.parse().ok()
}

/// An empty range at a 1-based line and character column of another file (whose text is not
/// at hand to count its columns in the negotiated encoding; exact for ASCII lines).
pub fn one_based(location: Location) -> Range {
    let position = Position {
        line: location.row.saturating_sub(1) as u32,
        character: location.column.saturating_sub(1) as u32,
    };
    Range {
        start: position,
        end: position,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn paths_survive_the_round_trip_through_a_uri() {
        let path = Path::new("/work/my project/ünï#1.py");
        let uri = from_path(path).unwrap();
        assert_eq!(
            uri.as_str(),
            "file:///work/my%20project/%C3%BCn%C3%AF%231.py"
        );
        assert_eq!(to_path(&uri).as_deref(), Some(path));
        let localhost: Uri = "file://localhost/a/b.py".parse().unwrap();
        assert_eq!(to_path(&localhost), Some(PathBuf::from("/a/b.py")));
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(to_path(&untitled), None);
        let remote: Uri = "file://server/share/a.py".parse().unwrap();
        assert_eq!(to_path(&remote), None);
    }
}
