//! Byte offsets (what loopguard's diagnostics and edits hold) to and from LSP positions, whose
//! columns count UTF-16 code units unless the client and server agreed on UTF-8 or UTF-32.

use lsp_types::{Position, PositionEncodingKind, Range};
use ruff_text_size::{TextRange, TextSize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The encoding to use among those the client offers (LSP 3.17 `general.positionEncodings`):
    /// UTF-8 when offered, as no conversion is needed, else UTF-32, else the mandatory UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn width(self, character: char) -> u32 {
        match self {
            Encoding::Utf8 => character.len_utf8() as u32,
            Encoding::Utf16 => character.len_utf16() as u32,
            Encoding::Utf32 => 1,
        }
    }
}

/// Where each line of a text starts; lines end at `\n`, `\r\n` or a lone `\r`, as in LSP.
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (at, byte) in bytes.iter().enumerate() {
            match byte {
                b'\n' => starts.push(at + 1),
                b'\r' if bytes.get(at + 1) != Some(&b'\n') => starts.push(at + 1),
                _ => {}
            }
        }
        Lines {
            text,
            starts,
            encoding,
        }
    }

    pub fn position(&self, offset: TextSize) -> Position {
        let offset = self.floor_char_boundary(usize::from(offset).min(self.text.len()));
        let line = self.starts.partition_point(|start| *start <= offset) - 1;
        let start = self.starts[line];
        let character = self.text[start..offset]
            .chars()
            .map(|character| self.encoding.width(character))
            .sum();
        Position {
            line: line as u32,
            character,
        }
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range {
            start: self.position(range.start()),
            end: self.position(range.end()),
        }
    }

    /// The byte offset of a position; a column past the end of its line (or inside a
    /// character) is clamped to the line's end (or that character's start), a line past the
    /// end of the text to the text's end, as LSP asks.
    pub fn offset(&self, position: Position) -> TextSize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return TextSize::of(self.text);
        };
        let line = &self.text[start..self.line_end(position.line as usize)];
        let mut units = 0;
        let mut within = line.len();
        for (at, character) in line.char_indices() {
            let width = self.encoding.width(character);
            if units + width > position.character {
                within = at;
                break;
            }
            units += width;
        }
        TextSize::try_from(start + within).unwrap_or_default()
    }

    /// The line's last byte before its terminator.
    fn line_end(&self, line: usize) -> usize {
        let next = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        let content = &self.text[self.starts[line]..next];
        self.starts[line] + content.trim_end_matches(['\n', '\r']).len()
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a = 1\r\nname = \"é😀x\"\nlast";

    fn at(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn columns_count_utf16_units_by_default_and_bytes_or_chars_when_agreed() {
        let x = TextSize::try_from(TEXT.find('x').unwrap()).unwrap();
        // `name = "` is 8 units; é is one UTF-16 unit (two bytes), 😀 two units (four bytes).
        assert_eq!(Lines::new(TEXT, Encoding::Utf16).position(x), at(1, 11));
        assert_eq!(Lines::new(TEXT, Encoding::Utf8).position(x), at(1, 14));
        assert_eq!(Lines::new(TEXT, Encoding::Utf32).position(x), at(1, 10));
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let lines = Lines::new(TEXT, encoding);
            assert_eq!(lines.offset(lines.position(x)), x);
        }
    }

    #[test]
    fn out_of_range_positions_are_clamped_and_never_split_a_character() {
        let lines = Lines::new(TEXT, Encoding::Utf16);
        assert_eq!(lines.offset(at(0, 99)), TextSize::new(5), "before \\r\\n");
        assert_eq!(lines.offset(at(9, 0)), TextSize::of(TEXT));
        // Column 10 is inside the surrogate pair of 😀: its start.
        let emoji = TEXT.find('😀').unwrap();
        assert_eq!(lines.offset(at(1, 10)), TextSize::try_from(emoji).unwrap());
        assert_eq!(lines.position(TextSize::new(999)), at(2, 4));
    }

    #[test]
    fn the_client_s_offer_decides_the_encoding() {
        use PositionEncodingKind as Kind;
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(Some(&[Kind::UTF16, Kind::UTF8])),
            Encoding::Utf8
        );
        assert_eq!(
            Encoding::negotiate(Some(&[Kind::UTF16, Kind::UTF32])),
            Encoding::Utf32
        );
        assert_eq!(Encoding::negotiate(Some(&[Kind::UTF16])), Encoding::Utf16);
    }
}
