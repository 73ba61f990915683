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

/// Parses a whole file. syn strips a BOM and keeps a shebang line out of the tokens, so line
/// numbers stay those of the file (columns on line 1 are corrected in [`Spans`]).
pub fn parse_file(source: &SourceText) -> Result<File, SyntaxError> {
    syn::parse_file(&source.text).map_err(|error| SyntaxError {
        message: error.to_string(),
        range: Spans::new(source).range(error.span()),
    })
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
