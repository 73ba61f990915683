//! The rule registry: each rule's file is declared, and registered by one line of `rules!`. Each
//! rule's metadata, hooks and detectors live in the file named after it; the front ends' dispatch
//! tables, the pre-filter's words and LG208's blocking rules are derived from the hooks.

use crate::config::{OptionKind, RuleOption};
use crate::registry::RuleMeta;

// The rule files, declared outside the `rules!` call below so that rustfmt, which does not look
// into macro calls, formats them too.
pub mod blocking_database;
pub mod blocking_file_io;
pub mod blocking_http;
pub mod blocking_sleep;
pub mod blocking_subprocess;
pub mod blocking_wait;
pub mod client_per_request;
pub mod connection_per_operation;
pub mod cpu_bound_call;
pub mod daemon_thread;
pub mod dangling_task;
pub mod deprecated_get_event_loop;
pub mod deprecated_loop_policy;
pub mod fix_error;
pub mod internal_error;
pub mod loop_bound_primitive_at_import;
pub mod missing_timeout;
pub mod nested_event_loop;
pub mod parse_error;
pub mod removed_loop_argument;
pub mod retry_without_jitter;
pub mod spawn_in_loop;
pub mod sync_lock_across_await;
pub mod transitive_blocking_call;
pub mod unawaited_coroutine;
pub mod unbounded_gather;
pub mod unbounded_queue;
pub mod unclosed_client;
pub mod unguarded_call;
pub mod unlintable_file;
pub mod unmanaged_executor;
pub mod unused_suppression;

macro_rules! rules {
    ($($variant:ident => $module:ident,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn meta(self) -> &'static RuleMeta {
                match self {
                    $(Rule::$variant => &$module::META,)*
                }
            }
        }
    };
}

rules! {
    ParseError => parse_error,
    UnusedSuppression => unused_suppression,
    UnlintableFile => unlintable_file,
    InternalError => internal_error,
    FixError => fix_error,
    UnboundedGather => unbounded_gather,
    SpawnInLoop => spawn_in_loop,
    UnboundedQueue => unbounded_queue,
    BlockingSleep => blocking_sleep,
    BlockingHttp => blocking_http,
    BlockingFileIo => blocking_file_io,
    BlockingSubprocess => blocking_subprocess,
    BlockingDatabase => blocking_database,
    SyncLockAcrossAwait => sync_lock_across_await,
    BlockingWait => blocking_wait,
    TransitiveBlockingCall => transitive_blocking_call,
    CpuBoundCall => cpu_bound_call,
    DeprecatedGetEventLoop => deprecated_get_event_loop,
    NestedEventLoop => nested_event_loop,
    RemovedLoopArgument => removed_loop_argument,
    DeprecatedLoopPolicy => deprecated_loop_policy,
    LoopBoundPrimitiveAtImport => loop_bound_primitive_at_import,
    DaemonThread => daemon_thread,
    DanglingTask => dangling_task,
    UnmanagedExecutor => unmanaged_executor,
    RetryWithoutJitter => retry_without_jitter,
    MissingTimeout => missing_timeout,
    ConnectionPerOperation => connection_per_operation,
    ClientPerRequest => client_per_request,
    UnclosedClient => unclosed_client,
    UnawaitedCoroutine => unawaited_coroutine,
    UnguardedCall => unguarded_call,
}

// By code, in JSON and in the result cache alike: a code names the same rule in every version,
// where a variant's position changes as rules are added.
impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

// Borrowing the code: the cache reads it from the mapped file without a copy. A code this build
// does not know is an error, so an entry that names it is a miss, never another rule.
impl<'de> serde::Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <&str as serde::Deserialize>::deserialize(deserializer)?;
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.code() == code)
            .ok_or_else(|| {
                serde::de::Error::invalid_value(
                    serde::de::Unexpected::Str(code),
                    &"a loopguard rule code",
                )
            })
    }
}

/// The option every LG2xx rule accepts: more calls that block, in qualified-name form.
pub const EXTEND_BLOCKING_CALLS: RuleOption = RuleOption {
    name: "extend-blocking-calls",
    kind: OptionKind::CallPatterns,
    doc: "More calls to flag, as qualified names (`mylib.fetch`, `mylib.*.get`; Rust paths use `::`).",
};

/// LG203's opt-in: metadata look-ups block too.
pub const INCLUDE_METADATA_CALLS: RuleOption = RuleOption {
    name: "include-metadata-calls",
    kind: OptionKind::Bool,
    doc: "Also flag metadata look-ups (`os.path.exists`, `os.stat`, `Path.is_file`, `std::fs::metadata`, ...).",
};

/// Names or types (qualified-name patterns) whose `async with` bounds concurrency, for the
/// fan-out rules.
pub const LIMITERS: RuleOption = RuleOption {
    name: "limiters",
    kind: OptionKind::CallPatterns,
    doc: "More limiters: types (`mylib.RateLimiter`), module-level names (`app.limits.db_sem`) or spellings (`self.pool_guard`, `guard`) whose `async with`/`await x.acquire()` bounds concurrency.",
};

/// Fan-outs over collections whose size the file does not show, for the fan-out rules.
pub const INCLUDE_OPAQUE_COLLECTIONS: RuleOption = RuleOption {
    name: "include-opaque-collections",
    kind: OptionKind::Bool,
    doc: "Also flag a fan-out over a collection whose size the file does not show: an attribute (`self.handlers`), a plain call's result, a registry filled elsewhere, or (LG101) `asyncio.gather(*xs)` when the file does not show what `xs` holds. Off by default: such collections are usually code-sized (registered handlers, configured providers) or tasks started elsewhere. Parameters, awaited results, I/O and what is derived from them are data-sized and always checked.",
};

/// Functions that bound whatever coroutine they are given, for the fan-out rules.
pub const BOUNDED_WRAPPERS: RuleOption = RuleOption {
    name: "bounded-wrappers",
    kind: OptionKind::CallPatterns,
    doc: "Functions that bound the coroutines passed through them (`mylib.limited`, `throttled`): `gather(*(limited(f(x)) for x in xs))` is not flagged.",
};

/// What every rule file needs.
mod prelude {
    pub(crate) use crate::diagnostic::{quote_code, Diagnostic, Edit, Fix};
    pub(crate) use crate::python::checker::{CallSite, Checker};
    pub(crate) use crate::python::edits;
    pub(crate) use crate::registry::{
        Enablement, FixKind, Hooks, Language, Rule, RuleMeta, Severity,
    };
    pub(crate) use crate::rust::checker::{
        CallKind, CallSite as RustCallSite, Checker as RustChecker,
    };
    pub(crate) use crate::rust::data::data as rust_data;
    pub(crate) use crate::rust::edits as rust_edits;
    pub(crate) use crate::rust::facts as rust_facts;
    pub(crate) use crate::test_code::TestCodePolicy;
    pub(crate) use ruff_python_ast as ast;
    pub(crate) use ruff_text_size::Ranged;
    pub(crate) use syn::spanned::Spanned;
}

#[cfg(test)]
mod tests {
    /// A rule file declared but not registered would compile and never run.
    #[test]
    fn every_rule_file_is_registered() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let files = std::fs::read_dir(directory)
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".rs") && name != "mod.rs")
            .count();
        assert_eq!(files, super::Rule::ALL.len());
    }
}
