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
    // Names rather than paths, since they are met on receivers of unknown type; the data file
    // says what each list is for.
    pub pass_through_methods: FxHashSet<String>,
    pub wrapping_constructors: FxHashSet<String>,
    pub inline_combinators: FxHashSet<String>,
    pub per_item_combinators: FxHashSet<String>,
    pub guard_methods: FxHashSet<String>,
    pub permit_methods: FxHashSet<String>,
    pub wait_methods: FxHashSet<String>,
    pub result_unwraps: FxHashSet<String>,
    pub per_item_adaptors: FxHashSet<String>,
    pub bounded_streams: FxHashSet<String>,
    pub holding_methods: FxHashSet<String>,
    pub join_drains: FxHashSet<String>,
    pub display_macros: FxHashSet<String>,
    pub random_methods: FxHashSet<String>,
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
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawSemantic {
    returns: FxHashMap<String, RawReturn>,
    builder_types: FxHashSet<String>,
    transparent_types: FxHashSet<String>,
    pass_through_methods: FxHashSet<String>,
    wrapping_constructors: FxHashSet<String>,
    inline_combinators: FxHashSet<String>,
    per_item_combinators: FxHashSet<String>,
    guard_methods: FxHashSet<String>,
    permit_methods: FxHashSet<String>,
    wait_methods: FxHashSet<String>,
    result_unwraps: FxHashSet<String>,
    per_item_adaptors: FxHashSet<String>,
    bounded_streams: FxHashSet<String>,
    holding_methods: FxHashSet<String>,
    join_drains: FxHashSet<String>,
    display_macros: FxHashSet<String>,
    random_methods: FxHashSet<String>,
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
        builder_types: raw.semantic.builder_types,
        transparent_types: raw.semantic.transparent_types,
        pass_through_methods: raw.semantic.pass_through_methods,
        wrapping_constructors: raw.semantic.wrapping_constructors,
        inline_combinators: raw.semantic.inline_combinators,
        per_item_combinators: raw.semantic.per_item_combinators,
        guard_methods: raw.semantic.guard_methods,
        permit_methods: raw.semantic.permit_methods,
        wait_methods: raw.semantic.wait_methods,
        result_unwraps: raw.semantic.result_unwraps,
        per_item_adaptors: raw.semantic.per_item_adaptors,
        bounded_streams: raw.semantic.bounded_streams,
        holding_methods: raw.semantic.holding_methods,
        join_drains: raw.semantic.join_drains,
        display_macros: raw.semantic.display_macros,
        random_methods: raw.semantic.random_methods,
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
    fn semantic_name_lists_load() {
        let data = load(DATA_TOML).unwrap();
        assert!(data.pass_through_methods.contains("clone"));
        assert!(data.wrapping_constructors.contains("new"));
        assert!(data.inline_combinators.contains("unwrap_or_else"));
        assert!(data.per_item_combinators.contains("for_each"));
        assert!(data.guard_methods.contains("call"));
        assert!(data.permit_methods.contains("acquire_owned"));
        assert!(data.wait_methods.contains("until_ready"));
        assert!(data.result_unwraps.contains("expect"));
        assert!(data.per_item_adaptors.contains("map"));
        assert!(data.bounded_streams.contains("buffer_unordered"));
        assert!(data.holding_methods.contains("spawn"));
        assert!(data.join_drains.contains("join_next"));
        assert!(data.display_macros.contains("println"));
        assert!(data.random_methods.contains("gen_range"));
        // A per-item combinator also runs inline; listing it under both would be a slip.
        assert!(data
            .inline_combinators
            .is_disjoint(&data.per_item_combinators));
    }

    #[test]
    fn unknown_semantic_keys_are_rejected() {
        let misspelt = DATA_TOML.replace("guard-methods =", "guard-method =");
        let error = load(&misspelt).unwrap_err();
        assert!(error.contains("guard-method"), "{error}");
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
