//! Rule metadata and rule selection.
//!
//! Every rule declares its [`RuleMeta`] once, in its own file under `src/rules/`; the `rules!`
//! list in `src/rules/mod.rs` turns those declarations into the [`Rule`] enum. The CLI's
//! `rules`/`explain`, the JSON `name`/`url` fields and the README table all derive from here.

use std::fmt;

pub use crate::rules::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Rust,
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Python => "python",
            Language::Rust => "rust",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Whether a rule runs without configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enablement {
    Default,
    OptIn,
    /// On by default for one language's files and opt-in for the other's: its precision on code
    /// it was not tuned on held for that language only (README, "Precision on real code").
    DefaultIn(Language),
    /// Tool diagnostics (parse errors, internal errors) that no selection can turn off.
    Always,
}

/// What kind of fix a rule can offer, for the rule table and `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    None,
    /// No edit: the `help:` line says how to fix it.
    HelpOnly,
    Unsafe,
    Safe,
    /// Safe edits for some findings, unsafe ones for others (see the rule doc).
    Mixed,
}

impl fmt::Display for FixKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FixKind::None => "none",
            FixKind::HelpOnly => "help-only",
            FixKind::Unsafe => "unsafe",
            FixKind::Safe => "safe",
            FixKind::Mixed => "mixed",
        })
    }
}

#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub enablement: Enablement,
    pub severity: Severity,
    /// The FM-043 incident category (1–8) the rule belongs to; `None` for tool diagnostics.
    pub fm043: Option<u8>,
    /// Whether it looks at test code unless the config says otherwise: the load-related rules
    /// skip it, the rules that find bugs wherever code runs check it (see `test_code`).
    pub test_code: crate::test_code::TestCodePolicy,
    pub languages: &'static [Language],
    pub fix: FixKind,
    /// Keys accepted in the rule's `[rules.<name>]` config table.
    pub options: &'static [crate::config::RuleOption],
    /// The user-facing Markdown doc from `rules/`, embedded at build time.
    pub doc: &'static str,
    /// Where the checkers call the rule, and what the pre-filter and the project phase need to
    /// know about it.
    pub hooks: Hooks,
}

/// A Python detector run for every call (the target resolved once for all rules).
pub type PythonCallHook =
    fn(&mut crate::python::checker::Checker, &crate::python::checker::CallSite);
/// A Python detector run for every statement.
pub type PythonStatementHook = fn(&mut crate::python::checker::Checker, &ruff_python_ast::Stmt);
/// A Rust detector run for every call and method call.
pub type RustCallHook = fn(&mut crate::rust::checker::Checker, &crate::rust::checker::CallSite);
/// A Rust detector run for every statement: what happens to the statement's value.
pub type RustStatementHook = fn(&mut crate::rust::checker::Checker, &syn::Stmt);
/// A Rust detector run for every `let`, with the statements that follow it in its block.
pub type RustLocalHook = fn(&mut crate::rust::checker::Checker, &syn::Local, &[syn::Stmt]);
/// A Rust detector run for every expression of one kind.
pub type RustExprHook<E> = fn(&mut crate::rust::checker::Checker, &E);

/// A rule's registration with the pipeline, declared in its file beside its metadata: the
/// dispatch tables of both front ends, the pre-filter's words and the project phase's list of
/// blocking rules are all derived from these.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    pub python_call: Option<PythonCallHook>,
    pub python_statement: Option<PythonStatementHook>,
    pub rust_call: Option<RustCallHook>,
    pub rust_statement: Option<RustStatementHook>,
    pub rust_local: Option<RustLocalHook>,
    pub rust_struct_literal: Option<RustExprHook<syn::ExprStruct>>,
    pub rust_assignment: Option<RustExprHook<syn::ExprAssign>>,
    /// Words without one of which the rule cannot fire in a Python file, so that a file
    /// containing none of the enabled rules' words is not parsed. A qualified name can only come
    /// from source text that spells its root module (`import asyncio as aio`) or the name it is
    /// called by (`from time import sleep as nap`), so a rule lists either the roots or the
    /// called names of everything it matches; rules that need async context list `async`.
    /// `None`: never pre-filtered.
    pub python_triggers: Option<&'static [&'static str]>,
    /// The same for Rust files: tokens every path the rule matches contains.
    pub rust_triggers: Option<&'static [&'static str]>,
    /// Its calls make a function block, so LG208 follows them through helpers; its `calls` list
    /// is consulted, in registry order, by the one answer to "does this call block".
    pub blocking: bool,
}

impl Hooks {
    /// No detectors: tool diagnostics, and the rules the project phase reports.
    pub const NONE: Hooks = Hooks {
        python_call: None,
        python_statement: None,
        rust_call: None,
        rust_statement: None,
        rust_local: None,
        rust_struct_literal: None,
        rust_assignment: None,
        python_triggers: None,
        rust_triggers: None,
        blocking: false,
    };

    /// A blocking-call rule (LG201–LG205, LG207): a call detector in each language, only in
    /// async code (so `async` is its trigger word), and LG208 follows its calls.
    pub const fn blocking(python_call: PythonCallHook, rust_call: RustCallHook) -> Hooks {
        Hooks {
            python_call: Some(python_call),
            rust_call: Some(rust_call),
            python_triggers: Some(&["async"]),
            rust_triggers: Some(&["async"]),
            blocking: true,
            ..Hooks::NONE
        }
    }
}

impl RuleMeta {
    pub fn doc_file_name(&self) -> String {
        format!("{}-{}.md", self.code, self.name)
    }

    pub fn url(&self) -> String {
        format!(
            "{}/blob/main/rules/{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.doc_file_name()
        )
    }

    pub fn is_tool_code(&self) -> bool {
        self.code.starts_with("LG0")
    }
}

impl Rule {
    pub fn code(self) -> &'static str {
        self.meta().code
    }

    pub fn name(self) -> &'static str {
        self.meta().name
    }

    pub fn from_code_or_name(text: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.code().eq_ignore_ascii_case(text) || rule.name() == text)
    }
}

/// A set of rules, as a bit set over the [`Rule`] discriminants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RuleSet(u128);

impl RuleSet {
    pub const fn empty() -> Self {
        RuleSet(0)
    }

    pub fn insert(&mut self, rule: Rule) {
        self.0 |= 1 << rule as u32;
    }

    pub fn remove(&mut self, rule: Rule) {
        self.0 &= !(1 << rule as u32);
    }

    pub fn contains(&self, rule: Rule) -> bool {
        self.0 & (1 << rule as u32) != 0
    }

    pub fn iter(&self) -> impl Iterator<Item = Rule> + '_ {
        Rule::ALL
            .iter()
            .copied()
            .filter(|rule| self.contains(*rule))
    }
}

// As the rules' codes, like a `Rule`, rather than the bits: those are positions in `Rule::ALL`,
// which a new rule shifts.
impl serde::Serialize for RuleSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Collected first: a sequence's length goes before its items, and a filter knows none.
        serde::Serialize::serialize(&self.iter().collect::<Vec<Rule>>(), serializer)
    }
}

impl FromIterator<Rule> for RuleSet {
    fn from_iter<I: IntoIterator<Item = Rule>>(iter: I) -> Self {
        let mut set = RuleSet::empty();
        for rule in iter {
            set.insert(rule);
        }
        set
    }
}

/// One entry of `select`/`ignore`: a code, a code prefix, a kebab name or a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    All,
    /// Every default-on rule (what runs without configuration).
    Default,
    /// Every opt-in rule.
    Pedantic,
    Prefix(String),
    Rule(Rule),
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        match text {
            "ALL" | "all" => return Ok(Selector::All),
            "default" => return Ok(Selector::Default),
            "pedantic" => return Ok(Selector::Pedantic),
            _ => {}
        }
        if let Some(rule) = Rule::from_code_or_name(text) {
            return Ok(Selector::Rule(rule));
        }
        let upper = text.to_ascii_uppercase();
        if upper.starts_with("LG")
            && upper[2..].chars().all(|c| c.is_ascii_digit())
            && Rule::ALL.iter().any(|rule| rule.code().starts_with(&upper))
        {
            return Ok(Selector::Prefix(upper));
        }
        Err(unknown_selector_message(text))
    }

    /// Whether the selector picks the rule for some language's files.
    pub fn matches(&self, rule: Rule) -> bool {
        self.matches_in(rule, None)
    }

    /// Whether the selector picks the rule for files of `language` (any language when `None`):
    /// `default` picks a rule that is default-on for one language only for that language's
    /// files, `pedantic` its opt-in side.
    pub fn matches_in(&self, rule: Rule, language: Option<Language>) -> bool {
        let meta = rule.meta();
        match self {
            Selector::All => true,
            Selector::Default => match meta.enablement {
                Enablement::Default => true,
                Enablement::DefaultIn(default) => {
                    language.is_none_or(|language| language == default)
                }
                Enablement::OptIn | Enablement::Always => false,
            },
            Selector::Pedantic => match meta.enablement {
                Enablement::OptIn => true,
                Enablement::DefaultIn(default) => {
                    language.is_none_or(|language| language != default)
                }
                Enablement::Default | Enablement::Always => false,
            },
            Selector::Prefix(prefix) => meta.code.starts_with(prefix.as_str()),
            Selector::Rule(selected) => *selected == rule,
        }
    }

    /// More specific selectors win over less specific ones (`--select LG2 --ignore LG201`).
    fn specificity(&self) -> usize {
        match self {
            Selector::All | Selector::Default | Selector::Pedantic => 0,
            Selector::Prefix(prefix) => prefix.len(),
            Selector::Rule(_) => usize::MAX,
        }
    }
}

fn unknown_selector_message(text: &str) -> String {
    let candidates = Rule::ALL
        .iter()
        .flat_map(|rule| [rule.code(), rule.name()])
        .chain(["ALL", "default", "pedantic"]);
    let mut message = format!("unknown rule selector `{text}`");
    if let Some(best) = crate::did_you_mean(text, candidates) {
        message.push_str(&format!(" (did you mean `{best}`?)"));
    }
    message.push_str("; expected a rule code (LG201), a code prefix (LG2), a rule name (blocking-sleep), `ALL`, `default` or `pedantic`");
    message
}

/// Resolves `select`/`extend-select`/`ignore` into the enabled rule set.
///
/// For each rule the most specific matching selector decides; on a tie `ignore` wins. When no
/// `select` is given, the default rules are selected.
pub fn resolve_rule_set(
    select: Option<&[Selector]>,
    extend_select: &[Selector],
    ignore: &[Selector],
) -> RuleSet {
    resolve_rule_set_in(select, extend_select, ignore, None)
}

/// [`resolve_rule_set`] for the files of one language (`None`: the rules enabled for any).
pub fn resolve_rule_set_in(
    select: Option<&[Selector]>,
    extend_select: &[Selector],
    ignore: &[Selector],
    language: Option<Language>,
) -> RuleSet {
    let default_select = [Selector::Default];
    let select = select.unwrap_or(&default_select);
    Rule::ALL
        .iter()
        .copied()
        .filter(|rule| {
            if rule.meta().enablement == Enablement::Always {
                return true;
            }
            let best = |selectors: &mut dyn Iterator<Item = &Selector>| {
                selectors
                    .filter(|selector| selector.matches_in(*rule, language))
                    .map(Selector::specificity)
                    .max()
            };
            let selected = best(&mut select.iter().chain(extend_select));
            let ignored = best(&mut ignore.iter());
            match (selected, ignored) {
                (Some(selected), Some(ignored)) => selected > ignored,
                (Some(_), None) => true,
                (None, _) => false,
            }
        })
        .collect()
}
