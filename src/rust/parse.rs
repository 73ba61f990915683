//! The one place that knows which Rust parser loopguard uses (syn 2, with proc-macro2's
//! `span-locations`), and how its line/column spans map to byte offsets of the file.

use proc_macro2::Span;
use ruff_text_size::TextRange;

use crate::source::SourceText;

pub use syn::File;

/// The first syntax error of a file.
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
}

/// How much text one parse takes at most when a large file is parsed in pieces: while syn
/// parses, it holds the tokens twice beside the tree it builds, which for a whole 6.7 MB
/// generated file is 300 MB at the peak, against the 190 MB the finished tree needs.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Parses a whole file. syn strips a BOM and keeps a shebang line out of the tokens, so line
/// numbers stay those of the file (columns on line 1 are corrected in [`Spans`]).
///
/// A file with `item_starts` (offsets where top-level items begin, found by the comment lexer
/// in files above [`CHUNK_BYTES`]) is parsed one piece at a time and its items joined; the tree
/// and its spans are those of a whole parse. When a piece does not parse or is not a run of
/// items, the whole file is parsed instead, so that errors are a whole parse's too.
pub fn parse_file(source: &SourceText, item_starts: &[usize]) -> Result<File, SyntaxError> {
    if let Some(file) = parse_in_pieces(&source.text, item_starts) {
        return Ok(file);
    }
    syn::parse_file(&source.text).map_err(|error| SyntaxError {
        message: error.to_string(),
        range: Spans::new(source).range(error.span()),
    })
}

/// Each piece after the first is parsed behind as many line breaks and spaces as precede it, so
/// that proc-macro2 gives its tokens the lines and columns they have in the file.
fn parse_in_pieces(text: &str, item_starts: &[usize]) -> Option<File> {
    let (&first_cut, _) = item_starts.split_first()?;
    let mut file = syn::parse_file(&text[..first_cut]).ok()?;
    let mut padded = String::new();
    let mut line_breaks = memchr::memchr_iter(b'\n', &text.as_bytes()[..first_cut]).count();
    for (index, &start) in item_starts.iter().enumerate() {
        let end = item_starts.get(index + 1).copied().unwrap_or(text.len());
        let line_start = text[..start].rfind('\n')? + 1;
        padded.clear();
        padded.extend(std::iter::repeat_n('\n', line_breaks));
        padded.extend(std::iter::repeat_n(
            ' ',
            text[line_start..start].chars().count(),
        ));
        padded.push_str(&text[start..end]);
        let piece = syn::parse_file(&padded).ok()?;
        if piece.shebang.is_some() || !piece.attrs.is_empty() {
            return None;
        }
        file.items.extend(piece.items);
        line_breaks += memchr::memchr_iter(b'\n', &text.as_bytes()[start..end]).count();
    }
    Some(file)
}

/// Forgets every span of this thread's files: proc-macro2 keeps each parsed file's text in a
/// thread-local source map, which otherwise grows with every file and wraps after 4 GiB.
pub fn release_spans() {
    proc_macro2::extra::invalidate_current_thread_spans();
}

/// Converts spans of one parsed file into byte ranges of its text.
#[derive(Clone, Copy)]
pub struct Spans<'s> {
    source: &'s SourceText,
    /// syn removed the BOM before lexing, so columns on the first line are one short.
    bom: bool,
}

impl<'s> Spans<'s> {
    pub fn new(source: &'s SourceText) -> Self {
        Spans {
            source,
            bom: source.text.starts_with('\u{feff}'),
        }
    }

    pub fn text(&self) -> &'s str {
        &self.source.text
    }

    pub fn offset(&self, location: proc_macro2::LineColumn) -> ruff_text_size::TextSize {
        let column = if self.bom && location.line == 1 {
            location.column + 1
        } else {
            location.column
        };
        self.source.offset_of(location.line, column)
    }

    pub fn range(&self, span: Span) -> TextRange {
        let start = self.offset(span.start());
        let end = self.offset(span.end()).max(start);
        TextRange::new(start, end)
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    /// Every token's text, line and column, in order.
    fn tokens(file: &File) -> Vec<(String, usize, usize, usize, usize)> {
        fn walk(
            stream: proc_macro2::TokenStream,
            out: &mut Vec<(String, usize, usize, usize, usize)>,
        ) {
            for tree in stream {
                let (start, end) = (tree.span().start(), tree.span().end());
                let text = match &tree {
                    proc_macro2::TokenTree::Group(group) => {
                        walk(group.stream(), out);
                        format!("{:?}", group.delimiter())
                    }
                    other => other.to_string(),
                };
                out.push((text, start.line, start.column, end.line, end.column));
            }
        }
        let mut out = Vec::new();
        walk(file.to_token_stream(), &mut out);
        out
    }

    /// Cuts wherever the lexer allows (chunks of one byte) and compares with a whole parse.
    fn pieces_match_whole(text: &str) -> usize {
        let source = SourceText::new(text.to_string(), None);
        let starts = super::super::comments::scan_in_chunks(text, 1).item_starts;
        let whole = parse_file(&source, &[]);
        let pieces = parse_file(&source, &starts);
        match (whole, pieces) {
            (Ok(whole), Ok(pieces)) => {
                assert_eq!(tokens(&whole), tokens(&pieces), "{text}");
                assert_eq!(whole.items.len(), pieces.items.len());
            }
            (Err(whole), Err(pieces)) => {
                assert_eq!(whole.message, pieces.message);
                assert_eq!(whole.range, pieces.range);
            }
            _ => panic!("one parse failed, the other did not: {text}"),
        }
        starts.len()
    }

    #[test]
    fn a_file_parsed_in_pieces_is_the_file_parsed_whole() {
        let text = "\u{feff}#!/usr/bin/env run-cargo-script\n#![allow(dead_code)]\n//! Crate docs.\n\
            use std::sync::Arc;\nconst X: u8 = { 1 + 2 };\n/// A struct.\n#[derive(Clone)]\n\
            pub struct S { a: Arc<u8> } impl Foo<{ 3 }> for S {}\r\n\
            static É: &str = \"} fn fake() {\"; fn é() { let _ = '}'; } /* } fn */ mod m { fn g() {} }\n\
            macro_rules! m { () => {} } m! {} a::b!(c); async fn h() { x.await; }\n\
            unsafe impl Send for S {} extern \"C\" { fn c(); } type T = [u8; { 4 }];\n";
        assert!(pieces_match_whole(text) >= 10);
    }

    #[test]
    fn a_piece_that_is_not_a_run_of_items_falls_back_to_the_whole_parse() {
        // An inner doc comment after items is an error in a whole parse; at the head of a
        // piece it would be accepted as the piece's attributes.
        assert_eq!(
            pieces_match_whole("fn f() {}\n//! late docs\nfn g() {}\n"),
            1
        );
        // No cut is made before an inner attribute.
        assert_eq!(
            pieces_match_whole("fn f() {}\n#![allow(x)]\nfn g() {}\n"),
            0
        );
        // Syntax errors are those of the whole file.
        assert_eq!(pieces_match_whole("fn f() {}\nfn g( {}\nfn h() {}\n"), 1);
        assert_eq!(pieces_match_whole("const X: u8 = { 1 }\nfn g() {}\n"), 1);
    }

    #[test]
    fn only_large_files_are_cut() {
        let small = "fn f() {}\n".repeat(100);
        assert!(super::super::comments::scan(&small).item_starts.is_empty());
        let large = "fn f() {}\n".repeat(CHUNK_BYTES / 10 * 3);
        let starts = super::super::comments::scan(&large).item_starts;
        assert_eq!(starts.len(), 2, "{starts:?}");
        assert!(starts
            .iter()
            .all(|start| large[..*start].ends_with("}\n") || large[..*start].ends_with('}')));
    }
}
