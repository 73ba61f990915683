//! The Python rules' domain knowledge, loaded from `rules/data/python.toml`.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::config::{OptionValue, RuleOptions};
use crate::matcher::{CallMatcher, CallPattern, FirstMatch, RuleLists};
use crate::project::blocking_rules;
use crate::registry::Rule;

const DATA_TOML: &str = include_str!("../../rules/data/python.toml");

#[derive(Debug)]
pub struct PythonData {
    lists: RuleLists,
    /// What a call returns, when that is not the class being constructed.
    pub returns: FxHashMap<String, String>,
    /// `(submodule, package)` pairs, longest submodule first.
    pub module_aliases: Vec<(String, String)>,
    /// Types whose `async with`/`acquire()` bounds how many tasks run at once.
    pub limiter_types: CallMatcher,
}

#[derive(Deserialize)]
struct RawData {
    semantic: RawSemantic,
    #[serde(flatten)]
    rules: FxHashMap<String, FxHashMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawSemantic {
    returns: FxHashMap<String, String>,
    module_aliases: FxHashMap<String, String>,
    limiter_types: Vec<String>,
}

pub fn data() -> &'static PythonData {
    static DATA: OnceLock<PythonData> = OnceLock::new();
    DATA.get_or_init(|| load(DATA_TOML).expect("rules/data/python.toml is validated by tests"))
}

fn load(text: &str) -> Result<PythonData, String> {
    let raw: RawData = toml_edit::de::from_str(text).map_err(|error| error.to_string())?;
    let lists = RuleLists::parse("rules/data/python.toml", raw.rules)?;
    let mut module_aliases: Vec<_> = raw.semantic.module_aliases.into_iter().collect();
    module_aliases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    let limiter_types = raw
        .semantic
        .limiter_types
        .iter()
        .map(|entry| CallPattern::parse(entry))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PythonData {
        lists,
        returns: raw.semantic.returns,
        module_aliases,
        limiter_types: CallMatcher::new(&limiter_types),
    })
}

impl PythonData {
    /// A named list of a rule's section; a missing list is a bug caught by the data tests.
    pub fn list(&self, rule: Rule, list: &str) -> &CallMatcher {
        self.lists.list(rule, list)
    }

    fn patterns(&self, rule: Rule, list: &str) -> &[CallPattern] {
        self.lists.patterns(rule, list)
    }
}

/// The rules' lists as the user's config extends them: each blocking rule's `calls` list plus
/// `extend-blocking-calls`, a data list `<name>` plus an option `extend-<name>`, and the other
/// pattern options (`limiters`, `bounded-wrappers`, ...).
#[derive(Debug)]
pub struct CallTables {
    extended: FxHashMap<Rule, CallMatcher>,
    extended_lists: FxHashMap<(Rule, &'static str), CallMatcher>,
    pattern_options: FxHashMap<(Rule, &'static str), CallMatcher>,
    blocking: FirstMatch<Rule>,
}

pub const EXTEND_BLOCKING_CALLS: &str = "extend-blocking-calls";
pub const INCLUDE_METADATA_CALLS: &str = "include-metadata-calls";

impl CallTables {
    pub fn new(options: &RuleOptions) -> Self {
        let mut extended = FxHashMap::default();
        let mut extended_lists = FxHashMap::default();
        let mut pattern_options = FxHashMap::default();
        for (&(rule, option), value) in options {
            match value {
                OptionValue::Bool(_) => {}
                OptionValue::Patterns(patterns) if option != EXTEND_BLOCKING_CALLS => {
                    let python: Vec<CallPattern> =
                        patterns.iter().filter(|p| !p.is_rust()).cloned().collect();
                    if let Some(list) = option.strip_prefix("extend-") {
                        let mut all = builtin_patterns(rule, list);
                        all.extend(python.iter().cloned());
                        extended_lists.insert((rule, list), CallMatcher::new(&all));
                    }
                    pattern_options.insert((rule, option), CallMatcher::new(&python));
                }
                OptionValue::Patterns(_) => {}
            }
        }
        for (&(rule, option), value) in options {
            if option != EXTEND_BLOCKING_CALLS {
                continue;
            }
            let OptionValue::Patterns(patterns) = value else {
                continue;
            };
            let python: Vec<CallPattern> =
                patterns.iter().filter(|p| !p.is_rust()).cloned().collect();
            let builtin = builtin_patterns(rule, "calls");
            extended.insert(rule, CallMatcher::new(builtin.iter().chain(&python)));
        }
        if matches!(
            options.get(&(Rule::BlockingFileIo, INCLUDE_METADATA_CALLS)),
            Some(OptionValue::Bool(true))
        ) {
            let mut patterns = builtin_patterns(Rule::BlockingFileIo, "calls");
            patterns.extend(builtin_patterns(Rule::BlockingFileIo, "metadata-calls"));
            if let Some(OptionValue::Patterns(user)) =
                options.get(&(Rule::BlockingFileIo, EXTEND_BLOCKING_CALLS))
            {
                patterns.extend(user.iter().filter(|p| !p.is_rust()).cloned());
            }
            extended.insert(Rule::BlockingFileIo, CallMatcher::new(&patterns));
        }
        let blocking = FirstMatch::new(blocking_rules().map(|rule| {
            let calls = extended
                .get(&rule)
                .unwrap_or_else(|| data().list(rule, "calls"));
            (rule, calls)
        }));
        CallTables {
            extended,
            extended_lists,
            pattern_options,
            blocking,
        }
    }

    /// The first of the rules whose calls make a function block (`project::blocking_rules`, in
    /// that order) whose `calls` match `name`.
    pub fn blocking_rule(&self, name: &str) -> Option<Rule> {
        self.blocking.find(name)
    }

    /// A rule's data list `list`, plus what the user added with `extend-<list>`.
    pub fn list(&self, rule: Rule, list: &'static str) -> &CallMatcher {
        self.extended_lists
            .get(&(rule, list))
            .unwrap_or_else(|| data().list(rule, list))
    }

    /// Whether the config adds to any rule's data list (`extend-client-constructors`, ...):
    /// then the built-in trigger words of those rules no longer cover what they match.
    pub fn extends_data_lists(&self) -> bool {
        !self.extended_lists.is_empty()
    }

    /// A pattern-list option of a rule, when the config sets it.
    pub fn patterns(&self, rule: Rule, option: &'static str) -> Option<&CallMatcher> {
        self.pattern_options.get(&(rule, option))
    }

    /// The calls a blocking rule flags: its built-in `calls` list plus user extensions.
    pub fn calls(&self, rule: Rule) -> &CallMatcher {
        self.extended
            .get(&rule)
            .unwrap_or_else(|| data().list(rule, "calls"))
    }
}

fn builtin_patterns(rule: Rule, list: &str) -> Vec<CallPattern> {
    data().patterns(rule, list).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_loads_and_names_only_rules() {
        let data = load(DATA_TOML).unwrap();
        assert!(data
            .list(Rule::BlockingSleep, "calls")
            .matches("time.sleep"));
        assert_eq!(
            data.returns["asyncio.get_event_loop"],
            "asyncio.AbstractEventLoop"
        );
    }

    #[test]
    fn module_aliases_are_ordered_longest_first() {
        let data = load(DATA_TOML).unwrap();
        let lengths: Vec<usize> = data
            .module_aliases
            .iter()
            .map(|(from, _)| from.len())
            .collect();
        assert!(lengths.windows(2).all(|pair| pair[0] >= pair[1]));
    }

    #[test]
    fn user_extensions_add_to_builtin_calls() {
        let mut options = RuleOptions::default();
        options.insert(
            (Rule::BlockingHttp, EXTEND_BLOCKING_CALLS),
            OptionValue::Patterns(vec![CallPattern::parse("mylib.fetch").unwrap()]),
        );
        let tables = CallTables::new(&options);
        assert!(tables.calls(Rule::BlockingHttp).matches("mylib.fetch"));
        assert!(tables.calls(Rule::BlockingHttp).matches("requests.get"));
        assert!(!tables.calls(Rule::BlockingFileIo).matches("os.path.exists"));
    }

    #[test]
    fn metadata_calls_are_opt_in() {
        let mut options = RuleOptions::default();
        options.insert(
            (Rule::BlockingFileIo, INCLUDE_METADATA_CALLS),
            OptionValue::Bool(true),
        );
        let tables = CallTables::new(&options);
        assert!(tables.calls(Rule::BlockingFileIo).matches("os.path.exists"));
        assert!(tables.calls(Rule::BlockingFileIo).matches("builtins.open"));
    }

    #[test]
    fn extend_options_extend_their_data_list_and_other_options_are_exposed() {
        let mut options = RuleOptions::default();
        options.insert(
            (
                Rule::ConnectionPerOperation,
                "extend-connection-constructors",
            ),
            OptionValue::Patterns(vec![CallPattern::parse("mydb.connect").unwrap()]),
        );
        options.insert(
            (Rule::UnboundedGather, "limiters"),
            OptionValue::Patterns(vec![CallPattern::parse("guard").unwrap()]),
        );
        let tables = CallTables::new(&options);
        let constructors = tables.list(Rule::ConnectionPerOperation, "connection-constructors");
        assert!(constructors.matches("mydb.connect"));
        assert!(constructors.matches("asyncpg.connect"));
        assert!(tables
            .list(Rule::ClientPerRequest, "client-constructors")
            .matches("aiohttp.ClientSession"));
        assert!(tables
            .patterns(Rule::UnboundedGather, "limiters")
            .is_some_and(|limiters| limiters.matches("guard")));
        assert!(tables.patterns(Rule::SpawnInLoop, "limiters").is_none());
    }

    #[test]
    fn limiter_types_include_asyncio_and_anyio() {
        let data = load(DATA_TOML).unwrap();
        assert!(data.limiter_types.matches("asyncio.Semaphore"));
        assert!(data.limiter_types.matches("anyio.CapacityLimiter"));
        assert!(!data.limiter_types.matches("threading.Semaphore"));
    }
}
