//! Comments are not in syn's tree: a small lexer finds them for suppression directives, skipping
//! string, byte-string, raw-string and char literals so that `"// not a comment"` stays a string.
//! The same pass estimates how deep the parser will recurse: bracket nesting plus the longest
//! chain of operators, method calls, `as` casts and `else if`s in one statement (syn builds
//! `a.b().b()…` and `a + a + …` as one nested node per link, so a long chain is as deep as
//! as many brackets). For a large file it also finds where the parser may cut it in pieces.

use ruff_text_size::{TextRange, TextSize};

use super::parse::{CHUNK_BYTES, PIECES_FROM_BYTES};
use crate::source::NestingDepth;

pub struct Lexed {
    /// The ranges of all line and block comments (block comments nest, as in rustc).
    pub comments: Vec<TextRange>,
    /// An upper bound on the recursion depth of the parse tree: the nesting of `()`, `[]` and
    /// `{}` outside literals and comments, plus the links of the longest chain in a statement.
    pub max_nesting: usize,
    /// Where the parser may take a large file in pieces; empty below [`PIECES_FROM_BYTES`].
    pub pieces: Pieces,
}

/// Offsets at which a large file is cut into pieces (see [`super::parse::InPieces`]): where an
/// item of the file, or of an inline module's body, starts.
#[derive(Default, Debug)]
pub struct Pieces {
    /// Each cut, once the piece before it holds `chunk_bytes` that its parse reads, with the
    /// offset of the `{` of the module body it is in (`None`: the file's top level).
    pub cuts: Vec<(usize, Option<usize>)>,
    /// The offsets of the `{` and `}` of each module body with a cut.
    pub bodies: Vec<(usize, usize)>,
}

/// Finds the cuts of [`Pieces`] during the scan: item ends directly in the file or in a module
/// body that is itself directly in one (`mod name { .. }`, not one written inside a macro's or
/// a function's braces), once the piece being read holds `chunk_bytes` of text that its parse
/// reads: a module body with cuts of its own is blanked in the piece that holds the module from
/// its first cut on, so that text does not count.
struct Cutter {
    chunk_bytes: usize,
    /// Where the first line ends (`None`: the text is one line). proc-macro2 gives columns on
    /// the first line without the BOM that syn strips, so a piece starts on a later line.
    first_line_end: Option<usize>,
    /// The piece of the file's top level being read.
    top_level: Piece,
    /// The module bodies open around the scan, outermost first. A module body opens only where
    /// no other bracket is open, so they are all below the others.
    modules: Vec<OpenModule>,
    /// Open brackets that are not module bodies.
    others_open: usize,
    /// Where the last keyword `mod` ended.
    after_mod: Option<usize>,
    pieces: Pieces,
}

/// The piece of a body being read: where it starts, and how many of the bytes since are blanked
/// (the bodies of modules with cuts, from their first cut to their `}`).
#[derive(Clone, Copy, Default)]
struct Piece {
    start: usize,
    blanked: usize,
}

struct OpenModule {
    /// The offset of the `{`.
    open: usize,
    /// The first cut directly in the body, and the piece after the last one.
    cut: Option<(usize, Piece)>,
}

impl Cutter {
    /// A `{` is a module body when only a name stands between it and the last `mod` (a comment
    /// there, which nobody writes, only means the body is not cut).
    fn open(&mut self, text: &str, bracket: u8, at: usize) {
        let named = |after_mod: usize| {
            let name = text[after_mod..at].trim_ascii();
            !name.is_empty() && name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric())
        };
        if bracket == b'{' && self.others_open == 0 && self.after_mod.is_some_and(named) {
            self.modules.push(OpenModule {
                open: at,
                cut: None,
            });
        } else {
            self.others_open += 1;
        }
    }

    fn close(&mut self, at: usize) {
        if self.others_open > 0 {
            self.others_open -= 1;
        } else if let Some(OpenModule {
            open,
            cut: Some((first_cut, _)),
        }) = self.modules.pop()
        {
            self.pieces.bodies.push((open, at));
            self.reading().blanked += at - first_cut;
        }
    }

    /// The piece that the text at the scan's position is parsed in: that of the innermost body
    /// with cuts, or of the top level.
    fn reading(&mut self) -> &mut Piece {
        self.modules
            .iter_mut()
            .rev()
            .find_map(|module| module.cut.as_mut().map(|(_, piece)| piece))
            .unwrap_or(&mut self.top_level)
    }

    /// After a `}` or `;` that ends at `index`.
    fn item_end(&mut self, text: &str, index: usize) {
        let piece = *self.reading();
        if index - piece.start - piece.blanked < self.chunk_bytes
            || self.others_open > 0
            || !starts_item(text, index)
            || self.first_line_end.is_none_or(|end| index <= end)
        {
            return;
        }
        let next = Piece {
            start: index,
            blanked: 0,
        };
        let body = match self.modules.last_mut() {
            Some(module) => {
                let first_cut = module.cut.map_or(index, |(first_cut, _)| first_cut);
                module.cut = Some((first_cut, next));
                Some(module.open)
            }
            None => {
                self.top_level = next;
                None
            }
        };
        self.pieces.cuts.push((index, body));
    }
}

pub fn scan(text: &str) -> Lexed {
    scan_in_chunks(
        text,
        (text.len() >= PIECES_FROM_BYTES).then_some(CHUNK_BYTES),
    )
}

/// [`scan`], cutting into pieces of at least `chunk_bytes` when given.
pub(super) fn scan_in_chunks(text: &str, chunk_bytes: Option<usize>) -> Lexed {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut cutter = chunk_bytes.map(|chunk_bytes| Cutter {
        chunk_bytes,
        first_line_end: memchr::memchr(b'\n', bytes),
        top_level: Piece::default(),
        modules: Vec::new(),
        others_open: 0,
        after_mod: None,
        pieces: Pieces::default(),
    });
    let mut index = 0;
    let mut depth = NestingDepth::default();
    while index < bytes.len() {
        match bytes[index] {
            bracket @ (b'(' | b'[' | b'{') => {
                depth.open();
                if let Some(cutter) = &mut cutter {
                    cutter.open(text, bracket, index);
                }
                index += 1;
            }
            b')' | b']' => {
                depth.close();
                if let Some(cutter) = &mut cutter {
                    cutter.close(index);
                }
                index += 1;
            }
            b'}' => {
                depth.close_block();
                if let Some(cutter) = &mut cutter {
                    cutter.close(index);
                    cutter.item_end(text, index + 1);
                }
                index += 1;
            }
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &bytes[index..]).map_or(bytes.len(), |n| index + n);
                // A CRLF file: the `\r` belongs to the line break, not the comment.
                let end = if end > index && bytes[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                comments.push(range(index, end));
                index = end;
            }
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                let end = block_comment_end(bytes, index);
                comments.push(range(index, end));
                index = end;
            }
            b'"' => {
                depth.other();
                index = string_end(bytes, index + 1);
            }
            b'\'' => {
                depth.other();
                index = char_or_lifetime_end(text, index);
            }
            byte if byte == b'_' || byte.is_ascii_alphabetic() => {
                let start = index;
                while index < bytes.len()
                    && (bytes[index] == b'_' || bytes[index].is_ascii_alphanumeric())
                {
                    index += 1;
                }
                let word = &text[start..index];
                if word == "else" || word == "as" {
                    depth.link();
                } else {
                    depth.other();
                }
                if let Some(cutter) = cutter.as_mut().filter(|_| word == "mod") {
                    cutter.after_mod = Some(index);
                }
                index = after_prefixed_literal(bytes, word, index);
            }
            punctuation @ (b';' | b',') => {
                depth.end_of_part();
                index += 1;
                if let Some(cutter) = cutter.as_mut().filter(|_| punctuation == b';') {
                    cutter.item_end(text, index);
                }
            }
            b'.' | b'?' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'<' | b'>'
            | b'=' | b'!' => {
                depth.link();
                index += 1;
            }
            byte if byte.is_ascii_whitespace() => index += 1,
            _ => {
                depth.other();
                index += 1;
            }
        }
    }
    Lexed {
        comments,
        max_nesting: depth.max(),
        pieces: cutter.map(|cutter| cutter.pieces).unwrap_or_default(),
    }
}

/// Whether what follows a top-level `}` or `;` at `index` opens an item: an outer attribute or
/// doc comment, an item keyword, or a macro invocation (`name!`, `path::name!`). A `}` that
/// ends an expression (`const X: T = { .. };`, `Foo<{ N }>`) is followed by something else.
fn starts_item(text: &str, mut index: usize) -> bool {
    const KEYWORDS: &[&str] = &[
        "pub",
        "fn",
        "struct",
        "enum",
        "union",
        "impl",
        "trait",
        "mod",
        "use",
        "const",
        "static",
        "type",
        "extern",
        "unsafe",
        "async",
        "macro_rules",
    ];
    let bytes = text.as_bytes();
    loop {
        while index < bytes.len() && bytes[index].is_ascii_whitespace() {
            index += 1;
        }
        let rest = &bytes[index..];
        let doc = (rest.starts_with(b"///") && !rest.starts_with(b"////"))
            || (rest.starts_with(b"/**")
                && !rest.starts_with(b"/**/")
                && !rest.starts_with(b"/***"));
        if doc {
            return true;
        }
        if rest.starts_with(b"//") {
            index = memchr::memchr(b'\n', rest).map_or(bytes.len(), |n| index + n);
        } else if rest.starts_with(b"/*") {
            index = block_comment_end(bytes, index);
        } else {
            break;
        }
    }
    let rest = &text[index..];
    if rest.starts_with("#[") {
        return true;
    }
    let path_length = rest
        .find(|c: char| !(c == '_' || c == ':' || c.is_ascii_alphanumeric()))
        .unwrap_or(rest.len());
    let path = &rest[..path_length];
    KEYWORDS.contains(&path) || (!path.is_empty() && rest[path_length..].starts_with('!'))
}

fn range(start: usize, end: usize) -> TextRange {
    TextRange::new(to_size(start), to_size(end))
}

fn to_size(offset: usize) -> TextSize {
    TextSize::try_from(offset).unwrap_or(TextSize::new(u32::MAX))
}

fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut index = start;
    while index + 1 < bytes.len() {
        match (bytes[index], bytes[index + 1]) {
            (b'/', b'*') => {
                depth += 1;
                index += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                index += 2;
                if depth == 0 {
                    return index;
                }
            }
            _ => index += 1,
        }
    }
    bytes.len()
}

/// The offset after the closing quote of a string whose body starts at `index`.
fn string_end(bytes: &[u8], mut index: usize) -> usize {
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return index + 1,
            _ => index += 1,
        }
    }
    bytes.len()
}

/// `r"..."`, `r#"..."#`, `b"..."`, `br#"..."#`, `c"..."`, `cr"..."`, `b'x'`: an identifier-like
/// prefix directly followed by a quote. Anything else was just an identifier.
fn after_prefixed_literal(bytes: &[u8], prefix: &str, index: usize) -> usize {
    match (prefix, bytes.get(index)) {
        ("b" | "c", Some(b'"')) => string_end(bytes, index + 1),
        ("b", Some(b'\'')) => byte_char_end(bytes, index + 1),
        ("r" | "br" | "cr", Some(b'"' | b'#')) => raw_string_end(bytes, index).unwrap_or(index),
        _ => index,
    }
}

fn byte_char_end(bytes: &[u8], mut index: usize) -> usize {
    if bytes.get(index) == Some(&b'\\') {
        index += 2;
    } else {
        index += 1;
    }
    match memchr::memchr(b'\'', &bytes[index.min(bytes.len())..]) {
        Some(offset) if offset <= 8 => index + offset + 1,
        _ => index,
    }
}

/// `index` is at the first `#` or `"` after the `r`; `None` for a raw identifier (`r#type`).
fn raw_string_end(bytes: &[u8], index: usize) -> Option<usize> {
    let hashes = bytes[index..].iter().take_while(|&&b| b == b'#').count();
    let quote = index + hashes;
    if bytes.get(quote) != Some(&b'"') {
        return None;
    }
    let mut position = quote + 1;
    while let Some(offset) = memchr::memchr(b'"', &bytes[position..]) {
        let close = position + offset;
        let closing_hashes = bytes[close + 1..]
            .iter()
            .take(hashes)
            .take_while(|&&b| b == b'#')
            .count();
        if closing_hashes == hashes {
            return Some(close + 1 + hashes);
        }
        position = close + 1;
    }
    Some(bytes.len())
}

/// `'a'`, `'\n'`, `'\u{1F600}'`, `'é'` are chars; `'a` and `'static` are lifetimes or labels.
fn char_or_lifetime_end(text: &str, index: usize) -> usize {
    let bytes = text.as_bytes();
    let rest = &text[index + 1..];
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, '\\')) => {
            // An escape: the literal ends at the next quote (`'\''` has its quote escaped).
            let body = index + 2;
            let skip = if bytes.get(body) == Some(&b'\'') {
                1
            } else {
                0
            };
            memchr::memchr(b'\'', &bytes[body + skip..])
                .map_or(bytes.len(), |n| body + skip + n + 1)
        }
        Some((_, first)) => match chars.next() {
            Some((offset, '\'')) => index + 1 + offset + 1,
            _ => index + 1 + first.len_utf8(),
        },
        None => bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comments(text: &str) -> Vec<&str> {
        scan(text)
            .comments
            .into_iter()
            .map(|range| &text[range])
            .collect()
    }

    #[test]
    fn nesting_ignores_brackets_in_literals_and_comments() {
        assert_eq!(scan("fn f() { g([1, (2)]) }").max_nesting, 4);
        // The two `=` are links of their statements; nothing in the literals counts.
        assert_eq!(
            scan("let s = \"((((\"; let c = '('; // ((((\n").max_nesting,
            1
        );
    }

    #[test]
    fn chains_count_towards_the_depth_and_statements_reset_it() {
        let chain = format!("fn f() {{ a{}; }}", ".b()".repeat(1_000));
        assert!(scan(&chain).max_nesting > 1_000);
        let sum = format!("fn f() {{ a{}; }}", " + a".repeat(1_000));
        assert!(scan(&sum).max_nesting > 1_000);
        let else_ifs = format!("fn f() {{ if a {{}}{} }}", " else if a {}".repeat(1_000));
        assert!(scan(&else_ifs).max_nesting > 1_000);
        let statements = "fn f() { a.b(); }\n".repeat(1_000);
        assert!(scan(&statements).max_nesting < 10);
        let items = "fn f() -> u8 { if a { 1 } else { 2 } }\n".repeat(1_000);
        assert!(scan(&items).max_nesting < 10);
    }

    #[test]
    fn line_and_nested_block_comments() {
        assert_eq!(
            comments("a(); // one\n/* two /* nested */ still */ b(); // three\r\n"),
            ["// one", "/* two /* nested */ still */", "// three"]
        );
    }

    #[test]
    fn literals_hide_comment_markers() {
        let text = r####"let a = "// no"; let b = r#"/* no "# still"#; let c = '"'; // yes
let d = b"//"; let e = br##"x"##; let f = '\''; let g = c"//"; fn h<'a>(x: &'a str) {} // two
let r#type = 1; /* three */ let i = b'\''; let j = '/'; // four"####;
        assert_eq!(
            comments(text),
            ["// yes", "// two", "/* three */", "// four"]
        );
    }

    #[test]
    fn unterminated_literals_end_the_scan() {
        assert_eq!(comments("let s = \"// open"), Vec::<&str>::new());
        assert_eq!(comments("/* open"), ["/* open"]);
    }
}
