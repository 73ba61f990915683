//! The Python rules' domain knowledge, loaded from `rules/data/python.toml` into typed
//! structs: a rule reads its lists as fields (`data().rules.blocking_wait.queue_calls`).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::calls::{Calls, Constructors, LanguageLists, Spawns};
use crate::config::RuleOption;
use crate::matcher::{CallMatcher, CallPattern, PatternList};
use crate::registry::{Language, Rule};
use crate::rules::client_per_request::EXTEND_CLIENT_CONSTRUCTORS;
use crate::rules::connection_per_operation::EXTEND_CONNECTION_CONSTRUCTORS;

const DATA_TOML: &str = include_str!("../../rules/data/python.toml");

#[derive(Debug)]
pub struct PythonData {
    pub rules: RuleData,
    /// What a call returns, when that is not the class being constructed.
    pub returns: FxHashMap<String, String>,
    /// `(submodule, package)` pairs by the submodule's top-level package, longest submodule
    /// first: every import and qualified call is rewritten through them, and nearly none
    /// names one of the few packages they are about.
    pub module_aliases: FxHashMap<String, Vec<(String, String)>>,
    /// Types whose `async with`/`acquire()` bounds how many tasks run at once.
    pub limiter_types: CallMatcher,
    /// Modules whose star import is known, with the builtins' names each one binds.
    pub star_exports: FxHashMap<String, Vec<String>>,
    /// What makes a collection as large as the input (see `facts::provenance`).
    pub collections: Collections,
}

/// The `[semantic.collections]` lists: how a collection's size follows from where it comes from.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Collections {
    /// Calls whose result is as large as what they read (a directory, a document).
    pub sources: PatternList,
    /// Calls whose result is as large as their arguments (`list(x)`, `zip(a, b)`).
    pub builders: PatternList,
    /// Methods whose result is as large as what they read, whatever the receiver.
    pub data_methods: PatternList,
}

/// The `[semantic]` section; the rules' sections are read into [`RuleData`].
#[derive(Deserialize)]
struct RawData {
    semantic: RawSemantic,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawSemantic {
    returns: FxHashMap<String, String>,
    module_aliases: FxHashMap<String, String>,
    limiter_types: Vec<String>,
    collections: Collections,
    star_exports: FxHashMap<String, Vec<String>>,
}

pub fn data() -> &'static PythonData {
    static DATA: OnceLock<PythonData> = OnceLock::new();
    DATA.get_or_init(|| load(DATA_TOML).expect("rules/data/python.toml is validated by tests"))
}

fn load(text: &str) -> Result<PythonData, String> {
    let raw: RawData = toml_edit::de::from_str(text).map_err(|error| error.to_string())?;
    let rules: RuleData = toml_edit::de::from_str(text).map_err(|error| error.to_string())?;
    let mut module_aliases: FxHashMap<String, Vec<(String, String)>> = FxHashMap::default();
    for (submodule, package) in raw.semantic.module_aliases {
        let root = super::top_level_package(&submodule).to_string();
        module_aliases
            .entry(root)
            .or_default()
            .push((submodule, package));
    }
    for aliases in module_aliases.values_mut() {
        aliases.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    }
    let limiter_types = raw
        .semantic
        .limiter_types
        .iter()
        .map(|entry| CallPattern::parse(entry))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PythonData {
        rules,
        returns: raw.semantic.returns,
        module_aliases,
        limiter_types: CallMatcher::new(&limiter_types),
        collections: raw.semantic.collections,
        star_exports: raw.semantic.star_exports,
    })
}

impl LanguageLists for PythonData {
    const LANGUAGE: Language = Language::Python;

    fn blocking_calls(&self, rule: Rule) -> Option<&PatternList> {
        self.rules.blocking_calls(rule)
    }

    fn metadata_calls(&self) -> &PatternList {
        &self.rules.blocking_file_io.metadata_calls
    }

    fn extendable(&self) -> Vec<(Rule, &'static RuleOption, &PatternList)> {
        vec![
            (
                Rule::ConnectionPerOperation,
                &EXTEND_CONNECTION_CONSTRUCTORS,
                &self.rules.connection_per_operation.connection_constructors,
            ),
            (
                Rule::ClientPerRequest,
                &EXTEND_CLIENT_CONSTRUCTORS,
                &self.rules.client_per_request.client_constructors,
            ),
        ]
    }
}

/// The rules' sections of `rules/data/python.toml`, one struct per rule and one field per list: a
/// section or list the file lacks, or one the structs do not name, fails the load.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleData {
    /// Read on its own (`RawSemantic`); named here so that no other section passes unseen.
    #[serde(rename = "semantic")]
    _semantic: serde::de::IgnoredAny,
    pub blocking_sleep: Calls,
    pub blocking_http: Calls,
    pub blocking_file_io: BlockingFileIo,
    pub blocking_subprocess: Calls,
    pub blocking_database: BlockingDatabase,
    pub blocking_wait: BlockingWait,
    pub cpu_bound_call: Calls,
    pub sync_lock_across_await: SyncLockAcrossAwait,
    pub unbounded_gather: UnboundedGather,
    pub spawn_in_loop: Spawns,
    pub unbounded_queue: Constructors,
    pub daemon_thread: DaemonThread,
    pub dangling_task: Spawns,
    pub unmanaged_executor: Constructors,
    pub retry_without_jitter: RetryWithoutJitter,
    pub missing_timeout: MissingTimeout,
    pub connection_per_operation: ConnectionPerOperation,
    pub client_per_request: ClientPerRequest,
    pub unawaited_coroutine: UnawaitedCoroutine,
}

impl RuleData {
    /// Every list of every section.
    pub fn all(&self) -> Vec<&PatternList> {
        vec![
            &self.blocking_sleep.calls,
            &self.blocking_http.calls,
            &self.blocking_file_io.calls,
            &self.blocking_file_io.metadata_calls,
            &self.blocking_subprocess.calls,
            &self.blocking_database.calls,
            &self.blocking_database.receiver_types,
            &self.blocking_database.non_blocking_methods,
            &self.blocking_wait.calls,
            &self.cpu_bound_call.calls,
            &self.blocking_wait.queue_calls,
            &self.sync_lock_across_await.lock_types,
            &self.unbounded_gather.gather,
            &self.unbounded_gather.wait,
            &self.unbounded_gather.bounded_calls,
            &self.unbounded_gather.bounded_methods,
            &self.spawn_in_loop.spawns,
            &self.unbounded_queue.constructors,
            &self.daemon_thread.constructors,
            &self.daemon_thread.thread_types,
            &self.daemon_thread.raw_threads,
            &self.dangling_task.spawns,
            &self.unmanaged_executor.constructors,
            &self.retry_without_jitter.sleeps,
            &self.retry_without_jitter.random_sources,
            &self.retry_without_jitter.tenacity_retries,
            &self.retry_without_jitter.tenacity_deterministic_waits,
            &self.retry_without_jitter.backoff_decorators,
            &self.retry_without_jitter.urllib3_retries,
            &self.missing_timeout.requests,
            &self.missing_timeout.urlopen,
            &self.missing_timeout.httpx,
            &self.connection_per_operation.connection_constructors,
            &self.client_per_request.client_constructors,
            &self.unawaited_coroutine.coroutines,
        ]
    }

    crate::calls::blocking_calls!();
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BlockingFileIo {
    pub calls: PatternList,
    pub metadata_calls: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BlockingDatabase {
    pub calls: PatternList,
    pub receiver_types: PatternList,
    pub non_blocking_methods: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BlockingWait {
    pub calls: PatternList,
    pub queue_calls: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SyncLockAcrossAwait {
    pub lock_types: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnboundedGather {
    pub gather: PatternList,
    pub wait: PatternList,
    pub bounded_calls: PatternList,
    pub bounded_methods: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DaemonThread {
    pub constructors: PatternList,
    pub thread_types: PatternList,
    pub raw_threads: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetryWithoutJitter {
    pub sleeps: PatternList,
    pub random_sources: PatternList,
    pub tenacity_retries: PatternList,
    pub tenacity_deterministic_waits: PatternList,
    pub backoff_decorators: PatternList,
    pub urllib3_retries: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MissingTimeout {
    pub requests: PatternList,
    pub urlopen: PatternList,
    pub httpx: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectionPerOperation {
    pub connection_constructors: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClientPerRequest {
    pub client_constructors: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnawaitedCoroutine {
    pub coroutines: PatternList,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_loads_into_the_typed_sections() {
        let data = load(DATA_TOML).unwrap();
        assert!(data.rules.blocking_sleep.calls.matches("time.sleep"));
        assert!(data
            .rules
            .blocking_wait
            .queue_calls
            .matches("queue.Queue.get"));
        assert_eq!(
            data.returns["asyncio.get_event_loop"],
            "asyncio.AbstractEventLoop"
        );
    }

    #[test]
    fn unknown_sections_and_lists_and_invalid_patterns_fail_the_load() {
        let misspelt_list = DATA_TOML.replace("queue-calls", "queue-cals");
        assert!(load(&misspelt_list).unwrap_err().contains("queue-cals"));
        let unknown_section = format!("{DATA_TOML}\n[blocking-sleeps]\ncalls = []\n");
        assert!(load(&unknown_section)
            .unwrap_err()
            .contains("blocking-sleeps"));
        let invalid = DATA_TOML.replacen("\"time.sleep\"", "\"time..sleep\"", 1);
        assert!(load(&invalid).unwrap_err().contains("time..sleep"));
    }

    #[test]
    fn module_aliases_are_filed_by_package_longest_first() {
        let data = load(DATA_TOML).unwrap();
        assert!(data.module_aliases.contains_key("asyncio"));
        for (package, aliases) in &data.module_aliases {
            assert!(aliases
                .iter()
                .all(|(from, _)| crate::python::top_level_package(from) == package));
            let lengths: Vec<usize> = aliases.iter().map(|(from, _)| from.len()).collect();
            assert!(lengths.windows(2).all(|pair| pair[0] >= pair[1]));
        }
    }

    #[test]
    fn limiter_types_include_asyncio_and_anyio() {
        let data = load(DATA_TOML).unwrap();
        assert!(data.limiter_types.matches("asyncio.Semaphore"));
        assert!(data.limiter_types.matches("anyio.CapacityLimiter"));
        assert!(!data.limiter_types.matches("threading.Semaphore"));
    }
}
