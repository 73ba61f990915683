//! The Rust rules' domain knowledge, loaded from `rules/data/rust.toml`.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

use crate::calls::{Calls, Constructors, LanguageLists, Spawns};
use crate::config::RuleOption;
use crate::matcher::PatternList;
use crate::registry::{Language, Rule};

const DATA_TOML: &str = include_str!("../../rules/data/rust.toml");

#[derive(Debug)]
pub struct RustData {
    pub rules: RuleData,
    /// What a call returns: one type, or the element types of a tuple.
    pub returns: FxHashMap<String, Vec<String>>,
    pub builder_types: FxHashSet<String>,
    pub task_spawns: FxHashSet<String>,
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
    pub arithmetic_methods: FxHashSet<String>,
    /// Method name → the path of the (non-prelude) trait that defines it.
    pub trait_methods: FxHashMap<String, String>,
    /// `(path, canonical path)` pairs, longest path first.
    pub module_aliases: Vec<(String, String)>,
    /// Every path that is a list entry or a prefix of one: what a glob import can bring in.
    pub known_paths: FxHashSet<String>,
}

/// The `[semantic]` section; the rules' sections are read into [`RuleData`].
#[derive(Deserialize)]
struct RawData {
    semantic: RawSemantic,
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
    task_spawns: FxHashSet<String>,
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
    arithmetic_methods: FxHashSet<String>,
    trait_methods: FxHashMap<String, String>,
    module_aliases: FxHashMap<String, String>,
}

pub fn data() -> &'static RustData {
    static DATA: OnceLock<RustData> = OnceLock::new();
    DATA.get_or_init(|| load(DATA_TOML).expect("rules/data/rust.toml is validated by tests"))
}

fn load(text: &str) -> Result<RustData, String> {
    let raw: RawData = toml_edit::de::from_str(text).map_err(|error| error.to_string())?;
    let rules: RuleData = toml_edit::de::from_str(text).map_err(|error| error.to_string())?;
    // Every path a list names, and each of its prefixes (`tokio`, `tokio::time`, ...).
    let mut known_paths = FxHashSet::default();
    for pattern in rules.all().into_iter().flat_map(PatternList::patterns) {
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
        rules,
        returns,
        builder_types: raw.semantic.builder_types,
        task_spawns: raw.semantic.task_spawns,
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
        arithmetic_methods: raw.semantic.arithmetic_methods,
        trait_methods: raw.semantic.trait_methods,
        module_aliases,
        known_paths,
    })
}

impl RustData {
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

impl LanguageLists for RustData {
    const LANGUAGE: Language = Language::Rust;

    fn blocking_calls(&self, rule: Rule) -> Option<&PatternList> {
        self.rules.blocking_calls(rule)
    }

    fn metadata_calls(&self) -> &PatternList {
        &self.rules.blocking_file_io.metadata_calls
    }

    fn extendable(&self) -> Vec<(Rule, &'static RuleOption, &PatternList)> {
        // No Rust rule reads an `extend-<list>` option yet.
        Vec::new()
    }
}

/// The rules' sections of `rules/data/rust.toml`, one struct per rule and one field per list: a
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
    pub blocking_database: Calls,
    pub cpu_bound_call: CpuBoundCall,
    pub sync_lock_across_await: SyncLockAcrossAwait,
    pub blocking_wait: Calls,
    pub nested_event_loop: Calls,
    pub unbounded_gather: UnboundedGather,
    pub spawn_in_loop: Spawns,
    pub unbounded_queue: Constructors,
    pub daemon_thread: Spawns,
    pub dangling_task: Spawns,
    pub unmanaged_executor: Constructors,
    pub retry_without_jitter: RetryWithoutJitter,
    pub missing_timeout: MissingTimeout,
    pub connection_per_operation: ConnectionPerOperation,
    pub client_per_request: ClientPerRequest,
}

impl RuleData {
    /// Every list of every section.
    pub fn all(&self) -> Vec<&PatternList> {
        vec![
            &self.blocking_sleep.calls,
            &self.blocking_http.calls,
            &self.blocking_file_io.calls,
            &self.blocking_file_io.metadata_calls,
            &self.blocking_file_io.tokio_equivalents,
            &self.blocking_subprocess.calls,
            &self.blocking_database.calls,
            &self.sync_lock_across_await.not_thread_locks,
            &self.sync_lock_across_await.rwlock_types,
            &self.blocking_wait.calls,
            &self.cpu_bound_call.calls,
            &self.nested_event_loop.calls,
            &self.unbounded_gather.join_all,
            &self.unbounded_gather.future_sets,
            &self.spawn_in_loop.spawns,
            &self.unbounded_queue.constructors,
            &self.daemon_thread.spawns,
            &self.dangling_task.spawns,
            &self.unmanaged_executor.constructors,
            &self.retry_without_jitter.sleeps,
            &self.retry_without_jitter.random_crates,
            &self.retry_without_jitter.tokio_retry_strategies,
            &self.retry_without_jitter.tokio_retry_settings,
            &self.retry_without_jitter.backon_builders,
            &self.retry_without_jitter.backoff_policies,
            &self.retry_without_jitter.backoff_randomization_setters,
            &self.missing_timeout.clients,
            &self.missing_timeout.builders,
            &self.connection_per_operation.connects,
            &self.client_per_request.clients,
        ]
    }

    crate::calls::blocking_calls!();
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BlockingFileIo {
    pub calls: PatternList,
    pub metadata_calls: PatternList,
    pub tokio_equivalents: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CpuBoundCall {
    pub calls: PatternList,
    pub offload: Vec<Offload>,
}

impl CpuBoundCall {
    pub fn offload(&self, call: &str) -> Option<&Offload> {
        self.offload.iter().find(|offload| offload.call == call)
    }
}

/// A call the fix can move into a worker thread, and how each of its arguments gets there.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Offload {
    pub call: String,
    /// In order; `&name` is a borrowed byte string, a plain name a `Copy` value.
    pub parameters: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SyncLockAcrossAwait {
    pub not_thread_locks: PatternList,
    pub rwlock_types: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnboundedGather {
    pub join_all: PatternList,
    pub future_sets: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RetryWithoutJitter {
    pub sleeps: PatternList,
    pub random_crates: PatternList,
    pub tokio_retry_strategies: PatternList,
    pub tokio_retry_settings: PatternList,
    pub backon_builders: PatternList,
    pub backoff_policies: PatternList,
    pub backoff_randomization_setters: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MissingTimeout {
    pub clients: PatternList,
    pub builders: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectionPerOperation {
    pub connects: PatternList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClientPerRequest {
    pub clients: PatternList,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_loads_and_names_only_rules() {
        let data = load(DATA_TOML).unwrap();
        assert!(data
            .rules
            .blocking_sleep
            .calls
            .matches("std::thread::sleep"));
        assert_eq!(
            data.returns["std::sync::mpsc::channel"],
            ["std::sync::mpsc::Sender", "std::sync::mpsc::Receiver"]
        );
        assert!(data.known_paths.contains("std::thread"));
    }

    #[test]
    fn offloaded_calls_are_cpu_bound_calls() {
        let data = load(DATA_TOML).unwrap();
        let cpu_bound = &data.rules.cpu_bound_call;
        assert!(!cpu_bound.offload.is_empty());
        for offload in &cpu_bound.offload {
            assert!(cpu_bound.calls.matches(&offload.call), "{}", offload.call);
        }
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
        assert!(data.arithmetic_methods.contains("saturating_mul"));
        assert!(data.task_spawns.contains("tokio::spawn"));
        // A per-item combinator also runs inline; listing it under both would be a slip.
        assert!(data
            .inline_combinators
            .is_disjoint(&data.per_item_combinators));
    }

    #[test]
    fn unknown_sections_and_lists_are_rejected() {
        let misspelt_list = DATA_TOML.replace("tokio-equivalents", "tokio-equivalent");
        assert!(load(&misspelt_list)
            .unwrap_err()
            .contains("tokio-equivalent"));
        let unknown_section = format!("{DATA_TOML}\n[unguarded-call]\ncalls = []\n");
        assert!(load(&unknown_section)
            .unwrap_err()
            .contains("unguarded-call"));
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
}
