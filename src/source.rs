//! Reading a file into text that the front ends can parse, or saying why it cannot be linted.
//!
//! UTF-8 files are kept byte for byte (a BOM included) so that byte offsets in diagnostics and
//! fixes are offsets into the file itself. Python files that declare another encoding (PEP 263)
//! are decoded; everything else that is not UTF-8 is reported as LG003 rather than guessed at.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use ruff_source_file::{LineIndex, OneIndexed};
use ruff_text_size::{TextRange, TextSize};

use crate::registry::Language;

/// Files larger than this are reported as LG003 instead of being read into memory.
pub const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

#[derive(Debug)]
pub struct SourceText {
    pub text: String,
    /// The PEP 263 encoding the file was decoded from, when it is not UTF-8.
    pub declared_encoding: Option<String>,
    /// Built on first use: most files are never asked for a location (no findings), and
    /// counting their lines needs no index.
    line_index: OnceLock<LineIndex>,
}

/// A 1-based line and character column.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Location {
    pub row: usize,
    pub column: usize,
}

impl SourceText {
    pub fn new(text: String, declared_encoding: Option<String>) -> Self {
        SourceText {
            text,
            declared_encoding,
            line_index: OnceLock::new(),
        }
    }

    fn line_index(&self) -> &LineIndex {
        self.line_index
            .get_or_init(|| LineIndex::from_source_text(&self.text))
    }

    pub fn location(&self, offset: TextSize) -> Location {
        let offset = offset.min(self.text_len());
        let line_column = self.line_index().line_column(offset, &self.text);
        Location {
            row: line_column.line.get(),
            column: line_column.column.get(),
        }
    }

    pub fn text_len(&self) -> TextSize {
        TextSize::of(self.text.as_str())
    }

    /// The 1-based line number of a byte offset.
    pub fn line_of(&self, offset: TextSize) -> usize {
        self.line_index()
            .line_index(offset.min(self.text_len()))
            .get()
    }

    /// The byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, row: usize) -> TextRange {
        let row = OneIndexed::new(row.clamp(1, self.line_count())).unwrap_or(OneIndexed::MIN);
        let full = self.line_index().line_range(row, &self.text);
        let line = &self.text[full];
        let trimmed = line.trim_end_matches(['\n', '\r']);
        TextRange::at(full.start(), TextSize::of(trimmed))
    }

    /// Lines as [`LineIndex`] counts them (`\n`, `\r\n` and a lone `\r` each end one; the
    /// text after the last terminator is a line, even when empty).
    pub fn line_count(&self) -> usize {
        if let Some(index) = self.line_index.get() {
            return index.line_count();
        }
        // Asked of every file (the audit counts lines): `\n`s are counted in bulk, and lone
        // `\r`s, which are rare, one by one.
        let bytes = self.text.as_bytes();
        let lone_carriage_returns = memchr::memchr_iter(b'\r', bytes)
            .filter(|&at| bytes.get(at + 1) != Some(&b'\n'))
            .count();
        1 + memchr::memchr_iter(b'\n', bytes).count() + lone_carriage_returns
    }

    /// Byte offset of a 1-based line and 0-based character column (as proc-macro2 reports them).
    pub fn offset_of(&self, row: usize, char_column: usize) -> TextSize {
        let line = self.line_range(row);
        let text = &self.text[line];
        let within = text
            .char_indices()
            .nth(char_column)
            .map_or(text.len(), |(index, _)| index);
        line.start() + TextSize::try_from(within).unwrap_or_default()
    }
}

/// Why a file was not linted (reported as LG003).
#[derive(Debug)]
pub enum Unlintable {
    Io(std::io::Error),
    NotAFile,
    TooLarge { size: u64 },
    Binary { line: usize },
    Utf16,
    InvalidUtf8 { line: usize, column: usize },
    UnknownEncoding(String),
    UndecodableBytes(String),
}

impl fmt::Display for Unlintable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unlintable::Io(error) => write!(f, "cannot read file: {error}"),
            Unlintable::NotAFile => f.write_str("not a regular file"),
            Unlintable::TooLarge { size } => write!(
                f,
                "file is {size} bytes, larger than the {} MiB limit",
                MAX_FILE_SIZE / 1024 / 1024
            ),
            Unlintable::Binary { line } => {
                write!(f, "file looks binary (NUL byte on line {line})")
            }
            Unlintable::Utf16 => f.write_str("file is UTF-16 encoded; only UTF-8 (or a declared PEP 263 encoding) is supported"),
            Unlintable::InvalidUtf8 { line, column } => write!(
                f,
                "file is not valid UTF-8 (invalid byte at line {line}, column {column}) and declares no other encoding"
            ),
            Unlintable::UnknownEncoding(label) => {
                write!(f, "unknown encoding `{label}` in the coding declaration")
            }
            Unlintable::UndecodableBytes(label) => {
                write!(f, "file is not valid `{label}` as its coding declaration says")
            }
        }
    }
}

pub fn read_source(path: &Path, language: Language) -> Result<SourceText, Unlintable> {
    let (file, metadata) = open_regular_file(path)?;
    if metadata.len() > MAX_FILE_SIZE {
        return Err(Unlintable::TooLarge {
            size: metadata.len(),
        });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize + 1);
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(Unlintable::Io)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(Unlintable::TooLarge {
            size: bytes.len() as u64,
        });
    }
    decode(bytes, language)
}

/// Opens a file for reading, refusing anything but a regular file. Opening a FIFO waits for a
/// writer, so on Linux it is opened without waiting (`O_NONBLOCK`, which regular files ignore)
/// and then asked what it is: one look-up of the path per linted file instead of two.
#[cfg(target_os = "linux")]
fn open_regular_file(path: &Path) -> Result<(std::fs::File, std::fs::Metadata), Unlintable> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(Unlintable::Io)?;
    let metadata = file.metadata().map_err(Unlintable::Io)?;
    if !metadata.is_file() {
        return Err(Unlintable::NotAFile);
    }
    Ok((file, metadata))
}

/// Opens a file for reading, refusing anything but a regular file (asked before opening it:
/// opening a FIFO waits for a writer).
#[cfg(not(target_os = "linux"))]
fn open_regular_file(path: &Path) -> Result<(std::fs::File, std::fs::Metadata), Unlintable> {
    let metadata = std::fs::metadata(path).map_err(Unlintable::Io)?;
    if !metadata.is_file() {
        return Err(Unlintable::NotAFile);
    }
    let file = std::fs::File::open(path).map_err(Unlintable::Io)?;
    Ok((file, metadata))
}

pub fn decode(bytes: Vec<u8>, language: Language) -> Result<SourceText, Unlintable> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Unlintable::Utf16);
    }
    if let Some(nul) = memchr::memchr(0, &bytes) {
        let line = 1 + memchr::memchr_iter(b'\n', &bytes[..nul]).count();
        return Err(Unlintable::Binary { line });
    }
    let has_bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    if language == Language::Python && !has_bom {
        if let Some(label) = pep263_encoding(&bytes) {
            if !is_utf8_label(&label) {
                return decode_declared(&bytes, &label)
                    .map(|text| SourceText::new(text, Some(label)));
            }
        }
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceText::new(text, None)),
        Err(error) => {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let line = 1 + memchr::memchr_iter(b'\n', valid).count();
            let line_start = memchr::memrchr(b'\n', valid).map_or(0, |index| index + 1);
            let column = 1 + String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count();
            Err(Unlintable::InvalidUtf8 { line, column })
        }
    }
}

fn is_utf8_label(label: &str) -> bool {
    matches!(
        label.to_ascii_lowercase().replace('_', "-").as_str(),
        "utf-8" | "utf8" | "ascii" | "us-ascii"
    ) || label.to_ascii_lowercase().starts_with("utf-8-")
}

/// WHATWG maps `latin-1` to windows-1252, which differs from Python's latin-1 in 0x80..0x9F:
/// these labels are decoded byte for byte instead.
fn is_latin1_label(normalized: &str) -> bool {
    matches!(
        normalized,
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1"
    )
}

fn decode_declared(bytes: &[u8], label: &str) -> Result<String, Unlintable> {
    let normalized = label.to_ascii_lowercase().replace('_', "-");
    if is_latin1_label(&normalized) {
        return Ok(bytes.iter().map(|&byte| char::from(byte)).collect());
    }
    let encoding = encoding_rs::Encoding::for_label(normalized.as_bytes())
        .ok_or_else(|| Unlintable::UnknownEncoding(label.to_string()))?;
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| Unlintable::UndecodableBytes(label.to_string()))
}

/// The bytes to write for `text`: UTF-8, or the PEP 263 encoding the file was decoded from.
/// Text that the encoding cannot represent is an error rather than a lossy write.
pub fn encode(text: &str, declared_encoding: Option<&str>) -> Result<Vec<u8>, String> {
    let Some(label) = declared_encoding else {
        return Ok(text.as_bytes().to_vec());
    };
    let unrepresentable =
        || format!("the fixed text cannot be encoded as `{label}`, the file's declared encoding");
    let normalized = label.to_ascii_lowercase().replace('_', "-");
    if is_latin1_label(&normalized) {
        return text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).map_err(|_| unrepresentable()))
            .collect();
    }
    let encoding = encoding_rs::Encoding::for_label(normalized.as_bytes())
        .ok_or_else(|| format!("unknown encoding `{label}`"))?;
    let (bytes, used, had_errors) = encoding.encode(text);
    if had_errors || used != encoding {
        return Err(unrepresentable());
    }
    Ok(bytes.into_owned())
}

/// The encoding named by a PEP 263 declaration on the first or second line.
fn pep263_encoding(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&byte| byte == b'\n');
    let first = lines.next()?;
    if let Some(label) = coding_in_line(first) {
        return Some(label);
    }
    // The second line only counts when the first is blank or a comment.
    let first_trimmed = first
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .copied();
    let first_is_comment_or_blank = first_trimmed.clone().next().is_none_or(|b| b == b'#');
    if first_is_comment_or_blank {
        return coding_in_line(lines.next()?);
    }
    None
}

fn coding_in_line(line: &[u8]) -> Option<String> {
    let line = std::str::from_utf8(line).ok()?;
    let comment = line.trim_start_matches([' ', '\t', '\x0c']);
    if !comment.starts_with('#') {
        return None;
    }
    let position = comment.find("coding")?;
    let rest = comment[position + "coding".len()..].strip_prefix([':', '='])?;
    let label: String = rest
        .trim_start_matches([' ', '\t'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (!label.is_empty()).then_some(label)
}

/// The start of the line after the one `offset` is on (the end of the text on the last line).
pub fn next_line_start(text: &str, offset: TextSize) -> TextSize {
    let rest = &text[offset.to_usize()..];
    match rest.find(['\n', '\r']) {
        Some(index) => {
            let break_len = if rest[index..].starts_with("\r\n") {
                2
            } else {
                1
            };
            offset + TextSize::try_from(index + break_len).unwrap_or_default()
        }
        None => TextSize::of(text),
    }
}

/// How deep a parser will recurse, estimated while a front end's lexer walks the text: one
/// level per open bracket and per link of a chain (`a.b().c()`, `a + a + …`, one nested node
/// each), reset where a statement or a bracket's part (argument, element) ends. Both languages'
/// lexers drive it; only Rust's has blocks that an expression may continue after (`} else`,
/// `match x {}.f()`).
#[derive(Debug, Default)]
pub struct NestingDepth {
    current: usize,
    /// Where a statement or part starts at the current bracket level.
    base: usize,
    /// `(current, base)` outside each open bracket.
    outer: Vec<(usize, usize)>,
    /// The depth of the expression a `{}` just closed belongs to, which what follows may
    /// continue; anything else starts a new one.
    after_block: Option<usize>,
    max: usize,
}

impl NestingDepth {
    /// The deepest level reached so far.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Outside every bracket.
    pub fn at_top(&self) -> bool {
        self.outer.is_empty()
    }

    /// A statement starting `levels` deep (Python: one block level per indentation column).
    pub fn start_statement(&mut self, levels: usize) {
        self.after_block = None;
        self.base = levels;
        self.current = levels;
        self.max = self.max.max(levels);
    }

    pub fn open(&mut self) {
        self.outer.push((self.current, self.base));
        self.current = self.after_block.take().unwrap_or(self.current) + 1;
        self.base = self.current;
        self.max = self.max.max(self.current);
    }

    pub fn close(&mut self) {
        self.after_block = None;
        if let Some((current, base)) = self.outer.pop() {
            self.current = current;
            self.base = base;
        }
    }

    /// A `}` closing a block, which the expression it belongs to may continue after.
    pub fn close_block(&mut self) {
        self.close();
        self.after_block = Some(self.current);
        self.current = self.base;
    }

    pub fn link(&mut self) {
        self.current = self.after_block.take().unwrap_or(self.current) + 1;
        self.max = self.max.max(self.current);
    }

    /// The end of a statement, or of a part at the current bracket level.
    pub fn end_of_part(&mut self) {
        self.after_block = None;
        self.current = self.base;
    }

    /// A token that neither nests nor links: it ends what a closed block could continue.
    pub fn other(&mut self) {
        self.after_block = None;
    }
}

/// The file's line break (its first one), so that inserted lines match CRLF files.
pub fn line_ending(text: &str) -> &'static str {
    match text.find(['\n', '\r']) {
        Some(index) if text[index..].starts_with("\r\n") => "\r\n",
        Some(index) if text[index..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python(bytes: &[u8]) -> Result<SourceText, Unlintable> {
        decode(bytes.to_vec(), Language::Python)
    }

    #[test]
    fn lines_are_counted_as_the_line_index_counts_them() {
        for text in [
            "",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\rb",
            "\r",
            "\r\n",
            "\n\n",
            "a\r\r\nb\n\r",
        ] {
            let counted = SourceText::new(text.to_string(), None).line_count();
            let indexed = LineIndex::from_source_text(text).line_count();
            assert_eq!(counted, indexed, "{text:?}");
        }
    }

    #[test]
    fn utf8_with_bom_is_kept_and_columns_skip_the_bom() {
        let source = python(b"\xEF\xBB\xBFimport time\n").unwrap();
        assert!(source.text.starts_with('\u{feff}'));
        assert_eq!(
            source.location(TextSize::new(3)),
            Location { row: 1, column: 1 }
        );
    }

    #[test]
    fn latin1_declaration_is_decoded() {
        let source = python(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n").unwrap();
        assert!(source.text.contains("'\u{e9}'"));
        assert_eq!(source.declared_encoding.as_deref(), Some("latin-1"));
    }

    #[test]
    fn declaration_on_second_line_after_shebang() {
        let source = python(b"#!/usr/bin/env python\n# coding=cp1252\nx = '\x80'\n").unwrap();
        assert!(source.text.contains('\u{20ac}'));
    }

    #[test]
    fn declaration_after_code_is_ignored() {
        let error = python(b"x = 1\n# coding: latin-1\ny = '\xe9'\n").unwrap_err();
        assert!(matches!(
            error,
            Unlintable::InvalidUtf8 { line: 3, column: 6 }
        ));
    }

    #[test]
    fn nul_bytes_and_utf16_are_unlintable() {
        assert!(matches!(
            python(b"a\nb\0"),
            Err(Unlintable::Binary { line: 2 })
        ));
        assert!(matches!(python(b"\xFF\xFEa\0"), Err(Unlintable::Utf16)));
    }

    #[test]
    fn unknown_encoding_is_reported() {
        assert!(matches!(
            python(b"# coding: klingon\n"),
            Err(Unlintable::UnknownEncoding(label)) if label == "klingon"
        ));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = python("s = 'é'; time.sleep(1)\n".as_bytes()).unwrap();
        let offset = TextSize::try_from(source.text.find("time").unwrap()).unwrap();
        assert_eq!(source.location(offset), Location { row: 1, column: 10 });
        assert_eq!(source.offset_of(1, 9), offset);
    }

    #[test]
    fn crlf_and_lone_cr_are_line_breaks() {
        let source = python(b"a = 1\r\nb = 2\rc = 3\n").unwrap();
        let offset = TextSize::try_from(source.text.find('c').unwrap()).unwrap();
        assert_eq!(source.location(offset), Location { row: 3, column: 1 });
        assert_eq!(&source.text[source.line_range(1)], "a = 1");
    }
}
