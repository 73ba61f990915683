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

/// From which size a file is read in pieces (see [`InPieces`]): while syn parses, it holds the
/// tokens twice beside the tree it builds, which for a whole 6.7 MB generated file is 300 MB at
/// the peak, against the 190 MB the finished tree needs. Pieces beyond a file's first megabyte
/// are parsed twice, so smaller files, whose trees are no larger than the run's other costs,
/// are parsed whole.
pub const PIECES_FROM_BYTES: usize = 1 << 20;

/// How much text one piece of a file read in pieces takes, roughly (a piece ends where an item
/// does): a quarter of a megabyte costs about 15 MB at the peak of its parse.
pub const CHUNK_BYTES: usize = 1 << 18;

/// Parses a whole file. syn strips a BOM and keeps a shebang line out of the tokens, so line
/// numbers stay those of the file (columns on line 1 are corrected in [`Spans`]).
pub fn parse_file(source: &SourceText) -> Result<File, SyntaxError> {
    syn::parse_file(&source.text).map_err(|error| SyntaxError {
        message: error.to_string(),
        range: Spans::new(source).range(error.span()),
    })
}

/// A large file read one piece at a time, so that no more than a piece's tree is alive at once
/// (see `Checker::run_in_pieces`). [`Pieces`] (found by the comment lexer in files of
/// [`PIECES_FROM_BYTES`] or more) says where items of the file or of an inline module start. The file's head
/// (up to its first cut) is parsed as a file; every later piece as a run of items. A module
/// whose body has cuts is parsed with the rest of that body (from its first cut to its `}`)
/// blanked out, keeping line breaks and columns: its own pieces follow. Each piece is parsed
/// behind as many line breaks and spaces as precede it in the file, so that proc-macro2 gives
/// its tokens the lines and columns they have there, and the items are those of a whole parse.
pub struct InPieces<'t> {
    text: &'t str,
    /// The cuts directly in each module body (by the offset of its `{`; `None`: the file).
    cuts: FxHashMap<Option<usize>, Vec<usize>>,
    /// Each module body with cuts, by the line and column of its `}`: its `{` and `}` offsets.
    bodies: FxHashMap<(usize, usize), (usize, usize)>,
    /// The blanked ranges: from the first cut of each module body with cuts to its `}`.
    blanks: Vec<(usize, usize)>,
}

/// A run of items of a large file: `text[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Piece {
    start: usize,
    end: usize,
}

impl Piece {
    /// The length of its text, blanked bodies included.
    pub fn bytes(self) -> usize {
        self.end - self.start
    }
}

impl<'t> InPieces<'t> {
    /// `None` for a file without cuts, which is parsed whole.
    pub fn new(text: &'t str, pieces: &Pieces) -> Option<Self> {
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
        })
    }

    /// The file up to its first cut, with the module bodies that have cuts blanked.
    pub fn head(&self) -> Option<File> {
        let first_end = self
            .cuts
            .get(&None)
            .and_then(|cuts| cuts.first())
            .copied()
            .unwrap_or(self.text.len());
        syn::parse_file(&self.blanked(0, first_end)).ok()
    }

    /// The pieces after the file's head.
    pub fn top_level(&self) -> Vec<Piece> {
        self.pieces_of(None, self.text.len())
    }

    /// The pieces of a module's body after the items it was parsed with, when it has cuts.
    pub fn module(&self, module: &syn::ItemMod) -> Option<Vec<Piece>> {
        let (brace, _) = module.content.as_ref()?;
        let close = brace.span.close().start();
        let &(open, close) = self.bodies.get(&(close.line, close.column))?;
        Some(self.pieces_of(Some(open), close))
    }

    /// How many module bodies have cuts: a walk that met fewer has not read the whole file.
    pub fn modules_with_pieces(&self) -> usize {
        self.bodies.len()
    }

    fn pieces_of(&self, body: Option<usize>, body_end: usize) -> Vec<Piece> {
        let cuts = self.cuts.get(&body).map_or(&[][..], Vec::as_slice);
        cuts.iter()
            .enumerate()
            .map(|(index, &start)| Piece {
                start,
                end: cuts.get(index + 1).copied().unwrap_or(body_end),
            })
            .collect()
    }

    /// The items of a piece, which must be nothing but items (`None` otherwise: the file is
    /// then parsed whole, so that errors are a whole parse's).
    pub fn items(&self, piece: Piece) -> Option<Vec<Item>> {
        let Piece { start, end } = piece;
        let (line, column) = line_column(self.text, start)?;
        let mut padded = String::with_capacity(line - 1 + column + end - start);
        padded.extend(std::iter::repeat_n('\n', line - 1));
        padded.extend(std::iter::repeat_n(' ', column));
        padded.push_str(&self.blanked(start, end));
        let piece = syn::parse_file(&padded).ok()?;
        drop(padded);
        (piece.shebang.is_none() && piece.attrs.is_empty()).then_some(piece.items)
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

    /// The file the pieces make up, put together as the checker reads it: a module with pieces
    /// is followed by the items of its pieces. `None` where the checker parses the file whole.
    fn assembled(in_pieces: &InPieces) -> Option<File> {
        fn fill(in_pieces: &InPieces, items: &mut [Item], filled: &mut usize) -> Option<()> {
            for item in items {
                let Item::Mod(module) = item else {
                    continue;
                };
                let pieces = in_pieces.module(module);
                let Some((_, content)) = &mut module.content else {
                    continue;
                };
                fill(in_pieces, content, filled)?;
                *filled += usize::from(pieces.is_some());
                for piece in pieces.into_iter().flatten() {
                    let mut items = in_pieces.items(piece)?;
                    fill(in_pieces, &mut items, filled)?;
                    content.extend(items);
                }
            }
            Some(())
        }
        let mut file = in_pieces.head()?;
        let mut filled = 0;
        fill(in_pieces, &mut file.items, &mut filled)?;
        for piece in in_pieces.top_level() {
            let mut items = in_pieces.items(piece)?;
            fill(in_pieces, &mut items, &mut filled)?;
            file.items.extend(items);
        }
        (filled == in_pieces.modules_with_pieces()).then_some(file)
    }

    /// Cuts wherever the lexer allows (chunks of one byte) and compares with a whole parse;
    /// returns the number of cuts and of module bodies cut.
    fn pieces_match_whole(text: &str) -> (usize, usize) {
        let source = SourceText::new(text.to_string(), None);
        let pieces = super::super::comments::scan_in_chunks(text, Some(1)).pieces;
        let whole = parse_file(&source);
        let in_pieces = InPieces::new(text, &pieces).and_then(|in_pieces| assembled(&in_pieces));
        match (whole, in_pieces) {
            (Ok(whole), Some(in_pieces)) => {
                assert_eq!(tokens(&whole), tokens(&in_pieces), "{text}");
                assert_eq!(whole.items.len(), in_pieces.items.len());
            }
            (_, None) => {}
            (Err(_), Some(_)) => panic!("pieces parsed where the whole file does not: {text}"),
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
        // (No piece starts on the first line: each text begins with `fn e() {}`.) An inner doc
        // comment after items is an error in a whole parse; at the head of a piece it would be
        // accepted as the piece's attributes.
        assert_eq!(
            pieces_match_whole("fn e() {}\nfn f() {}\n//! late docs\nfn g() {}\n").0,
            1
        );
        assert_eq!(
            pieces_match_whole("fn e() {}\nmod a {\nfn f() {}\n//! late docs\nfn g() {}\n}\n").1,
            1
        );
        // No cut is made before an inner attribute.
        assert_eq!(
            pieces_match_whole("fn e() {}\nfn f() {}\n#![allow(x)]\nfn g() {}\n").0,
            0
        );
        // Syntax errors are those of the whole file.
        assert_eq!(
            pieces_match_whole("fn e() {}\nfn f() {}\nfn g( {}\nfn h() {}\n").0,
            1
        );
        assert_eq!(
            pieces_match_whole("fn e() {}\nconst X: u8 = { 1 }\nfn g() {}\n").0,
            1
        );
        assert_eq!(
            pieces_match_whole("fn e() {}\nmod a {\nfn f() {}\nfn g() -> {}\n}\n").1,
            1
        );
        // No cut is made on the first line, where a BOM would shift columns.
        assert_eq!(pieces_match_whole("\u{feff}fn f() {} fn g() {}").0, 0);
        assert_eq!(pieces_match_whole("mod a;\nmod b;\nmod c;").0, 1);
    }

    /// Modules that are cut inside are blanked in the piece that holds them, so their text does
    /// not make that piece large: the body around them is cut too, and no piece reads much more
    /// than a chunk (chromiumoxide's `cdp.rs`, all nested modules, once made 3.9 MB pieces).
    #[test]
    fn a_piece_reads_about_a_chunk_however_modules_nest() {
        let module = |name: &str| format!("    mod {name} {{\n{}    }}\n", "fn f() {}\n".repeat(8));
        let text = format!(
            "fn e() {{}}\nmod p {{\n{}{}{}{}}}\n",
            module("a"),
            module("b"),
            module("c"),
            module("d")
        );
        let chunk = 40;
        let pieces = super::super::comments::scan_in_chunks(&text, Some(chunk)).pieces;
        let in_pieces = InPieces::new(&text, &pieces).unwrap();
        let p = text.find("mod p {").unwrap() + "mod p ".len();
        assert!(in_pieces.cuts.contains_key(&Some(p)), "{pieces:?}");
        assert_eq!(in_pieces.bodies.len(), 5);
        let mut read = Vec::new();
        for (&body, cuts) in &in_pieces.cuts {
            let end = body.map_or(text.len(), |open| {
                in_pieces
                    .bodies
                    .values()
                    .find(|(o, _)| *o == open)
                    .unwrap()
                    .1
            });
            for piece in in_pieces.pieces_of(body, end) {
                let parsed = in_pieces.blanked(piece.start, piece.end);
                read.push(parsed.split_whitespace().map(str::len).sum::<usize>());
            }
            assert!(!cuts.is_empty());
        }
        let largest_item = "mod a {fn f() {}".len();
        assert!(
            read.iter().all(|&bytes| bytes <= chunk + largest_item),
            "{read:?}"
        );
    }

    #[test]
    fn only_large_files_are_cut() {
        let small = "fn f() {}\n".repeat(100);
        assert!(super::super::comments::scan(&small).pieces.cuts.is_empty());
        let below = "fn f() {}\n".repeat(PIECES_FROM_BYTES / 10 - 1);
        assert!(super::super::comments::scan(&below).pieces.cuts.is_empty());
        let large = "fn f() {}\n".repeat(PIECES_FROM_BYTES / 10 + 1);
        let cuts = super::super::comments::scan(&large).pieces.cuts;
        assert_eq!(cuts.len(), PIECES_FROM_BYTES / CHUNK_BYTES - 1, "{cuts:?}");
        assert!(cuts
            .iter()
            .all(|(cut, body)| body.is_none() && large[..*cut].ends_with('}')));
    }
}
