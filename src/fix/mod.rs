//! The fix engine: which fixes apply (`--fix`, `--unsafe-fixes`, the `fixable`/`unfixable`
//! and `extend-safe-fixes`/`extend-unsafe-fixes` config), the re-lint loop that applies them
//! until nothing changes, the syntax check that guards every pass, and the atomic write.
//!
//! One pass applies every fix that does not collide with another (see [`apply`]); the file
//! is then linted again, because deferred fixes and fixes made possible by the previous pass
//! are only known against the new text. A file that would stop parsing is left untouched and
//! reported as LG005, as is a file that cannot be written.

pub mod apply;
pub mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;

use ruff_text_size::{TextRange, TextSize};

use crate::config::Settings;
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::lint::Linted;
use crate::registry::{Language, Rule};
use crate::source::SourceText;

/// A file whose fixes still change it after this many passes is left as the last pass made it,
/// with a warning naming the rules that kept producing edits.
pub const MAX_PASSES: usize = 10;

/// Appended to the message of a fix that makes the file use the runtime shim (`runtime-shim/`)
/// for the first time: applying it adds a dependency the project must install.
pub const ADDS_SHIM_DEPENDENCY: &str = " (adds a dependency on the loopguard-shim package)";

/// The shim's name in Python (`import loopguard_shim`) and Rust (`loopguard_shim::..`) code.
pub const SHIM_MODULE: &str = "loopguard_shim";

/// Whether fixing `original` into `fixed` made the file use the shim (`--diff` sums it up).
pub fn adds_shim_dependency(original: &str, fixed: &str) -> bool {
    !original.contains(SHIM_MODULE) && fixed.contains(SHIM_MODULE)
}

/// What `--fix`, `--unsafe-fixes` and `--diff` ask of the engine.
#[derive(Debug, Clone, Default)]
pub struct FixRequest {
    pub unsafe_fixes: bool,
    /// `false` for `--diff`: compute the fixed text but leave the file alone.
    pub write: bool,
    /// The canonical linted paths: a fix is never written through a symbolic link that leads
    /// out of them.
    pub roots: Vec<PathBuf>,
}

impl FixRequest {
    pub fn applies(&self, fix: &Fix) -> bool {
        match fix.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// What the engine did to one file.
#[derive(Debug, Clone)]
pub struct FileFix {
    /// How many fixes of each rule went in, over all passes.
    pub applied: BTreeMap<Rule, usize>,
    /// The text before fixing, for `--diff`.
    pub original: String,
    /// Rules whose fixes still changed the file after [`MAX_PASSES`] passes.
    pub not_converged: Vec<Rule>,
}

impl FileFix {
    pub fn count(&self) -> usize {
        self.applied.values().sum()
    }
}

/// The file after fixing: its text, its remaining findings, and what was fixed (`None` when
/// nothing was, or when the fixes were rolled back).
pub struct Fixed {
    pub source: SourceText,
    pub linted: Linted,
    pub fix: Option<FileFix>,
}

/// Applies the configured overrides to a diagnostic's fix: a rule outside `fixable` (or in
/// `unfixable`) offers no fix, `extend-safe-fixes` promotes unsafe fixes to safe and
/// `extend-unsafe-fixes` demotes safe ones.
pub fn apply_settings(diagnostics: &mut [Diagnostic], settings: &Settings) {
    for diagnostic in diagnostics {
        let rule = diagnostic.rule;
        if !settings.fixes.fixable.contains(rule) {
            diagnostic.fix = None;
            continue;
        }
        if let Some(fix) = &mut diagnostic.fix {
            fix.applicability = match fix.applicability {
                Applicability::Unsafe if settings.fixes.promoted_to_safe.contains(rule) => {
                    Applicability::Safe
                }
                Applicability::Safe if settings.fixes.demoted_to_unsafe.contains(rule) => {
                    Applicability::Unsafe
                }
                unchanged => unchanged,
            };
        }
    }
}

/// The fixes one pass tries, in a deterministic order: by position, then rule.
fn candidates<'d>(linted: &'d Linted, request: &FixRequest) -> Vec<(Rule, &'d Fix)> {
    let mut fixes: Vec<(Rule, &Fix)> = linted
        .diagnostics
        .iter()
        .filter_map(|diagnostic| Some((diagnostic.rule, diagnostic.fix.as_ref()?)))
        .filter(|(_, fix)| request.applies(fix))
        .collect();
    fixes.sort_by_key(|(rule, fix)| {
        let first = fix.edits.iter().map(|edit| edit.range.start()).min();
        (first, *rule)
    });
    fixes
}

/// Whether any of these findings has a fix `request` applies.
pub fn offers<'d>(
    diagnostics: impl IntoIterator<Item = &'d Diagnostic>,
    request: &FixRequest,
) -> bool {
    diagnostics.into_iter().any(|diagnostic| {
        diagnostic
            .fix
            .as_ref()
            .is_some_and(|fix| request.applies(fix))
    })
}

/// The syntax error a fixed text has, if any.
pub fn syntax_error(language: Language, text: &str) -> Option<String> {
    match language {
        Language::Python => crate::python::parse::ParsedModule::parse(text)
            .syntax_error()
            .map(|error| error.message),
        Language::Rust => {
            let outcome = syn::parse_file(text).err().map(|error| error.to_string());
            crate::rust::parse::release_spans();
            outcome
        }
    }
}

/// Fixes one file: applies passes until no fix applies (or [`MAX_PASSES`]), re-linting with
/// `lint` after each, and writes the result when the request says so.
pub fn fix_file(
    path: &std::path::Path,
    language: Language,
    source: SourceText,
    linted: Linted,
    request: &FixRequest,
    mut lint: impl FnMut(&SourceText) -> Linted,
) -> Fixed {
    let mut current_text = source.text.clone();
    let mut current = linted.clone();
    let mut applied: BTreeMap<Rule, usize> = BTreeMap::new();
    let mut not_converged = Vec::new();
    let mut passes = 0;
    loop {
        let fixes = candidates(&current, request);
        if fixes.is_empty() {
            break;
        }
        if passes == MAX_PASSES {
            not_converged = fixes.iter().map(|(rule, _)| *rule).collect();
            not_converged.sort();
            not_converged.dedup();
            break;
        }
        let Some(pass) = apply::apply_fixes(&current_text, fixes.iter().copied()) else {
            break;
        };
        // Edits that rewrite text as it already is would otherwise be re-offered forever.
        if pass.text == current_text {
            break;
        }
        if let Some(error) = syntax_error(language, &pass.text) {
            let culprits = breaking_rules(language, &current_text, &fixes, &pass.rules);
            return rolled_back(source, linted, &fix_broke_syntax(&culprits, &error));
        }
        for rule in &pass.rules {
            *applied.entry(*rule).or_default() += 1;
        }
        passes += 1;
        let next = SourceText::new(pass.text, source.declared_encoding.clone());
        current = lint(&next);
        current_text = next.text;
    }
    if applied.is_empty() {
        return Fixed {
            source,
            linted,
            fix: None,
        };
    }
    if request.write {
        let written = write::write_fixed(
            path,
            &current_text,
            source.declared_encoding.as_deref(),
            &request.roots,
        );
        if let Err(reason) = written {
            let message = format!("fixes were not written: {reason}");
            return rolled_back(source, linted, &message);
        }
    }
    let fixed_source = SourceText::new(current_text, source.declared_encoding.clone());
    Fixed {
        source: fixed_source,
        linted: current,
        fix: Some(FileFix {
            applied,
            original: source.text,
            not_converged,
        }),
    }
}

/// The rules whose fixes break the file on their own; all of the pass's rules when only their
/// combination does.
fn breaking_rules(
    language: Language,
    text: &str,
    fixes: &[(Rule, &Fix)],
    applied: &[Rule],
) -> Vec<Rule> {
    let mut culprits: Vec<Rule> = fixes
        .iter()
        .filter(|(rule, _)| applied.contains(rule))
        .filter(|(rule, fix)| {
            apply::apply_fixes(text, [(*rule, *fix)])
                .is_some_and(|alone| syntax_error(language, &alone.text).is_some())
        })
        .map(|(rule, _)| *rule)
        .collect();
    if culprits.is_empty() {
        culprits = applied.to_vec();
    }
    culprits.sort();
    culprits.dedup();
    culprits
}

fn fix_broke_syntax(rules: &[Rule], error: &str) -> String {
    let names: Vec<String> = rules
        .iter()
        .map(|rule| format!("{} ({})", rule.code(), rule.name()))
        .collect();
    format!(
        "fixes were not applied: the edits of {} would leave the file unparsable ({error}); the file is unchanged — please report this",
        names.join(", ")
    )
}

/// The file as it was, with its original findings and an LG005 saying why it is unchanged.
fn rolled_back(source: SourceText, mut linted: Linted, message: &str) -> Fixed {
    linted.diagnostics.insert(
        0,
        Diagnostic::new(
            Rule::FixError,
            message,
            TextRange::empty(TextSize::default()),
        ),
    );
    Fixed {
        source,
        linted,
        fix: None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use ruff_text_size::TextRange;

    use super::*;
    use crate::diagnostic::Edit;

    fn finding(rule: Rule, fix: Fix) -> Diagnostic {
        Diagnostic::new(rule, "test", TextRange::default()).with_fix(Some(fix))
    }

    fn linted(diagnostics: Vec<Diagnostic>) -> Linted {
        Linted {
            diagnostics,
            ..Linted::default()
        }
    }

    fn diff_only() -> FixRequest {
        FixRequest {
            unsafe_fixes: false,
            write: false,
            roots: Vec::new(),
        }
    }

    #[test]
    fn a_fix_that_breaks_syntax_rolls_the_whole_file_back_and_names_its_rule() {
        let text = "import time\nx = 1\n";
        let good = finding(
            Rule::BlockingSleep,
            Fix::safe(
                "ok",
                vec![Edit::replacement(TextRange::new(16.into(), 17.into()), "2")],
            ),
        );
        let breaking = finding(
            Rule::RemovedLoopArgument,
            Fix::safe("bad", vec![Edit::insertion(0.into(), "(")]),
        );
        let first = linted(vec![good, breaking]);
        let fixed = fix_file(
            Path::new("app.py"),
            Language::Python,
            SourceText::new(text.to_string(), None),
            first,
            &diff_only(),
            |_| unreachable!("the first pass is rolled back before any re-lint"),
        );
        assert_eq!(fixed.source.text, text);
        assert!(fixed.fix.is_none());
        let error = &fixed.linted.diagnostics[0];
        assert_eq!(error.rule, Rule::FixError);
        assert!(
            error.message.contains("LG303 (removed-loop-argument)"),
            "{}",
            error.message
        );
        assert!(!error.message.contains("LG201"), "{}", error.message);
        assert_eq!(
            fixed.linted.diagnostics.len(),
            3,
            "the original findings stay"
        );
    }

    #[test]
    fn fixes_that_never_settle_stop_after_max_passes_and_name_their_rules() {
        let grow = |_: &SourceText| {
            linted(vec![finding(
                Rule::BlockingSleep,
                Fix::safe("grow", vec![Edit::insertion(0.into(), "#\n")]),
            )])
        };
        let fixed = fix_file(
            Path::new("app.py"),
            Language::Python,
            SourceText::new("x = 1\n".to_string(), None),
            grow(&SourceText::new(String::new(), None)),
            &diff_only(),
            grow,
        );
        let fix = fixed.fix.unwrap();
        assert_eq!(fix.applied[&Rule::BlockingSleep], MAX_PASSES);
        assert_eq!(fix.not_converged, [Rule::BlockingSleep]);
        assert_eq!(
            fixed.source.text,
            format!("{}x = 1\n", "#\n".repeat(MAX_PASSES))
        );
    }

    #[test]
    fn a_deferred_fix_lands_in_the_next_pass() {
        // Two fixes rewrite the same name: the second is deferred, then re-reported and applied.
        let mut passes = 0;
        let relint = |source: &SourceText| {
            passes += 1;
            let diagnostics = source
                .text
                .find("old")
                .map(|at| {
                    let at = u32::try_from(at).unwrap();
                    let range = TextRange::new(at.into(), (at + 3).into());
                    vec![finding(
                        Rule::BlockingHttp,
                        Fix::safe("new", vec![Edit::replacement(range, "new")]),
                    )]
                })
                .unwrap_or_default();
            linted(diagnostics)
        };
        let whole = TextRange::new(0.into(), 3.into());
        let first = linted(vec![
            finding(
                Rule::BlockingSleep,
                Fix::safe("a", vec![Edit::replacement(whole, "old")]),
            ),
            finding(
                Rule::BlockingHttp,
                Fix::safe("b", vec![Edit::replacement(whole, "new")]),
            ),
        ]);
        let fixed = fix_file(
            Path::new("app.py"),
            Language::Python,
            SourceText::new("abc\n".to_string(), None),
            first,
            &diff_only(),
            relint,
        );
        assert_eq!(fixed.source.text, "new\n");
        let fix = fixed.fix.unwrap();
        assert_eq!(fix.count(), 2);
        assert!(fix.not_converged.is_empty());
        assert_eq!(passes, 2);
    }

    #[test]
    fn edits_that_change_nothing_do_not_count_as_fixes() {
        let same = |_: &SourceText| {
            linted(vec![finding(
                Rule::BlockingSleep,
                Fix::safe(
                    "same",
                    vec![Edit::replacement(TextRange::new(0.into(), 1.into()), "x")],
                ),
            )])
        };
        let fixed = fix_file(
            Path::new("app.py"),
            Language::Python,
            SourceText::new("x = 1\n".to_string(), None),
            same(&SourceText::new(String::new(), None)),
            &diff_only(),
            same,
        );
        assert!(fixed.fix.is_none());
    }

    #[test]
    fn unsafe_fixes_need_the_flag_and_display_only_never_applies() {
        let safe = Fix::safe("s", Vec::new());
        let unsafe_fix = Fix::unsafe_edits("u", Vec::new());
        let display = Fix::display_only("d", Vec::new());
        let mut request = diff_only();
        assert!(request.applies(&safe) && !request.applies(&unsafe_fix));
        request.unsafe_fixes = true;
        assert!(request.applies(&unsafe_fix) && !request.applies(&display));
    }
}
