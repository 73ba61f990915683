//! What a rule reports: a message at a byte range of one file, with optional help, notes and fix.

use ruff_text_size::TextRange;
use serde::{Deserialize, Serialize};

use crate::project::summary::Target;
use crate::registry::Rule;

/// Source code quoted in a message: on one line (messages are one line in every output
/// format), with runs of whitespace collapsed and long expressions shortened.
pub fn quote_code(code: &str) -> String {
    const MAX_CHARS: usize = 60;
    let one_line = code.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_CHARS {
        return one_line;
    }
    let shortened: String = one_line.chars().take(MAX_CHARS - 1).collect();
    format!("{}…", shortened.trim_end())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown as a suggestion only; never applied automatically.
    DisplayOnly,
    /// Applied with `--unsafe-fixes`: changes behaviour in ways the user should review.
    Unsafe,
    /// Applied with `--fix`.
    Safe,
}

impl std::fmt::Display for Applicability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    pub fn replacement(range: TextRange, content: impl Into<String>) -> Self {
        Edit {
            range,
            content: content.into(),
        }
    }

    pub fn insertion(at: ruff_text_size::TextSize, content: impl Into<String>) -> Self {
        Edit::replacement(TextRange::empty(at), content)
    }

    pub fn deletion(range: TextRange) -> Self {
        Edit::replacement(range, String::new())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Safe,
            message: message.into(),
            edits,
        }
    }

    pub fn unsafe_edits(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::Unsafe,
            message: message.into(),
            edits,
        }
    }

    pub fn display_only(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix {
            applicability: Applicability::DisplayOnly,
            message: message.into(),
            edits,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub message: String,
    /// Where the note points in the same file, if anywhere.
    pub range: Option<TextRange>,
    /// Where the note points in another file (the hops of a cross-file call chain).
    pub file: Option<NoteFile>,
}

/// A position in a file other than the diagnostic's own, kept as a line and column because that
/// file's text is not at hand when the diagnostic is rendered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NoteFile {
    pub path: std::path::PathBuf,
    pub location: crate::source::Location,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub rule: Rule,
    pub message: String,
    pub range: TextRange,
    pub help: Option<String>,
    pub notes: Vec<Note>,
    pub fix: Option<Fix>,
    /// Start of the statement the finding belongs to: a suppression comment on that statement's
    /// first line covers a finding on any of its lines.
    pub statement_start: Option<ruff_text_size::TextSize>,
    /// The enclosing function's name, for fingerprints that survive unrelated edits.
    pub function: Option<String>,
    /// A fan-out whose coroutine function the file imports (LG101/LG102): the project phase
    /// drops the finding when that function, defined in another file, acquires a limiter.
    pub unless_bounded: Option<Target>,
    /// The blocking call an LG208 chain ends in: every chain through it is fixed by one fix
    /// there, so output groups them by it.
    pub root_cause: Option<RootCause>,
}

/// Where a chain of blocking calls ends: the call, the rule that makes it blocking and where
/// it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RootCause {
    pub call: String,
    pub rule: Rule,
    pub file: NoteFile,
}

impl Diagnostic {
    pub fn new(rule: Rule, message: impl Into<String>, range: TextRange) -> Self {
        Diagnostic {
            rule,
            message: message.into(),
            range,
            help: None,
            notes: Vec::new(),
            fix: None,
            statement_start: None,
            function: None,
            unless_bounded: None,
            root_cause: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with_note(mut self, message: impl Into<String>, range: Option<TextRange>) -> Self {
        self.notes.push(Note {
            message: message.into(),
            range,
            file: None,
        });
        self
    }

    /// A note pointing at a line and column of any file (which may be this one).
    #[must_use]
    pub fn with_note_at(mut self, message: impl Into<String>, file: NoteFile) -> Self {
        self.notes.push(Note {
            message: message.into(),
            range: None,
            file: Some(file),
        });
        self
    }

    #[must_use]
    pub fn unless_bounded(mut self, coroutine: Option<Target>) -> Self {
        self.unless_bounded = coroutine;
        self
    }

    #[must_use]
    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::quote_code;

    #[test]
    fn quoted_code_is_one_short_line() {
        assert_eq!(
            quote_code("wait_exponential(\n    multiplier=1,\n    max=10,\n)"),
            "wait_exponential( multiplier=1, max=10, )"
        );
        let long = format!("f({})", "x, ".repeat(40));
        let quoted = quote_code(&long);
        assert!(quoted.chars().count() <= 60);
        assert!(quoted.ends_with('…'));
    }
}
