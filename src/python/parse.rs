//! The one place that knows which Python parser loopguard uses (ruff_python_parser, pinned),
//! so that an upgrade touches only this file.

use ruff_python_ast::{ModModule, PySourceType};
use ruff_python_parser::{parse_unchecked_source, Parsed};
use ruff_text_size::{Ranged, TextRange};

pub use ruff_python_ast::token::TokenKind;

pub struct ParsedModule {
    parsed: Parsed<ModModule>,
}

/// The first syntax error of a file, and how many there are in all.
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
    pub count: usize,
}

impl ParsedModule {
    pub fn parse(source: &str) -> ParsedModule {
        ParsedModule {
            parsed: parse_unchecked_source(source, PySourceType::Python),
        }
    }

    pub fn module(&self) -> &ModModule {
        self.parsed.syntax()
    }

    pub fn syntax_error(&self) -> Option<SyntaxError> {
        let errors = self.parsed.errors();
        let first = errors.first()?;
        Some(SyntaxError {
            message: first.error.to_string(),
            range: first.location,
            count: errors.len(),
        })
    }

    /// Ranges of all comments, from the parser's tokens (no second lexing pass).
    pub fn comment_ranges(&self) -> impl Iterator<Item = TextRange> + '_ {
        self.parsed
            .tokens()
            .iter()
            .filter(|token| token.kind() == TokenKind::Comment)
            .map(Ranged::range)
    }
}
