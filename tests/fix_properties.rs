//! Property: whatever subset of the rules' fixes is applied, in whatever order, loopguard never
//! writes a file it cannot parse without saying so (LG005). Checked on every Python fixture with
//! every rule selected, optionally with a deliberately broken edit mixed in.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use loopguard::config::{CliOverrides, Settings};
use loopguard::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use loopguard::fix::{self, apply::apply_fixes, FixRequest};
use loopguard::lint::Linted;
use loopguard::registry::{Language, Rule, Selector};
use loopguard::source::SourceText;
use proptest::prelude::*;
use ruff_text_size::TextSize;

struct Sample {
    path: PathBuf,
    text: String,
    /// The findings with an applicable (safe or unsafe) fix.
    fixable: Vec<Diagnostic>,
}

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let cli = CliOverrides {
            select: Some(vec![Selector::All]),
            ..CliOverrides::default()
        };
        Settings::new(None, &cli, Path::new(env!("CARGO_MANIFEST_DIR")))
    })
}

fn lint(source: &SourceText) -> Linted {
    let settings = settings();
    Linted {
        diagnostics: loopguard::python::lint(source, settings, settings.rules_in(Language::Python))
            .diagnostics,
        ..Linted::default()
    }
}

fn python_files(directory: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            python_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "py") {
            found.push(path);
        }
    }
}

fn corpus() -> &'static [Sample] {
    static CORPUS: OnceLock<Vec<Sample>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files = Vec::new();
        python_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python"),
            &mut files,
        );
        files.sort();
        files
            .into_iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                let fixable: Vec<Diagnostic> = lint(&SourceText::new(text.clone(), None))
                    .diagnostics
                    .into_iter()
                    .filter(|d| {
                        d.fix
                            .as_ref()
                            .is_some_and(|f| f.applicability != Applicability::DisplayOnly)
                    })
                    .collect();
                (!fixable.is_empty()).then_some(Sample {
                    path,
                    text,
                    fixable,
                })
            })
            .collect()
    })
}

/// A subset of the sample's fixes in a shuffled order, from one random key per fix.
fn pick(sample: &Sample, keys: &[u32]) -> Vec<Diagnostic> {
    let mut keyed: Vec<(u32, &Diagnostic)> = sample
        .fixable
        .iter()
        .zip(keys.iter().cycle())
        .map(|(diagnostic, key)| (*key, diagnostic))
        .filter(|(key, _)| key % 3 != 0)
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    keyed
        .into_iter()
        .map(|(_, diagnostic)| diagnostic.clone())
        .collect()
}

/// An edit no rule would make: an opening parenthesis somewhere in the file.
fn breaking_fix(text: &str, at: usize) -> Diagnostic {
    let mut offset = at % (text.len() + 1);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let at = TextSize::try_from(offset).unwrap();
    Diagnostic::new(
        Rule::BlockingSleep,
        "broken",
        ruff_text_size::TextRange::empty(at),
    )
    .with_fix(Some(Fix::unsafe_edits(
        "broken",
        vec![Edit::insertion(at, "(")],
    )))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_rules_fixes_in_any_subset_and_order_keep_files_parsable(
        index in 0usize..1000,
        keys in prop::collection::vec(any::<u32>(), 1..64),
    ) {
        let samples = corpus();
        prop_assume!(!samples.is_empty());
        let sample = &samples[index % samples.len()];
        let chosen = pick(sample, &keys);
        let fixes = chosen.iter().filter_map(|d| Some((d.rule, d.fix.as_ref()?)));
        if let Some(applied) = apply_fixes(&sample.text, fixes) {
            prop_assert!(
                fix::syntax_error(Language::Python, &applied.text).is_none(),
                "{}: fixes {:?} broke the file:\n{}",
                sample.path.display(),
                applied.rules,
                applied.text
            );
        }
    }

    #[test]
    fn a_file_is_never_left_unparsable_without_lg005(
        index in 0usize..1000,
        keys in prop::collection::vec(any::<u32>(), 1..64),
        sabotage in prop::option::of(any::<usize>()),
    ) {
        let samples = corpus();
        prop_assume!(!samples.is_empty());
        let sample = &samples[index % samples.len()];
        let mut chosen = pick(sample, &keys);
        if let Some(at) = sabotage {
            chosen.push(breaking_fix(&sample.text, at));
        }
        let request = FixRequest { unsafe_fixes: true, write: false, roots: Vec::new() };
        let fixed = fix::fix_file(
            &sample.path,
            Language::Python,
            SourceText::new(sample.text.clone(), None),
            Linted { diagnostics: chosen, ..Linted::default() },
            &request,
            lint,
        );
        let reported = fixed.linted.diagnostics.iter().any(|d| d.rule == Rule::FixError);
        if reported {
            prop_assert_eq!(&fixed.source.text, &sample.text, "a rolled-back file is unchanged");
            prop_assert!(fixed.fix.is_none());
        } else {
            prop_assert!(
                fix::syntax_error(Language::Python, &fixed.source.text).is_none(),
                "{} was left unparsable without LG005:\n{}",
                sample.path.display(),
                fixed.source.text
            );
        }
    }
}

#[test]
fn the_corpus_has_fixes_to_shuffle() {
    let samples = corpus();
    assert!(
        samples.len() >= 5,
        "{} fixture files with fixes",
        samples.len()
    );
    assert!(samples.iter().any(|sample| sample.fixable.len() > 3));
}
