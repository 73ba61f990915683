//! Suppression comments, shared by both languages:
//! - `# noqa` / `# noqa: LG201,LG202` on the line (ruff-compatible; codes of other tools are
//!   ignored, a bare `noqa` suppresses everything on the line);
//! - `# loopguard: allow(LG201, blocking-http) -- reason` at the end of a line (that line) or
//!   on its own line (the next code line); `//` instead of `#` in Rust;
//! - `# loopguard: allow-file(LG101) -- reason` anywhere (the whole file).
//!
//! A suppression on the first line of a multi-line statement covers the whole statement.

use ruff_text_size::TextRange;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::project::summary::FileSummary;
use crate::registry::{Language, Rule, RuleSet};
use crate::source::SourceText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// `# noqa`-style.
    Noqa,
    /// `loopguard: allow(...)`.
    Allow,
    /// `loopguard: allow-file(...)`.
    AllowFile,
}

/// All of it is cached, usage included: a cached file's LG002 findings after the project phase
/// depend on which of its rules silenced a finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// `None` for a bare `# noqa`, which suppresses every rule.
    pub rules: Option<Vec<Rule>>,
    /// Names in the comment that are not loopguard rules.
    pub unknown: Vec<String>,
    pub reason: Option<String>,
    /// The 1-based line of the comment.
    pub line: usize,
    /// The 1-based line the suppression applies to (`None`: the whole file).
    pub target_line: Option<usize>,
    pub range: TextRange,
    used: Vec<bool>,
    used_bare: bool,
}

impl Suppression {
    /// Whether it silenced at least one finding (known once `apply` has run).
    pub fn is_used(&self) -> bool {
        self.used_bare || self.used.iter().any(|used| *used)
    }
}

/// A directive parsed from the text of one comment.
#[derive(Debug, PartialEq, Eq)]
struct Directive {
    kind: SuppressionKind,
    names: Option<Vec<String>>,
    reason: Option<String>,
}

fn parse_directive(comment: &str, language: Language) -> Option<Directive> {
    let marker = match language {
        Language::Python => "#",
        Language::Rust => "//",
    };
    let body = comment
        .strip_prefix(marker)?
        .trim_start_matches(['/', '!', ' ', '\t']);
    if let Some(rest) = body.strip_prefix("loopguard:") {
        return parse_allow(rest.trim_start());
    }
    if language == Language::Python {
        return parse_noqa(comment);
    }
    None
}

fn parse_allow(text: &str) -> Option<Directive> {
    let (kind, rest) = if let Some(rest) = text.strip_prefix("allow-file(") {
        (SuppressionKind::AllowFile, rest)
    } else if let Some(rest) = text.strip_prefix("allow(") {
        (SuppressionKind::Allow, rest)
    } else {
        return None;
    };
    let (names, after) = rest.split_once(')')?;
    let names = names
        .split([',', ' '])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(ToString::to_string)
        .collect();
    let reason = after
        .trim_start()
        .strip_prefix("--")
        .map(str::trim)
        .filter(|reason| !reason.is_empty())
        .map(ToString::to_string);
    Some(Directive {
        kind,
        names: Some(names),
        reason,
    })
}

/// ruff's grammar: `noqa` (any case) after a `#`, optionally `: CODE[, CODE ...]`.
fn parse_noqa(comment: &str) -> Option<Directive> {
    let lower = comment.to_ascii_lowercase();
    let mut search_from = 0;
    while let Some(found) = lower[search_from..].find("noqa") {
        let start = search_from + found;
        search_from = start + 4;
        let before = lower[..start].trim_end();
        if !before.ends_with('#') {
            continue;
        }
        let rest = &comment[start + 4..];
        let Some(codes) = rest.trim_start().strip_prefix(':') else {
            // A bare `noqa` must end there (not `noqa-like words`).
            if rest
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '#')
            {
                return Some(Directive {
                    kind: SuppressionKind::Noqa,
                    names: None,
                    reason: None,
                });
            }
            continue;
        };
        let names: Vec<String> = codes
            .split([',', ' ', '\t'])
            .map(str::trim)
            .take_while(|code| code.is_empty() || code.chars().all(|c| c.is_ascii_alphanumeric()))
            .filter(|code| !code.is_empty())
            .map(ToString::to_string)
            .collect();
        return Some(Directive {
            kind: SuppressionKind::Noqa,
            names: Some(names),
            reason: None,
        });
    }
    None
}

/// Where codes can be added to a suppression that already ends `line` (`--add-noqa`): the byte
/// offset after the last name of a `loopguard: allow(...)` list, or of a Python
/// `# noqa: CODE, ...` list (another tool's codes included). The caller checks that the text
/// it edited is still a comment.
pub fn extension_point(line: &str, language: Language) -> Option<usize> {
    let marker = match language {
        Language::Python => "#",
        Language::Rust => "//",
    };
    let mut candidates: Vec<usize> = line.match_indices(marker).map(|(at, _)| at).collect();
    candidates.reverse();
    for start in candidates {
        let comment = &line[start..];
        let Some(directive) = parse_directive(comment, language) else {
            continue;
        };
        match directive.kind {
            SuppressionKind::Allow => {
                let open = comment.find("allow(")? + "allow(".len();
                let close = open + comment[open..].find(')')?;
                return Some(start + comment[..close].trim_end().len());
            }
            SuppressionKind::Noqa if directive.names.as_ref().is_some_and(|n| !n.is_empty()) => {
                let lower = comment.to_ascii_lowercase();
                let noqa = lower.rfind("noqa")?;
                let colon = noqa + comment[noqa..].find(':')? + 1;
                let mut end = colon;
                let mut rest = &comment[colon..];
                // The names, as `parse_noqa` reads them: runs of letters and digits separated
                // by commas and blanks.
                loop {
                    let skipped = rest.len() - rest.trim_start_matches([',', ' ', '\t']).len();
                    let name = rest[skipped..]
                        .find(|c: char| !c.is_ascii_alphanumeric())
                        .unwrap_or(rest.len() - skipped);
                    if name == 0 {
                        break;
                    }
                    end += skipped + name;
                    rest = &comment[end..];
                }
                return Some(start + end);
            }
            _ => {}
        }
    }
    None
}

/// Reads every suppression in the file's comments.
pub fn collect(
    source: &SourceText,
    comments: &[TextRange],
    language: Language,
) -> Vec<Suppression> {
    let mut suppressions = Vec::new();
    for &range in comments {
        let text = &source.text[range];
        let Some(directive) = parse_directive(text, language) else {
            continue;
        };
        let line = source.line_of(range.start());
        let own_line = source.text[source.line_range(line)]
            .trim_start()
            .starts_with(text.trim_start());
        let (rules, unknown) = match directive.names {
            None => (None, Vec::new()),
            Some(names) => {
                let mut rules = Vec::new();
                let mut unknown = Vec::new();
                for name in names {
                    match Rule::from_code_or_name(&name) {
                        Some(rule) => rules.push(rule),
                        // `# noqa: E501` is for another tool, not a typo of ours.
                        None if directive.kind == SuppressionKind::Noqa
                            && !name.to_ascii_uppercase().starts_with("LG") => {}
                        None => unknown.push(name),
                    }
                }
                if directive.kind == SuppressionKind::Noqa && rules.is_empty() && unknown.is_empty()
                {
                    continue;
                }
                (Some(rules), unknown)
            }
        };
        let target_line = match directive.kind {
            SuppressionKind::AllowFile => None,
            SuppressionKind::Allow if own_line => Some(next_code_line(source, line, language)),
            SuppressionKind::Allow | SuppressionKind::Noqa => Some(line),
        };
        let used = vec![false; rules.as_ref().map_or(0, Vec::len)];
        suppressions.push(Suppression {
            kind: directive.kind,
            rules,
            unknown,
            reason: directive.reason,
            line,
            target_line,
            range,
            used,
            used_bare: false,
        });
    }
    suppressions
}

fn next_code_line(source: &SourceText, comment_line: usize, language: Language) -> usize {
    let comment_marker = match language {
        Language::Python => "#",
        Language::Rust => "//",
    };
    (comment_line + 1..=source.line_count())
        .find(|&line| {
            let text = source.text[source.line_range(line)].trim();
            !text.is_empty() && !text.starts_with(comment_marker)
        })
        .unwrap_or(comment_line + 1)
}

/// Removes suppressed diagnostics and records which suppressions were used.
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: &mut [Suppression],
    source: &SourceText,
) {
    if suppressions.is_empty() {
        return;
    }
    diagnostics.retain(|diagnostic| {
        if diagnostic.rule.meta().is_tool_code() {
            return true;
        }
        let line = source.line_of(diagnostic.range.start());
        let statement_line = diagnostic
            .statement_start
            .map(|start| source.line_of(start));
        let mut suppressed = false;
        for suppression in suppressions.iter_mut() {
            let applies = match suppression.target_line {
                None => true,
                Some(target) => target == line || Some(target) == statement_line,
            };
            if !applies {
                continue;
            }
            match &suppression.rules {
                None => {
                    suppression.used_bare = true;
                    suppressed = true;
                }
                Some(rules) => {
                    if let Some(index) = rules.iter().position(|rule| *rule == diagnostic.rule) {
                        suppression.used[index] = true;
                        suppressed = true;
                    }
                }
            }
        }
        !suppressed
    });
}

/// A blocking call the author accepted ends no LG208 chain: a suppression on its line naming
/// LG208 or the rule that makes the call blocking (`# noqa: LG203` on an `open`, since the
/// author states that the call blocks and may), or a bare `noqa`, drops it from the file's
/// project summary; one naming LG208 (or a bare `noqa`) on a sync function's `def` line drops
/// the function's blocking calls and calls, so no chain goes through it. Such a suppression
/// counts as used: it silences every chain through the call, in whichever file they start.
pub fn apply_to_summary(
    summary: &mut FileSummary,
    suppressions: &mut [Suppression],
    source: &SourceText,
) {
    if suppressions.is_empty() {
        return;
    }
    let FileSummary {
        functions,
        def_offsets,
        ..
    } = summary;
    for (function, def_offset) in functions
        .iter_mut()
        .zip(def_offsets.iter().map(Some).chain(std::iter::repeat(None)))
    {
        if function.is_async {
            continue;
        }
        let accepted_function = def_offset.is_some_and(|offset| {
            accept(
                suppressions,
                source.line_of(*offset),
                &[Rule::TransitiveBlockingCall],
            )
        });
        if accepted_function {
            function.blocking.clear();
            function.calls.clear();
            continue;
        }
        function.blocking.retain(|call| {
            let rules = [Rule::TransitiveBlockingCall, call.rule];
            !accept(suppressions, source.line_of(call.offset), &rules)
        });
    }
}

/// Whether a suppression covering `line` names one of `rules` (or is a bare `noqa`); marks
/// what it used.
fn accept(suppressions: &mut [Suppression], line: usize, rules: &[Rule]) -> bool {
    let mut accepted = false;
    for suppression in suppressions.iter_mut() {
        // A file-wide `allow-file` speaks of the file's own findings, not of chains that
        // start elsewhere.
        if suppression.target_line != Some(line) {
            continue;
        }
        match &suppression.rules {
            None => {
                suppression.used_bare = true;
                accepted = true;
            }
            Some(named) => {
                for (index, rule) in named.iter().enumerate() {
                    if rules.contains(rule) {
                        suppression.used[index] = true;
                        accepted = true;
                    }
                }
            }
        }
    }
    accepted
}

/// LG002 findings: suppressions of enabled rules that matched nothing, and unknown names.
/// What an enabled project rule (LG208) may still use is left to [`unused_after_project`]:
/// its findings come after every file was linted.
pub fn unused(suppressions: &[Suppression], enabled: RuleSet) -> Vec<Diagnostic> {
    let project_rules_enabled = crate::project::summarises(enabled);
    let mut per_file = enabled;
    for rule in crate::project::PROJECT_RULES {
        per_file.remove(*rule);
    }
    let mut findings = Vec::new();
    for suppression in suppressions {
        for name in &suppression.unknown {
            findings.push(Diagnostic::new(
                Rule::UnusedSuppression,
                format!("`{name}` in this suppression is not a loopguard rule"),
                suppression.range,
            ));
        }
        match &suppression.rules {
            None if project_rules_enabled => {}
            Some(_) => findings.extend(unused_rules(suppression, per_file)),
            None if !suppression.used_bare => findings.push(blanket_noqa_unused(suppression)),
            None => {}
        }
    }
    findings
}

/// The LG002 findings [`unused`] left to the project phase: suppressions of project rules,
/// and blanket `noqa`s, that nothing used once the project findings were added.
pub fn unused_after_project(suppressions: &[Suppression], enabled: RuleSet) -> Vec<Diagnostic> {
    let project_rules: RuleSet = crate::project::PROJECT_RULES
        .iter()
        .copied()
        .filter(|rule| enabled.contains(*rule))
        .collect();
    let mut findings = Vec::new();
    for suppression in suppressions {
        match &suppression.rules {
            None if !suppression.used_bare => findings.push(blanket_noqa_unused(suppression)),
            None => {}
            Some(_) => findings.extend(unused_rules(suppression, project_rules)),
        }
    }
    findings
}

fn blanket_noqa_unused(suppression: &Suppression) -> Diagnostic {
    Diagnostic::new(
        Rule::UnusedSuppression,
        "this blanket `noqa` suppresses nothing",
        suppression.range,
    )
}

/// The finding for the rules of `checked` a suppression names and did not use.
fn unused_rules(suppression: &Suppression, checked: RuleSet) -> Option<Diagnostic> {
    let rules = suppression.rules.as_ref()?;
    let unused: Vec<&str> = rules
        .iter()
        .zip(&suppression.used)
        .filter(|(rule, used)| !**used && checked.contains(**rule))
        .map(|(rule, _)| rule.code())
        .collect();
    (!unused.is_empty()).then(|| {
        Diagnostic::new(
            Rule::UnusedSuppression,
            format!(
                "unused suppression: nothing here triggers {}",
                unused.join(", ")
            ),
            suppression.range,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python(comment: &str) -> Option<Directive> {
        parse_directive(comment, Language::Python)
    }

    #[test]
    fn noqa_forms() {
        assert_eq!(python("# noqa").unwrap().names, None);
        assert_eq!(python("#NOQA").unwrap().names, None);
        assert_eq!(
            python("# noqa: LG201,LG202").unwrap().names,
            Some(vec!["LG201".into(), "LG202".into()])
        );
        assert_eq!(
            python("# noqa:LG201 LG202").unwrap().names,
            Some(vec!["LG201".into(), "LG202".into()])
        );
        assert_eq!(
            python("# type: ignore # noqa: LG201").unwrap().names,
            Some(vec!["LG201".into()])
        );
        assert!(python("# this is not noqall").is_none());
        assert!(python("# mentions noqa in prose").is_none());
    }

    #[test]
    fn extension_points_follow_the_last_name() {
        fn at(line: &str, language: Language) -> Option<&str> {
            extension_point(line, language).map(|at| &line[..at])
        }
        assert_eq!(
            at("x = 1  # noqa: E501", Language::Python),
            Some("x = 1  # noqa: E501")
        );
        assert_eq!(
            at(
                "x = 1  # noqa:E501,W291  # trailing prose",
                Language::Python
            ),
            Some("x = 1  # noqa:E501,W291")
        );
        assert_eq!(
            at("x()  # loopguard: allow(LG201 ) -- why", Language::Python),
            Some("x()  # loopguard: allow(LG201")
        );
        assert_eq!(
            at("f(); // loopguard: allow(LG201)", Language::Rust),
            Some("f(); // loopguard: allow(LG201")
        );
        assert_eq!(at("x = 1  # noqa", Language::Python), None);
        assert_eq!(at("x = 1  # a note", Language::Python), None);
        assert_eq!(at("f(); // noqa: LG201", Language::Rust), None);
    }

    #[test]
    fn allow_forms_keep_the_reason() {
        let directive =
            python("# loopguard: allow(LG201, blocking-http) -- the loop is a test fixture")
                .unwrap();
        assert_eq!(directive.kind, SuppressionKind::Allow);
        assert_eq!(
            directive.names,
            Some(vec!["LG201".into(), "blocking-http".into()])
        );
        assert_eq!(
            directive.reason.as_deref(),
            Some("the loop is a test fixture")
        );
        let file = python("# loopguard: allow-file(LG101)").unwrap();
        assert_eq!(file.kind, SuppressionKind::AllowFile);
        assert_eq!(file.reason, None);
        let rust = parse_directive("// loopguard: allow(LG201) -- why", Language::Rust).unwrap();
        assert_eq!(rust.reason.as_deref(), Some("why"));
        assert!(parse_directive("// noqa", Language::Rust).is_none());
    }
}
