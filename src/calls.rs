//! The call lists of one language as the user's config extends them: each blocking rule's
//! `calls` plus `extend-blocking-calls` (and LG203's metadata calls when
//! `include-metadata-calls` is on), a data list plus its `extend-<list>` option, and the other
//! pattern options (`limiters`, `bounded-wrappers`). Built once per config and language, from
//! that language's data file (`python::data`, `rust::data`).

use rustc_hash::FxHashMap;

use crate::config::{OptionValue, RuleOption, RuleOptions};
use crate::matcher::{CallMatcher, CallPattern, FirstMatch, PatternList};
use crate::project::blocking_rules;
use crate::registry::{Language, Rule};
use crate::rules::{EXTEND_BLOCKING_CALLS, INCLUDE_METADATA_CALLS};

/// A rule's data section that is one list of the calls it flags (`calls = [...]`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calls {
    pub calls: PatternList,
}

/// A rule's data section that is one list of the calls that spawn a task or thread.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spawns {
    pub spawns: PatternList,
}

/// A rule's data section that is one list of constructors.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constructors {
    pub constructors: PatternList,
}

/// `RuleData::blocking_calls(rule)`, a blocking rule's `calls`: both data files name the
/// blocking rules' sections and lists alike.
macro_rules! blocking_calls {
    () => {
        /// A blocking rule's `calls`: what makes a function block (`project::blocking_rules`).
        pub fn blocking_calls(&self, rule: Rule) -> Option<&PatternList> {
            match rule {
                Rule::BlockingSleep => Some(&self.blocking_sleep.calls),
                Rule::BlockingHttp => Some(&self.blocking_http.calls),
                Rule::BlockingFileIo => Some(&self.blocking_file_io.calls),
                Rule::BlockingSubprocess => Some(&self.blocking_subprocess.calls),
                Rule::BlockingDatabase => Some(&self.blocking_database.calls),
                Rule::BlockingWait => Some(&self.blocking_wait.calls),
                Rule::CpuBoundCall => Some(&self.cpu_bound_call.calls),
                _ => None,
            }
        }
    };
}
pub(crate) use blocking_calls;

/// What a language's data file offers the tables.
pub trait LanguageLists {
    const LANGUAGE: Language;

    /// A blocking rule's built-in `calls`, `None` when the language has none for it.
    fn blocking_calls(&self, rule: Rule) -> Option<&PatternList>;

    /// The metadata look-ups `include-metadata-calls` adds to LG203.
    fn metadata_calls(&self) -> &PatternList;

    /// The data lists the user may extend: each with its rule and its `extend-<list>` option.
    fn extendable(&self) -> Vec<(Rule, &'static RuleOption, &PatternList)>;
}

#[derive(Debug)]
pub struct CallTables {
    /// Each blocking rule's calls with the user's, in `project::blocking_rules` order.
    calls: FxHashMap<Rule, CallMatcher>,
    /// The first of them that names a call.
    blocking: FirstMatch<Rule>,
    /// The extendable data lists with what the user added, by the extending option.
    extended_lists: FxHashMap<(Rule, &'static str), CallMatcher>,
    /// Whether the user added to any of them.
    user_extended: bool,
    /// The pattern options the config sets, of this language's patterns only.
    pattern_options: FxHashMap<(Rule, &'static str), CallMatcher>,
}

impl CallTables {
    pub fn new<L: LanguageLists>(lists: &L, options: &RuleOptions) -> Self {
        let of_language = |patterns: &[CallPattern]| -> Vec<CallPattern> {
            patterns
                .iter()
                .filter(|pattern| pattern.is_rust() == (L::LANGUAGE == Language::Rust))
                .cloned()
                .collect()
        };
        let user_patterns =
            |rule: Rule, option: &RuleOption| match options.get(&(rule, option.name)) {
                Some(OptionValue::Patterns(patterns)) => of_language(patterns),
                _ => Vec::new(),
            };
        let metadata_on = |rule: Rule| {
            rule == Rule::BlockingFileIo
                && matches!(
                    options.get(&(rule, INCLUDE_METADATA_CALLS.name)),
                    Some(OptionValue::Bool(true))
                )
        };
        let mut calls = FxHashMap::default();
        for rule in blocking_rules() {
            let mut patterns: Vec<CallPattern> = lists
                .blocking_calls(rule)
                .map(|list| list.patterns().to_vec())
                .unwrap_or_default();
            if metadata_on(rule) {
                patterns.extend_from_slice(lists.metadata_calls().patterns());
            }
            patterns.extend(user_patterns(rule, &EXTEND_BLOCKING_CALLS));
            calls.insert(rule, CallMatcher::new(&patterns));
        }
        let blocking = FirstMatch::new(blocking_rules().map(|rule| (rule, &calls[&rule])));
        let mut extended_lists = FxHashMap::default();
        let mut user_extended = false;
        for (rule, option, list) in lists.extendable() {
            let user = user_patterns(rule, option);
            user_extended |= !user.is_empty();
            let all = list.patterns().iter().chain(&user);
            extended_lists.insert((rule, option.name), CallMatcher::new(all));
        }
        let mut pattern_options = FxHashMap::default();
        for (&(rule, option), value) in options {
            if let OptionValue::Patterns(patterns) = value {
                if !extended_lists.contains_key(&(rule, option))
                    && option != EXTEND_BLOCKING_CALLS.name
                {
                    pattern_options
                        .insert((rule, option), CallMatcher::new(&of_language(patterns)));
                }
            }
        }
        CallTables {
            calls,
            blocking,
            extended_lists,
            user_extended,
            pattern_options,
        }
    }

    /// The first of the blocking rules (`project::blocking_rules`, in that order) whose calls
    /// name `name`.
    pub fn blocking_rule(&self, name: &str) -> Option<Rule> {
        self.blocking.find(name)
    }

    /// The calls a blocking rule flags: its built-in `calls` plus the user's.
    pub fn calls(&self, rule: Rule) -> Option<&CallMatcher> {
        self.calls.get(&rule)
    }

    /// A data list with what the user added by its `extend-<list>` option `option` of `rule`;
    /// `None` for an option that extends no list of this language.
    pub fn extended(&self, rule: Rule, option: &RuleOption) -> Option<&CallMatcher> {
        debug_assert!(
            declares(rule, option),
            "{} has no option {}",
            rule.code(),
            option.name
        );
        self.extended_lists.get(&(rule, option.name))
    }

    /// Whether the config adds to any rule's data list (`extend-client-constructors`, ...):
    /// then the built-in trigger words of those rules no longer cover what they match.
    pub fn extends_data_lists(&self) -> bool {
        self.user_extended
    }

    /// A pattern-list option of a rule, when the config sets it.
    pub fn patterns(&self, rule: Rule, option: &RuleOption) -> Option<&CallMatcher> {
        debug_assert!(
            declares(rule, option),
            "{} has no option {}",
            rule.code(),
            option.name
        );
        self.pattern_options.get(&(rule, option.name))
    }
}

/// Whether `rule` declares `option`: what a rule asks of the tables must be one of its own
/// options (checked in debug builds, which every fixture runs).
pub fn declares(rule: Rule, option: &RuleOption) -> bool {
    rule.meta()
        .options
        .iter()
        .any(|declared| declared.name == option.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::client_per_request::EXTEND_CLIENT_CONSTRUCTORS;
    use crate::rules::connection_per_operation::EXTEND_CONNECTION_CONSTRUCTORS;
    use crate::rules::LIMITERS;

    fn patterns(texts: &[&str]) -> OptionValue {
        OptionValue::Patterns(
            texts
                .iter()
                .map(|text| CallPattern::parse(text).unwrap())
                .collect(),
        )
    }

    fn tables(options: &RuleOptions) -> (CallTables, CallTables) {
        (
            CallTables::new(crate::python::data::data(), options),
            CallTables::new(crate::rust::data::data(), options),
        )
    }

    #[test]
    fn user_extensions_add_to_the_built_in_calls_of_their_language() {
        let mut options = RuleOptions::default();
        options.insert(
            (Rule::BlockingHttp, EXTEND_BLOCKING_CALLS.name),
            patterns(&["mylib.fetch", "mylib::fetch"]),
        );
        let (python, rust) = tables(&options);
        assert_eq!(
            python.blocking_rule("mylib.fetch"),
            Some(Rule::BlockingHttp)
        );
        assert_eq!(
            python.blocking_rule("requests.get"),
            Some(Rule::BlockingHttp)
        );
        assert_eq!(python.blocking_rule("mylib::fetch"), None);
        assert_eq!(rust.blocking_rule("mylib::fetch"), Some(Rule::BlockingHttp));
        assert_eq!(
            rust.blocking_rule("reqwest::blocking::get"),
            Some(Rule::BlockingHttp)
        );
        assert_eq!(rust.blocking_rule("mylib.fetch"), None);
    }

    #[test]
    fn metadata_calls_are_opt_in() {
        let mut options = RuleOptions::default();
        let (python, rust) = tables(&options);
        assert_eq!(python.blocking_rule("os.path.exists"), None);
        assert_eq!(rust.blocking_rule("std::fs::metadata"), None);
        options.insert(
            (Rule::BlockingFileIo, INCLUDE_METADATA_CALLS.name),
            OptionValue::Bool(true),
        );
        let (python, rust) = tables(&options);
        assert_eq!(
            python.blocking_rule("os.path.exists"),
            Some(Rule::BlockingFileIo)
        );
        assert_eq!(
            python.blocking_rule("builtins.open"),
            Some(Rule::BlockingFileIo)
        );
        assert_eq!(
            rust.blocking_rule("std::fs::metadata"),
            Some(Rule::BlockingFileIo)
        );
        assert_eq!(
            rust.blocking_rule("std::fs::read"),
            Some(Rule::BlockingFileIo)
        );
    }

    #[test]
    fn extend_options_extend_their_data_list_and_other_options_are_exposed() {
        let mut options = RuleOptions::default();
        options.insert(
            (
                Rule::ConnectionPerOperation,
                EXTEND_CONNECTION_CONSTRUCTORS.name,
            ),
            patterns(&["mydb.connect"]),
        );
        options.insert((Rule::UnboundedGather, LIMITERS.name), patterns(&["guard"]));
        let (python, _) = tables(&options);
        let constructors = python
            .extended(
                Rule::ConnectionPerOperation,
                &EXTEND_CONNECTION_CONSTRUCTORS,
            )
            .unwrap();
        assert!(constructors.matches("mydb.connect"));
        assert!(constructors.matches("asyncpg.connect"));
        assert!(python
            .extended(Rule::ClientPerRequest, &EXTEND_CLIENT_CONSTRUCTORS)
            .is_some_and(|constructors| constructors.matches("aiohttp.ClientSession")));
        assert!(python.extends_data_lists());
        assert!(!tables(&RuleOptions::default()).0.extends_data_lists());
        assert!(python
            .patterns(Rule::UnboundedGather, &LIMITERS)
            .is_some_and(|limiters| limiters.matches("guard")));
        assert!(python.patterns(Rule::SpawnInLoop, &LIMITERS).is_none());
    }
}
