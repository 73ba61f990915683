//! The byte-level pre-filter: a file that contains none of the words any enabled rule needs is
//! not parsed. Each rule declares its words per language in its `Hooks` (`src/rules/<rule>.rs`).
//!
//! Syntax errors in a skipped file are not reported. `LOOPGUARD_NO_PREFILTER=1` parses every
//! file, for comparing outputs.

use std::sync::{Arc, LazyLock, Mutex};

use rustc_hash::FxHashMap;

use crate::config::Settings;
use crate::registry::{Language, Rule, RuleSet};

static ENABLED: LazyLock<bool> = LazyLock::new(|| {
    std::env::var_os("LOOPGUARD_NO_PREFILTER").is_none_or(|value| value.is_empty())
});

/// Whether files may be skipped (unless `LOOPGUARD_NO_PREFILTER` is set).
pub fn enabled() -> bool {
    *ENABLED
}

/// The words a rule declares for `language` in its [`Hooks`](crate::registry::Hooks), `None` when
/// it declares none (it is then never pre-filtered). `unguarded-call` declares none of its own:
/// its words are its configured patterns' called names.
pub fn triggers(rule: Rule, language: Language) -> Option<&'static [&'static str]> {
    let hooks = &rule.meta().hooks;
    match language {
        Language::Python => hooks.python_triggers,
        Language::Rust => hooks.rust_triggers,
    }
}

/// Whether an enabled rule of `rules` may fire in a `language` text: false only when the text
/// contains none of their trigger words, compiled once per rule set.
pub fn may_fire(text: &str, settings: &Settings, language: Language, rules: RuleSet) -> bool {
    settings
        .prefilter
        .words(language, rules, || trigger_words(settings, language, rules))
        .is_none_or(|words| words.found_in(text))
}

/// The words one of which a file must contain for a rule of `rules` to fire in it, `None` when
/// one of them cannot be pre-filtered.
fn trigger_words(settings: &Settings, language: Language, rules: RuleSet) -> Option<Vec<&str>> {
    // User-extended data lists (`extend-client-constructors`) match names the built-in words
    // do not cover.
    if language == Language::Python && settings.python.extends_data_lists() {
        return None;
    }
    let mut words: Vec<&str> = Vec::new();
    let detectors = rules.iter().filter(|rule| {
        let meta = rule.meta();
        meta.languages.contains(&language) && !meta.is_tool_code()
    });
    for rule in detectors {
        words.extend(triggers(rule, language)?.iter().copied());
    }
    if rules.contains(Rule::UnguardedCall) {
        let of_language = settings
            .guarded_calls
            .iter()
            .filter(|guarded| guarded.call.is_rust() == (language == Language::Rust));
        for guarded in of_language {
            words.push(guarded.call.called_name()?);
        }
    }
    // Most files that pass contain `async`: searched first, it ends their search soonest.
    words.sort_by_key(|word| *word != "async");
    Some(words)
}

/// A set of trigger words, compiled once per enabled rule set (see [`Memo`]) and searched in
/// every file. A word that contains another of the words (`asyncio` when `async` is there) is
/// dropped; the rest are searched in the given order, one `memmem` pass each, which for a dozen
/// short words beats a single automaton.
pub struct Words {
    finders: Vec<memchr::memmem::Finder<'static>>,
}

impl Words {
    pub fn new(words: &[&str]) -> Words {
        let covered = |index: usize, word: &str| {
            words.iter().enumerate().any(|(other, shorter)| {
                other != index
                    && word.contains(shorter)
                    && (shorter.len() < word.len() || other < index)
            })
        };
        let finders = words
            .iter()
            .enumerate()
            .filter(|(index, word)| !covered(*index, word))
            .map(|(_, word)| memchr::memmem::Finder::new(word.as_bytes()).into_owned())
            .collect();
        Words { finders }
    }

    pub fn found_in(&self, text: &str) -> bool {
        self.finders
            .iter()
            .any(|finder| finder.find(text.as_bytes()).is_some())
    }
}

/// The trigger words of each (language, enabled rule set) a run meets, computed on first use:
/// building them per file cost as much as parsing a tenth of the files. `None`: some enabled
/// rule cannot be pre-filtered, so every file is parsed.
#[derive(Default)]
pub struct Memo {
    compiled: Mutex<FxHashMap<(Language, RuleSet), CompiledWords>>,
}

/// `None`: some enabled rule cannot be pre-filtered.
type CompiledWords = Option<Arc<Words>>;

impl Memo {
    pub fn words<'w>(
        &self,
        language: Language,
        rules: RuleSet,
        build: impl FnOnce() -> Option<Vec<&'w str>>,
    ) -> CompiledWords {
        let mut compiled = self
            .compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        compiled
            .entry((language, rules))
            .or_insert_with(|| build().map(|words| Arc::new(Words::new(&words))))
            .clone()
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("prefilter::Memo")
    }
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
        let words = Words::new(&["asyncio", "async"]);
        assert_eq!(words.finders.len(), 1);
        assert!(words.found_in("import asyncio"));
        let words = Words::new(&["async", "Client", "Client"]);
        assert_eq!(words.finders.len(), 2);
        assert!(words.found_in("x = Client()"));
        assert!(!Words::new(&["async", "asyncio", "thread"]).found_in("def f(): pass"));
        assert!(!Words::new(&[]).found_in("anything"));
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
