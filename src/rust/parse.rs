//! The one place that knows which Rust parser loopguard uses (syn 2, with proc-macro2's
//! `span-locations`), and how its line/column spans map to byte offsets of the file.

use proc_macro2::Span;
use ruff_text_size::TextRange;
use rustc_hash::FxHashMap;
use syn::Item;

use super::comments::Pieces;
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
/// A file with [`Pieces`] (where items of the file or of an inline module start, found by the
/// comment lexer in files above [`CHUNK_BYTES`]) is parsed one piece at a time and its items
/// joined; the tree and its spans are those of a whole parse. When a piece does not parse or
/// is not a run of items, the whole file is parsed instead, so that errors are a whole parse's.
pub fn parse_file(source: &SourceText, pieces: &Pieces) -> Result<File, SyntaxError> {
    if let Some(file) = InPieces::new(&source.text, pieces).and_then(|mut cutting| cutting.file()) {
        return Ok(file);
    }
    syn::parse_file(&source.text).map_err(|error| SyntaxError {
        message: error.to_string(),
        range: Spans::new(source).range(error.span()),
    })
}

/// A file parsed in pieces. A piece that holds a module whose body has cuts of its own is
/// parsed with the rest of that body (from its first cut to its `}`) blanked out, keeping line
/// breaks and columns; the module's remaining items are parsed piece by piece and appended.
/// Each piece is parsed behind as many line breaks and spaces as precede it in the file, so
/// that proc-macro2 gives its tokens the lines and columns they have there.
struct InPieces<'t> {
    text: &'t str,
    /// The cuts directly in each module body (by the offset of its `{`; `None`: the file).
    cuts: FxHashMap<Option<usize>, Vec<usize>>,
    /// Each module body with cuts, by the line and column of its `}`: its `{` and `}` offsets.
    bodies: FxHashMap<(usize, usize), (usize, usize)>,
    /// The blanked ranges: from the first cut of each module body with cuts to its `}`.
    blanks: Vec<(usize, usize)>,
    filled: usize,
}

impl<'t> InPieces<'t> {
    fn new(text: &'t str, pieces: &Pieces) -> Option<Self> {
        if pieces.cuts.is_empty() {
            return None;
        }
        let mut cuts: FxHashMap<Option<usize>, Vec<usize>> = FxHashMap::default();
        for &(cut, body) in &pieces.cuts {
            cuts.entry(body).or_default().push(cut);
        }
        let mut bodies = FxHashMap::default();
        let mut blanks = Vec::new();
        for &(open, close) in &pieces.bodies {
            let first_cut = *cuts.get(&Some(open))?.first()?;
            bodies.insert(line_column(text, close)?, (open, close));
            blanks.push((first_cut, close));
        }
        blanks.sort_unstable();
        Some(InPieces {
            text,
            cuts,
            bodies,
            blanks,
            filled: 0,
        })
    }

    fn file(&mut self) -> Option<File> {
        let top = self.cuts.get(&None).cloned().unwrap_or_default();
        let first_end = top.first().copied().unwrap_or(self.text.len());
        let mut file = syn::parse_file(&self.blanked(0, first_end)).ok()?;
        self.fill(&mut file.items)?;
        for (index, &start) in top.iter().enumerate() {
            let end = top.get(index + 1).copied().unwrap_or(self.text.len());
            file.items.extend(self.piece(start, end)?);
        }
        (self.filled == self.bodies.len()).then_some(file)
    }

    /// The items of `text[start..end]`, which must be nothing but items.
    fn piece(&mut self, start: usize, end: usize) -> Option<Vec<Item>> {
        let (line, column) = line_column(self.text, start)?;
        let mut padded = String::with_capacity(line - 1 + column + end - start);
        padded.extend(std::iter::repeat_n('\n', line - 1));
        padded.extend(std::iter::repeat_n(' ', column));
        padded.push_str(&self.blanked(start, end));
        let piece = syn::parse_file(&padded).ok()?;
        drop(padded);
        if piece.shebang.is_some() || !piece.attrs.is_empty() {
            return None;
        }
        let mut items = piece.items;
        self.fill(&mut items)?;
        Some(items)
    }

    /// Appends to each blanked module among `items` the items of the rest of its body.
    fn fill(&mut self, items: &mut [Item]) -> Option<()> {
        for item in items {
            let Item::Mod(module) = item else {
                continue;
            };
            let Some((brace, content)) = &mut module.content else {
                continue;
            };
            self.fill(content)?;
            let close = brace.span.close().start();
            let Some(&(open, close)) = self.bodies.get(&(close.line, close.column)) else {
                continue;
            };
            let cuts = self.cuts.get(&Some(open))?.clone();
            for (index, &start) in cuts.iter().enumerate() {
                let end = cuts.get(index + 1).copied().unwrap_or(close);
                content.extend(self.piece(start, end)?);
            }
            self.filled += 1;
        }
        Some(())
    }

    /// `text[start..end]` with the outermost blanks in it replaced by their line breaks and by
    /// spaces for the columns of their last line.
    fn blanked(&self, start: usize, end: usize) -> String {
        let mut out = String::with_capacity(end - start);
        let mut at = start;
        for &(blank_start, blank_end) in &self.blanks {
            // The body a piece belongs to starts its blank where its own pieces start.
            if blank_start <= start || blank_start < at || blank_end > end {
                continue;
            }
            out.push_str(&self.text[at..blank_start]);
            let blank = &self.text[blank_start..blank_end];
            let line_breaks = memchr::memchr_iter(b'\n', blank.as_bytes()).count();
            let last_line = blank
                .rfind('\n')
                .map_or(blank, |line_break| &blank[line_break + 1..]);
            out.extend(std::iter::repeat_n('\n', line_breaks));
            out.extend(std::iter::repeat_n(' ', last_line.chars().count()));
            at = blank_end;
        }
        out.push_str(&self.text[at..end]);
        out
    }
}

/// proc-macro2's line (from 1) and column (in chars) of a byte offset; `None` on the first
/// line, where a BOM that syn strips would shift the columns.
fn line_column(text: &str, offset: usize) -> Option<(usize, usize)> {
    let before = &text[..offset];
    let line_start = before.rfind('\n')? + 1;
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    Some((line, before[line_start..].chars().count()))
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

    /// Cuts wherever the lexer allows (chunks of one byte) and compares with a whole parse;
    /// returns the number of cuts and of module bodies cut.
    fn pieces_match_whole(text: &str) -> (usize, usize) {
        let source = SourceText::new(text.to_string(), None);
        let pieces = super::super::comments::scan_in_chunks(text, 1).pieces;
        let whole = parse_file(&source, &Pieces::default());
        let in_pieces = parse_file(&source, &pieces);
        match (whole, in_pieces) {
            (Ok(whole), Ok(in_pieces)) => {
                assert_eq!(tokens(&whole), tokens(&in_pieces), "{text}");
                assert_eq!(whole.items.len(), in_pieces.items.len());
            }
            (Err(whole), Err(in_pieces)) => {
                assert_eq!(whole.message, in_pieces.message);
                assert_eq!(whole.range, in_pieces.range);
            }
            _ => panic!("one parse failed, the other did not: {text}"),
        }
        (pieces.cuts.len(), pieces.bodies.len())
    }

    #[test]
    fn a_file_parsed_in_pieces_is_the_file_parsed_whole() {
        let text = "\u{feff}#!/usr/bin/env run-cargo-script\n#![allow(dead_code)]\n//! Crate docs.\n\
            use std::sync::Arc;\nconst X: u8 = { 1 + 2 };\n/// A struct.\n#[derive(Clone)]\n\
            pub struct S { a: Arc<u8> } impl Foo<{ 3 }> for S {}\r\n\
            static É: &str = \"} fn fake() {\"; fn é() { let _ = '}'; } /* } fn */ mod m { fn g() {} }\n\
            macro_rules! m { () => {} } m! {} a::b!(c); async fn h() { x.await; }\n\
            unsafe impl Send for S {} extern \"C\" { fn c(); } type T = [u8; { 4 }];\n";
        let (cuts, _) = pieces_match_whole(text);
        assert!(cuts >= 10, "{cuts}");
    }

    #[test]
    fn module_bodies_are_cut_too_at_any_depth() {
        let text = "//! Generated.\npub mod a {\n    #![allow(x)]\n    use super::*;\n    pub struct S;\n\
            /// Docs.\n    pub mod b { fn f() {} fn g() { mod not_cut { fn h() {} fn i() {} } } }\n\
            pub mod d { pub mod c { fn é() {} \r\n fn k() {} } fn l() {} }\n    fn m() {}\n}\n\
            fn n() { mod in_a_function { fn o() {} fn p() {} } }\nm! { mod in_a_macro { fn q() {} fn r() {} } }\n\
            mod last { fn s() {} fn t() {} }";
        let (cuts, bodies) = pieces_match_whole(text);
        assert_eq!(cuts, 11);
        // `a`, `b`, `d`, `c`, `last`; not the modules inside a function's or a macro's braces.
        assert_eq!(bodies, 5);
    }

    #[test]
    fn a_piece_that_is_not_a_run_of_items_falls_back_to_the_whole_parse() {
        // An inner doc comment after items is an error in a whole parse; at the head of a
        // piece it would be accepted as the piece's attributes.
        assert_eq!(
            pieces_match_whole("fn f() {}\n//! late docs\nfn g() {}\n").0,
            1
        );
        assert_eq!(
            pieces_match_whole("mod a {\nfn f() {}\n//! late docs\nfn g() {}\n}\n").1,
            1
        );
        // No cut is made before an inner attribute.
        assert_eq!(
            pieces_match_whole("fn f() {}\n#![allow(x)]\nfn g() {}\n").0,
            0
        );
        // Syntax errors are those of the whole file.
        assert_eq!(pieces_match_whole("fn f() {}\nfn g( {}\nfn h() {}\n").0, 1);
        assert_eq!(pieces_match_whole("const X: u8 = { 1 }\nfn g() {}\n").0, 1);
        assert_eq!(
            pieces_match_whole("mod a {\nfn f() {}\nfn g() -> {}\n}\n").1,
            1
        );
        // A cut on the first line, where a BOM would shift columns, is not taken.
        assert_eq!(pieces_match_whole("\u{feff}fn f() {} fn g() {}").0, 1);
    }

    #[test]
    fn only_large_files_are_cut() {
        let small = "fn f() {}\n".repeat(100);
        assert!(super::super::comments::scan(&small).pieces.cuts.is_empty());
        let large = "fn f() {}\n".repeat(CHUNK_BYTES / 10 * 3);
        let cuts = super::super::comments::scan(&large).pieces.cuts;
        assert_eq!(cuts.len(), 2, "{cuts:?}");
        assert!(cuts
            .iter()
            .all(|(cut, body)| body.is_none() && large[..*cut].ends_with('}')));
    }
}
