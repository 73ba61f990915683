//! The Rust rules' domain knowledge, loaded from `rules/data/rust.toml`.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

use crate::config::{OptionValue, RuleOptions};
use crate::matcher::{CallMatcher, CallPattern, FirstMatch, RuleLists};
use crate::project::blocking_rules;
use crate::python::{EXTEND_BLOCKING_CALLS, INCLUDE_METADATA_CALLS};
use crate::registry::Rule;

const DATA_TOML: &str = include_str!("../../rules/data/rust.toml");

#[derive(Debug)]
pub struct RustData {
    lists: RuleLists,
    /// What a call returns: one type, or the element types of a tuple.
    pub returns: FxHashMap<String, Vec<String>>,
    pub builder_types: FxHashSet<String>,
    pub transparent_types: FxHashSet<String>,
    /// `(path, canonical path)` pairs, longest path first.
    pub module_aliases: Vec<(String, String)>,
    /// Every path that is a list entry or a prefix of one: what a glob import can bring in.
    pub known_paths: FxHashSet<String>,
}

#[derive(Deserialize)]
struct RawData {
    semantic: RawSemantic,
    #[serde(flatten)]
    rules: FxHashMap<String, FxHashMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawReturn {
    One(String),
    Tuple(Vec<String>),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawSemantic {
    returns: FxHashMap<String, RawReturn>,
    builder_types: Vec<String>,
    transparent_types: Vec<String>,
    module_aliases: FxHashMap<String, String>,
}

pub fn data() -> &'static RustData {
    static DATA: OnceLock<RustData> = OnceLock::new();
    DATA.get_or_init(|| load(DATA_TOML).expect("rules/data/rust.toml is validated by tests"))
}

fn load(text: &str) -> Result<RustData, String> {
    let raw: RawData = toml_edit::de::from_str(text).map_err(|error| error.to_string())?;
    let lists = RuleLists::parse("rules/data/rust.toml", raw.rules)?;
    // Every path a list names, and each of its prefixes (`tokio`, `tokio::time`, ...).
    let mut known_paths = FxHashSet::default();
    for pattern in lists.all_patterns() {
        let mut prefix = String::new();
        for segment in pattern.as_str().split("::") {
            if !prefix.is_empty() {
                prefix.push_str("::");
            }
            prefix.push_str(segment);
            known_paths.insert(prefix.clone());
        }
    }
    let returns = raw
        .semantic
        .returns
        .into_iter()
        .map(|(call, value)| {
            let types = match value {
                RawReturn::One(type_name) => vec![type_name],
                RawReturn::Tuple(types) => types,
            };
            (call, types)
        })
        .collect();
    let mut module_aliases: Vec<_> = raw.semantic.module_aliases.into_iter().collect();
    module_aliases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    Ok(RustData {
        lists,
        returns,
        builder_types: raw.semantic.builder_types.into_iter().collect(),
        transparent_types: raw.semantic.transparent_types.into_iter().collect(),
        module_aliases,
        known_paths,
    })
}

impl RustData {
    /// A named list of a rule's section; a missing list is a bug caught by the data tests.
    pub fn list(&self, rule: Rule, list: &str) -> &CallMatcher {
        self.lists.list(rule, list)
    }

    fn patterns(&self, rule: Rule, list: &str) -> &[CallPattern] {
        self.lists.patterns(rule, list)
    }

    /// Rewrites a re-exported path to the one the lists use (`futures_util::x` → `futures::x`).
    pub fn canonical(&self, path: String) -> String {
        for (from, to) in &self.module_aliases {
            if let Some(rest) = path.strip_prefix(from.as_str()) {
                if rest.is_empty() || rest.starts_with("::") {
                    return format!("{to}{rest}");
                }
            }
        }
        path
    }
}

/// Each blocking rule's Rust `calls` list extended by the `::` patterns of the user's
/// `extend-blocking-calls`.
#[derive(Debug)]
pub struct CallTables {
    blocking: FirstMatch<Rule>,
}

impl CallTables {
    pub fn new(options: &RuleOptions) -> Self {
        let mut extended = FxHashMap::default();
        for (&(rule, option), value) in options {
            if option != EXTEND_BLOCKING_CALLS {
                continue;
            }
            let OptionValue::Patterns(patterns) = value else {
                continue;
            };
            let rust: Vec<&CallPattern> = patterns.iter().filter(|p| p.is_rust()).collect();
            if rust.is_empty() {
                continue;
            }
            // A rule may have no built-in Rust list: then the user's patterns are all it flags.
            let builtin = data().lists.patterns_or_empty(rule, "calls");
            extended.insert(rule, CallMatcher::new(builtin.iter().chain(rust)));
        }
        if matches!(
            options.get(&(Rule::BlockingFileIo, INCLUDE_METADATA_CALLS)),
            Some(OptionValue::Bool(true))
        ) {
            let mut patterns = data().patterns(Rule::BlockingFileIo, "calls").to_vec();
            patterns.extend_from_slice(data().patterns(Rule::BlockingFileIo, "metadata-calls"));
            if let Some(OptionValue::Patterns(user)) =
                options.get(&(Rule::BlockingFileIo, EXTEND_BLOCKING_CALLS))
            {
                patterns.extend(user.iter().filter(|p| p.is_rust()).cloned());
            }
            extended.insert(Rule::BlockingFileIo, CallMatcher::new(&patterns));
        }
        let blocking = FirstMatch::new(blocking_rules().map(|rule| {
            let calls = extended
                .get(&rule)
                .unwrap_or_else(|| data().list(rule, "calls"));
            (rule, calls)
        }));
        CallTables { blocking }
    }

    /// The first of the rules whose calls make a function block (`project::blocking_rules`, in
    /// that order) whose Rust `calls` match `name`.
    pub fn blocking_rule(&self, name: &str) -> Option<Rule> {
        self.blocking.find(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_loads_and_names_only_rules() {
        let data = load(DATA_TOML).unwrap();
        assert!(data
            .list(Rule::BlockingSleep, "calls")
            .matches("std::thread::sleep"));
        assert_eq!(
            data.returns["std::sync::mpsc::channel"],
            ["std::sync::mpsc::Sender", "std::sync::mpsc::Receiver"]
        );
        assert!(data.known_paths.contains("std::thread"));
    }

    #[test]
    fn aliases_rewrite_whole_segments_only() {
        let data = load(DATA_TOML).unwrap();
        assert_eq!(
            data.canonical("futures_util::future::join_all".into()),
            "futures::future::join_all"
        );
        assert_eq!(data.canonical("core_foo::x".into()), "core_foo::x");
        assert_eq!(data.canonical("core::mem::drop".into()), "std::mem::drop");
    }

    #[test]
    fn user_extensions_take_only_rust_paths() {
        let mut options = RuleOptions::default();
        options.insert(
            (Rule::BlockingHttp, EXTEND_BLOCKING_CALLS),
            OptionValue::Patterns(vec![
                CallPattern::parse("mylib::fetch").unwrap(),
                CallPattern::parse("mylib.fetch").unwrap(),
            ]),
        );
        let tables = CallTables::new(&options);
        assert_eq!(
            tables.blocking_rule("mylib::fetch"),
            Some(Rule::BlockingHttp)
        );
        assert_eq!(
            tables.blocking_rule("reqwest::blocking::get"),
            Some(Rule::BlockingHttp)
        );
        assert_ne!(
            tables.blocking_rule("mylib.fetch"),
            Some(Rule::BlockingHttp)
        );
    }

    #[test]
    fn metadata_calls_are_opt_in() {
        let mut options = RuleOptions::default();
        assert_ne!(
            CallTables::new(&options).blocking_rule("std::fs::metadata"),
            Some(Rule::BlockingFileIo)
        );
        options.insert(
            (Rule::BlockingFileIo, INCLUDE_METADATA_CALLS),
            OptionValue::Bool(true),
        );
        let tables = CallTables::new(&options);
        assert_eq!(
            tables.blocking_rule("std::fs::metadata"),
            Some(Rule::BlockingFileIo)
        );
        assert_eq!(
            tables.blocking_rule("std::fs::read"),
            Some(Rule::BlockingFileIo)
        );
    }
}
