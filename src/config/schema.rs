//! `loopguard.schema.json`: the JSON schema editors validate and complete `loopguard.toml` with
//! (taplo / Even Better TOML; see the README). It is built from what the parser itself checks
//! against: [`TOP_LEVEL_KEYS`], each rule's declared [`RuleOption`]s, [`RULE_TEST_CODE_KEY`],
//! [`GUARDED_CALL_KEYS`], [`TestCodePolicy::VALUES`] and the selectors [`Selector::parse`]
//! accepts, so it cannot list a key the parser rejects or miss one it accepts.
//! `tests/schema.rs` keeps the checked-in file in step (`LOOPGUARD_UPDATE_DOCS=1 cargo test
//! --test schema` rewrites it) and checks that the schema and the parser agree on examples.

use serde_json::{json, Map, Value};

use super::settings::{DEFAULT_LIMIT, DEFAULT_TIMEOUT};
use super::{OptionKind, GUARDED_CALL_KEYS, RULE_TEST_CODE_KEY, TOP_LEVEL_KEYS};
use crate::registry::Rule;
use crate::test_code::TestCodePolicy;

/// The file the schema is checked in as, at the repository root.
pub const SCHEMA_FILE: &str = "loopguard.schema.json";

/// The schema as the checked-in file holds it: pretty-printed, with a final newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).expect("a JSON value");
    text.push('\n');
    text
}

pub fn json_schema() -> Value {
    let mut properties = Map::new();
    for key in TOP_LEVEL_KEYS {
        let schema = top_level(key).unwrap_or_else(|| {
            panic!("config key `{key}` has no schema: add it to config::schema::top_level")
        });
        properties.insert((*key).to_string(), schema);
    }
    let mut definitions = Map::new();
    definitions.insert("selector".into(), selector());
    definitions.insert("selectors".into(), selectors());
    definitions.insert("test-code".into(), policy());
    for rule in Rule::ALL {
        definitions.insert(rule_definition_name(*rule), rule_table(*rule));
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://github.com/loopguard/loopguard/raw/main/loopguard.schema.json",
        "title": "loopguard configuration",
        "description": "loopguard.toml, .loopguard.toml, or the [tool.loopguard] table of pyproject.toml.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
        "definitions": definitions,
    })
}

/// The schema of each top-level key; `None` for a key it does not know (a test fails).
fn top_level(key: &str) -> Option<Value> {
    let selectors = |description: &str| json!({ "description": description, "$ref": "#/definitions/selectors" });
    let globs = |description: &str| {
        json!({
            "description": description,
            "type": "array",
            "items": { "type": "string", "description": "A glob, relative to this file's directory." },
        })
    };
    Some(match key {
        "select" => selectors("Rules to run, replacing the default selection: codes (LG201), prefixes (LG2), names (blocking-sleep), ALL, default or pedantic."),
        "extend-select" => selectors("Rules to run in addition to `select` (opt-in rules, say)."),
        "ignore" => selectors("Rules not to run; for each rule the most specific selector wins, and on a tie `ignore` does."),
        "fixable" => selectors("Rules whose fixes may be applied (default: all)."),
        "unfixable" => selectors("Rules whose fixes are never applied."),
        "extend-safe-fixes" => selectors("Rules whose unsafe fixes are treated as safe."),
        "extend-unsafe-fixes" => selectors("Rules whose safe fixes need --unsafe-fixes."),
        "exclude" => globs("Paths not to lint, replacing the default list (.git, .venv, target, build, ...)."),
        "extend-exclude" => globs("Paths not to lint, besides the default list."),
        "per-file-ignores" => json!({
            "description": "Rules not to run in the files a glob matches (relative to this file's directory).",
            "type": "object",
            "additionalProperties": { "$ref": "#/definitions/selectors" },
        }),
        "default-limit" => json!({
            "description": "The concurrency bound fixes suggest (LG101's gather_bounded(..., limit=N)).",
            "type": "integer",
            "minimum": 1,
            "maximum": 1_000_000,
            "default": DEFAULT_LIMIT,
        }),
        "default-timeout" => json!({
            "description": "The seconds of timeout fixes (LG502's timeout=).",
            "type": "number",
            "exclusiveMinimum": 0,
            "default": DEFAULT_TIMEOUT,
        }),
        "baseline" => json!({
            "description": "A baseline file (relative to this file's directory): findings recorded in it are not reported.",
            "type": "string",
        }),
        "guarded-calls" => guarded_calls(),
        "test-code" => json!({
            "description": "Whether every rule looks at test code (\"check\") or the load-related rules skip it (\"skip\"); a rule's own [rules.<name>] test-code wins.",
            "$ref": "#/definitions/test-code",
        }),
        "single-task-scripts" => json!({
            "description": "Whether the load-related rules look at single-task scripts (an event loop started for one task, with nothing running side by side): \"skip\" or \"check\".",
            "$ref": "#/definitions/test-code",
        }),
        "rules" => rules(),
        _ => return None,
    })
}

fn policy() -> Value {
    json!({ "type": "string", "enum": TestCodePolicy::VALUES })
}

/// Every spelling `Selector::parse` accepts for a rule, a prefix or a group, the way `ruff`'s
/// schema lists codes: what an editor offers to complete.
fn selector() -> Value {
    let mut values: Vec<String> = vec!["ALL".into(), "default".into(), "pedantic".into()];
    let mut prefixes: Vec<String> = Vec::new();
    for rule in Rule::ALL {
        let code = rule.code();
        for end in 2..code.len() {
            prefixes.push(code[..end].to_string());
        }
    }
    prefixes.sort();
    prefixes.dedup();
    values.extend(prefixes);
    values.extend(Rule::ALL.iter().map(|rule| rule.code().to_string()));
    values.extend(Rule::ALL.iter().map(|rule| rule.name().to_string()));
    json!({
        "description": "A rule code (LG201), a code prefix (LG2), a rule name (blocking-sleep), ALL, default (the default-on rules) or pedantic (the opt-in rules).",
        "type": "string",
        "enum": values,
    })
}

fn selectors() -> Value {
    json!({ "type": "array", "items": { "$ref": "#/definitions/selector" } })
}

fn guarded_calls() -> Value {
    assert_eq!(
        GUARDED_CALL_KEYS,
        ["call", "guards"],
        "config::schema::guarded_calls describes these keys"
    );
    json!({
        "description": "LG801: calls that must run under a guard (a circuit breaker, a rate limiter, a semaphore).",
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "call": {
                    "description": "A qualified-name pattern (openai.*.create; a Rust path with ::); * matches one segment.",
                    "type": "string",
                    "minLength": 1,
                },
                "guards": {
                    "description": "Names of the guards: a `with`/`async with` of one of them, a decorator, a `.call(..)`/`.run(..)` receiver, a live permit.",
                    "type": "array",
                    "items": { "type": "string", "minLength": 1 },
                    "minItems": 1,
                },
            },
            "required": GUARDED_CALL_KEYS,
            "additionalProperties": false,
        },
    })
}

/// `[rules.<name>]`, by name or code: a rule's table holds its declared options and `test-code`.
fn rules() -> Value {
    let mut properties = Map::new();
    for rule in Rule::ALL {
        let reference = json!({ "$ref": format!("#/definitions/{}", rule_definition_name(*rule)) });
        properties.insert(rule.name().to_string(), reference.clone());
        properties.insert(rule.code().to_string(), reference);
    }
    json!({
        "description": "Per-rule options, in a table named after the rule ([rules.blocking-http]) or its code ([rules.LG202]).",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

fn rule_definition_name(rule: Rule) -> String {
    format!("rule-{}", rule.name())
}

fn rule_table(rule: Rule) -> Value {
    let meta = rule.meta();
    let mut properties = Map::new();
    for option in meta.options {
        let schema = match option.kind {
            OptionKind::CallPatterns => json!({
                "description": option.doc,
                "type": "array",
                "items": { "type": "string", "minLength": 1 },
                "default": [],
            }),
            OptionKind::Bool => json!({
                "description": option.doc,
                "type": "boolean",
                "default": false,
            }),
        };
        properties.insert(option.name.to_string(), schema);
    }
    properties.insert(
        RULE_TEST_CODE_KEY.to_string(),
        json!({
            "description": "Whether this rule looks at test code, whatever the top-level test-code says.",
            "$ref": "#/definitions/test-code",
        }),
    );
    json!({
        "description": format!("{} {}: {}", meta.code, meta.name, meta.summary),
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}
