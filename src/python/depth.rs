//! How deep ruff's parser and the checker may recurse on a file, estimated lexically before
//! parsing: bracket nesting, indentation, plus the longest chain of operators, attribute
//! accesses, calls and keyword operators in one statement (`a.b().b()…` and `a + a + …` are one
//! nested node per link). An upper bound: an overestimate only costs a bigger stack.

use crate::lint::SHALLOW_NESTING;
use crate::source::NestingDepth;

pub fn estimate(text: &str) -> usize {
    let bytes = text.as_bytes();
    // Most files need no closer look, and the bound is found in about half the time.
    match longest_logical_line(bytes) {
        bound if bound <= SHALLOW_NESTING => bound,
        _ => deepest_statement(bytes),
    }
}

/// The length in bytes, indentation included, of the file's longest logical line (a statement's
/// lines up to the line break outside every bracket). It bounds [`deepest_statement`]: a
/// statement starts as deep as its indentation and each level deeper takes at least one byte of
/// it.
fn longest_logical_line(bytes: &[u8]) -> usize {
    let mut longest = 0;
    let mut index = 0;
    let mut brackets = 0usize;
    let mut line_start = 0;
    while index < bytes.len() {
        if !IS_STRUCTURAL[usize::from(bytes[index])] {
            index += 1;
            continue;
        }
        match bytes[index] {
            b'#' => {
                index = memchr::memchr(b'\n', &bytes[index..]).map_or(bytes.len(), |n| index + n);
            }
            b'\\' => index += 2,
            b'\n' | b'\r' => {
                index += 1;
                if brackets == 0 {
                    longest = longest.max(index - line_start);
                    line_start = index;
                }
            }
            b'"' | b'\'' => index = string_end(bytes, index),
            b'(' | b'[' | b'{' => {
                brackets += 1;
                index += 1;
            }
            _ => {
                brackets = brackets.saturating_sub(1);
                index += 1;
            }
        }
    }
    longest.max(bytes.len() - line_start)
}

/// The bytes that start or end a logical line, a bracket, a string or a comment, as
/// [`deepest_statement`] reads them.
static IS_STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    let structural = b"\"'#\\\n\r([{)]}";
    let mut index = 0;
    while index < structural.len() {
        table[structural[index] as usize] = true;
        index += 1;
    }
    table
};

/// The deepest nesting of any statement: brackets, indentation and chains of links.
fn deepest_statement(bytes: &[u8]) -> usize {
    let mut depth = NestingDepth::default();
    let mut index = 0;
    let mut line_start = true;
    while index < bytes.len() {
        let byte = bytes[index];
        if line_start && depth.at_top() {
            // Each indentation level is a nested block; a column per level bounds them.
            let indent = bytes[index..]
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t' || b == b'\x0c')
                .count();
            depth.start_statement(indent);
            index += indent;
            line_start = false;
            continue;
        }
        match byte {
            b'#' => {
                index = memchr::memchr(b'\n', &bytes[index..]).map_or(bytes.len(), |n| index + n);
            }
            b'\\' => index += 2,
            b'\n' | b'\r' => {
                if depth.at_top() {
                    line_start = true;
                }
                index += 1;
            }
            b'"' | b'\'' => index = string_end(bytes, index),
            b'(' | b'[' | b'{' => {
                depth.open();
                index += 1;
            }
            b')' | b']' | b'}' => {
                depth.close();
                index += 1;
            }
            b',' | b';' => {
                depth.end_of_part();
                index += 1;
            }
            b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'<' | b'>' | b'='
            | b'!' | b'@' | b'~' | b':' => {
                depth.link();
                index += 1;
            }
            byte if is_identifier_byte(byte) => {
                let start = index;
                index += bytes[index..]
                    .iter()
                    .position(|&b| !is_identifier_byte(b))
                    .unwrap_or(bytes.len() - index);
                if is_keyword_operator(&bytes[start..index]) {
                    depth.link();
                }
                // A string prefix (`f"`, `rb'`) is followed by its string.
            }
            _ => index += 1,
        }
    }
    depth.max()
}

const fn identifier_bytes() -> [bool; 256] {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
        byte += 1;
    }
    table
}

/// This scan runs over every file that is parsed: a table beats three comparisons per byte.
static IDENTIFIER_BYTES: [bool; 256] = identifier_bytes();

fn is_identifier_byte(byte: u8) -> bool {
    IDENTIFIER_BYTES[usize::from(byte)]
}

/// Keywords that join two operands into one nested node, as an operator does.
fn is_keyword_operator(word: &[u8]) -> bool {
    (2..=6).contains(&word.len())
        && matches!(
            word,
            b"and" | b"or" | b"not" | b"if" | b"else" | b"lambda" | b"await" | b"in" | b"is"
        )
}

/// The offset after a string literal starting at `index` (single or triple quoted); escapes
/// are skipped, and a single-quoted string ends at a line break if it is not closed.
fn string_end(bytes: &[u8], index: usize) -> usize {
    let quote = bytes[index];
    let triple = bytes.get(index + 1) == Some(&quote) && bytes.get(index + 2) == Some(&quote);
    let mut position = if triple { index + 3 } else { index + 1 };
    while position < bytes.len() {
        match bytes[position] {
            b'\\' => position += 2,
            b'\n' if !triple => return position,
            byte if byte == quote => {
                if !triple {
                    return position + 1;
                }
                if bytes.get(position + 1) == Some(&quote)
                    && bytes.get(position + 2) == Some(&quote)
                {
                    return position + 3;
                }
                position += 1;
            }
            _ => position += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_count_and_statements_reset() {
        let chain = format!("x = a{}\n", ".b()".repeat(1_000));
        assert!(estimate(&chain) > 1_000);
        let sum = format!("x = a{}\n", " + a".repeat(1_000));
        assert!(estimate(&sum) > 1_000);
        let statements = "x = a.b(c, d) + 1\n".repeat(1_000);
        assert!(deepest_statement(statements.as_bytes()) < 10);
        let listed = format!("x = [{}]\n", "a + 1, ".repeat(1_000));
        assert!(deepest_statement(listed.as_bytes()) < 10);
    }

    #[test]
    fn literals_and_comments_do_not_count() {
        let text = "s = '((((' + \"\"\"\n((((\n\"\"\"  # ((((\n";
        let depth = deepest_statement(text.as_bytes());
        assert!(depth < 5, "{depth}");
    }

    #[test]
    fn the_longest_logical_line_bounds_the_depth() {
        let texts = [
            format!("x = a{}\n", ".b()".repeat(1_000)),
            format!("x = (\n{}\n)\n", " + a\n".repeat(3_000)),
            format!("{}pass\n", " ".repeat(2_500)),
            format!(
                "def f():\n    s = '''{}'''\n    return s\n",
                "((((\n".repeat(1_000)
            ),
            format!("x = [{}]\n", "(".repeat(2_100)),
            format!("x = 1 \\\n{}\n", "+ 1 \\\n".repeat(1_000)),
            "x = a.b(c, d) + 1\n".repeat(1_000),
        ];
        for text in &texts {
            let bound = longest_logical_line(text.as_bytes());
            assert!(bound >= deepest_statement(text.as_bytes()), "{bound}");
            assert!(estimate(text) >= deepest_statement(text.as_bytes()));
        }
        assert!(longest_logical_line("x = a.b(c, d) + 1\n".repeat(1_000).as_bytes()) <= 18);
    }
}
