//! The byte-level pre-filter: a file that contains none of the words any enabled rule needs is
//! not parsed. Each front end declares its rules' trigger words (`python/analyze.rs`,
//! `rust/analyze.rs`); this module holds what they share.
//!
//! Syntax errors in a skipped file are not reported. `LOOPGUARD_NO_PREFILTER=1` parses every
//! file, for comparing outputs.

use std::sync::LazyLock;

static ENABLED: LazyLock<bool> = LazyLock::new(|| {
    std::env::var_os("LOOPGUARD_NO_PREFILTER").is_none_or(|value| value.is_empty())
});

/// Whether files may be skipped (unless `LOOPGUARD_NO_PREFILTER` is set).
pub fn enabled() -> bool {
    *ENABLED
}

/// Whether `text` contains any of `words`. A word that contains another of the words (`asyncio`
/// when `async` is there) is not searched for; the rest are searched in the given order, one
/// `memmem` pass each, which for a dozen short words beats a single automaton.
pub fn contains_any(text: &str, mut words: Vec<&str>) -> bool {
    let mut kept = 0;
    for index in 0..words.len() {
        let word = words[index];
        let covered = words.iter().enumerate().any(|(other, shorter)| {
            other != index
                && word.contains(shorter)
                && (shorter.len() < word.len() || other < index)
        });
        if !covered {
            words[kept] = word;
            kept += 1;
        }
    }
    words.truncate(kept);
    words
        .iter()
        .any(|word| memchr::memmem::find(text.as_bytes(), word.as_bytes()).is_some())
}

/// Whether a Python text may hold a suppression comment (`noqa` in any case, `loopguard:`):
/// such files are parsed even without trigger words, so that their suppressions are still
/// reported (unused, or in the audit).
pub fn may_suppress(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find(bytes, b"loopguard:").is_some()
        || memchr::memchr2_iter(b'q', b'Q', bytes).any(|at| {
            at >= 2
                && bytes
                    .get(at - 2..at + 2)
                    .is_some_and(|word| word.eq_ignore_ascii_case(b"noqa"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_any_word_and_skips_words_covered_by_shorter_ones() {
        assert!(contains_any("import asyncio", vec!["asyncio", "async"]));
        assert!(contains_any(
            "x = Client()",
            vec!["async", "Client", "Client"]
        ));
        assert!(!contains_any(
            "def f(): pass",
            vec!["async", "asyncio", "thread"]
        ));
        assert!(!contains_any("anything", Vec::new()));
    }

    #[test]
    fn suppression_markers_in_any_case() {
        assert!(may_suppress("x = 1  # noqa: E501"));
        assert!(may_suppress("x = 1  # NoQA"));
        assert!(may_suppress("# loopguard: allow-file(LG101)"));
        assert!(!may_suppress("q = queue  # quick"));
        assert!(!may_suppress("qa = 1"));
    }
}
