//! Configuration files: `loopguard.toml`, `.loopguard.toml`, or `[tool.loopguard]` in
//! `pyproject.toml`, found from each linted file's directory upward (the closest wins).
//!
//! Every key is validated against the schema below; an error names the file, the line, the key
//! and the valid values, and no file is linted with a half-read configuration.

pub mod schema;
mod settings;

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item, Table, Value};

pub use settings::{CliOverrides, FixSettings, RuleOptions, Settings};

use crate::matcher::CallPattern;
use crate::registry::{Rule, Selector};
use crate::test_code::TestCodePolicy;

/// File names searched in each directory, in order of precedence.
pub const CONFIG_FILE_NAMES: &[&str] = &["loopguard.toml", ".loopguard.toml", "pyproject.toml"];

const TOP_LEVEL_KEYS: &[&str] = &[
    "select",
    "extend-select",
    "ignore",
    "exclude",
    "extend-exclude",
    "per-file-ignores",
    "default-limit",
    "default-timeout",
    "baseline",
    "guarded-calls",
    "fixable",
    "unfixable",
    "extend-safe-fixes",
    "extend-unsafe-fixes",
    "test-code",
    "single-task-scripts",
    "rules",
];

/// The key every `[rules.<name>]` table accepts besides the rule's own options.
pub const RULE_TEST_CODE_KEY: &str = "test-code";

/// Keys of one `[[guarded-calls]]` entry.
const GUARDED_CALL_KEYS: &[&str] = &["call", "guards"];

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The value kinds a rule option can take; declared by each rule in its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A list of qualified-name patterns (`time.sleep`, `requests.*`, `std::thread::sleep`).
    CallPatterns,
    Bool,
}

impl OptionKind {
    fn describe(self) -> &'static str {
        match self {
            OptionKind::CallPatterns => {
                "a list of qualified-name patterns such as [\"mylib.fetch\", \"mylib.*.get\"]"
            }
            OptionKind::Bool => "true or false",
        }
    }
}

#[derive(Debug)]
pub struct RuleOption {
    pub name: &'static str,
    pub kind: OptionKind,
    pub doc: &'static str,
}

/// One `[[guarded-calls]]` entry: calls matching `call` must run under one of `guards`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GuardedCall {
    pub call: CallPattern,
    pub guards: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum OptionValue {
    Patterns(Vec<CallPattern>),
    Bool(bool),
}

/// One configuration file, validated.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub select: Option<Vec<Selector>>,
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub per_file_ignores: Vec<(String, Vec<Selector>)>,
    pub default_limit: Option<u32>,
    pub default_timeout: Option<f64>,
    /// A baseline file, relative to the config file's directory.
    pub baseline: Option<String>,
    pub guarded_calls: Vec<GuardedCall>,
    /// Rules whose fixes may be applied (all when unset), minus `unfixable`.
    pub fixable: Option<Vec<Selector>>,
    pub unfixable: Vec<Selector>,
    /// Rules whose unsafe fixes count as safe, and the reverse.
    pub extend_safe_fixes: Vec<Selector>,
    pub extend_unsafe_fixes: Vec<Selector>,
    pub rule_options: Vec<(Rule, &'static str, OptionValue)>,
    /// `test-code`: whether every rule looks at test code, unless its own table says.
    pub test_code: Option<TestCodePolicy>,
    /// `[rules.<name>] test-code`, per rule.
    pub rule_test_code: Vec<(Rule, TestCodePolicy)>,
    /// `single-task-scripts`: whether the load-related rules look at single-task scripts.
    pub single_task_scripts: Option<TestCodePolicy>,
}

impl ConfigFile {
    /// The directory that relative globs in this file are resolved against.
    pub fn directory(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Loads a config file. `Ok(None)` for a `pyproject.toml` without `[tool.loopguard]`.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError {
            file: path.to_path_buf(),
            line: None,
            key: None,
            message: format!("cannot read config file: {error}"),
        })?;
        ConfigFile::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Option<ConfigFile>, ConfigError> {
        let parser = Parser { path, text };
        let document = ImDocument::parse(text).map_err(|error| ConfigError {
            file: path.to_path_buf(),
            line: error.span().map(|span| parser.line(span.start)),
            key: None,
            message: format!("invalid TOML: {}", error.message()),
        })?;
        let is_pyproject = path
            .file_name()
            .is_some_and(|name| name == "pyproject.toml");
        let table = if is_pyproject {
            let Some(tool) = document.get("tool").and_then(Item::as_table_like) else {
                return Ok(None);
            };
            match tool.get("loopguard") {
                None => return Ok(None),
                Some(item) => match item.as_table() {
                    Some(table) => table,
                    None => {
                        return Err(parser.error(
                            item.span(),
                            "tool.loopguard",
                            "expected a table ([tool.loopguard])",
                        ))
                    }
                },
            }
        } else {
            document.as_table()
        };
        parser.config(table).map(Some)
    }
}

/// A string from the config with the span it came from, for error messages.
type SpannedString = (String, Option<Range<usize>>);

struct Parser<'t> {
    path: &'t Path,
    text: &'t str,
}

impl Parser<'_> {
    fn line(&self, offset: usize) -> usize {
        1 + self.text.as_bytes()[..offset.min(self.text.len())]
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count()
    }

    fn error(
        &self,
        span: Option<Range<usize>>,
        key: &str,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.path.to_path_buf(),
            line: span.map(|span| self.line(span.start)),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    fn config(&self, table: &Table) -> Result<ConfigFile, ConfigError> {
        let mut config = ConfigFile {
            path: self.path.to_path_buf(),
            ..ConfigFile::default()
        };
        for (key, item) in table.iter() {
            let span = table
                .key(key)
                .and_then(|k| k.span())
                .or_else(|| item.span());
            match key {
                "select" => config.select = Some(self.selectors(key, item)?),
                "extend-select" => config.extend_select = self.selectors(key, item)?,
                "ignore" => config.ignore = self.selectors(key, item)?,
                "fixable" => config.fixable = Some(self.selectors(key, item)?),
                "unfixable" => config.unfixable = self.selectors(key, item)?,
                "extend-safe-fixes" => config.extend_safe_fixes = self.selectors(key, item)?,
                "extend-unsafe-fixes" => config.extend_unsafe_fixes = self.selectors(key, item)?,
                "exclude" => config.exclude = Some(self.globs(key, item)?),
                "extend-exclude" => config.extend_exclude = self.globs(key, item)?,
                "per-file-ignores" => config.per_file_ignores = self.per_file_ignores(item)?,
                "default-limit" => {
                    let limit = self.integer(key, item)?;
                    if !(1..=1_000_000).contains(&limit) {
                        return Err(self.error(
                            item.span(),
                            key,
                            format!("expected an integer from 1 to 1000000, found {limit}"),
                        ));
                    }
                    config.default_limit = Some(limit as u32);
                }
                "default-timeout" => {
                    let timeout = self.number(key, item)?;
                    if !(timeout > 0.0 && timeout.is_finite()) {
                        return Err(self.error(
                            item.span(),
                            key,
                            format!("expected a positive number of seconds, found {timeout}"),
                        ));
                    }
                    config.default_timeout = Some(timeout);
                }
                "baseline" => {
                    let path = item.as_str().ok_or_else(|| {
                        self.error(
                            item.span(),
                            key,
                            format!("expected a file path string, found {}", item.type_name()),
                        )
                    })?;
                    config.baseline = Some(path.to_string());
                }
                "guarded-calls" => config.guarded_calls = self.guarded_calls(item)?,
                "test-code" => config.test_code = Some(self.test_code_policy(key, item)?),
                "single-task-scripts" => {
                    config.single_task_scripts = Some(self.test_code_policy(key, item)?)
                }
                "rules" => {
                    (config.rule_options, config.rule_test_code) = self.rule_tables(item)?;
                }
                _ => return Err(self.unknown_key(span, key, "", TOP_LEVEL_KEYS.iter().copied())),
            }
        }
        Ok(config)
    }

    fn unknown_key<'k>(
        &self,
        span: Option<Range<usize>>,
        key: &str,
        context: &str,
        valid: impl Iterator<Item = &'k str> + Clone,
    ) -> ConfigError {
        let mut message = format!("unknown key `{key}`{context}");
        if let Some(best) = crate::did_you_mean(key, valid.clone()) {
            message.push_str(&format!(" (did you mean `{best}`?)"));
        }
        let valid: Vec<_> = valid.collect();
        if valid.is_empty() {
            message.push_str("; this rule has no options");
        } else {
            message.push_str(&format!("; valid keys: {}", valid.join(", ")));
        }
        self.error(span, key, message)
    }

    fn strings(&self, key: &str, item: &Item) -> Result<Vec<SpannedString>, ConfigError> {
        let array = item.as_array().ok_or_else(|| {
            self.error(
                item.span(),
                key,
                format!("expected a list of strings, found {}", item.type_name()),
            )
        })?;
        array
            .iter()
            .map(|value| match value.as_str() {
                Some(text) => Ok((text.to_string(), value.span())),
                None => Err(self.error(
                    value.span(),
                    key,
                    format!("expected a string, found {}", value.type_name()),
                )),
            })
            .collect()
    }

    fn selectors(&self, key: &str, item: &Item) -> Result<Vec<Selector>, ConfigError> {
        self.strings(key, item)?
            .into_iter()
            .map(|(text, span)| {
                Selector::parse(&text).map_err(|message| self.error(span, key, message))
            })
            .collect()
    }

    fn globs(&self, key: &str, item: &Item) -> Result<Vec<String>, ConfigError> {
        self.strings(key, item)?
            .into_iter()
            .map(|(text, span)| match globset::Glob::new(&text) {
                Ok(_) => Ok(text),
                Err(error) => Err(self.error(
                    span,
                    key,
                    format!("invalid glob `{text}`: {}", error.kind()),
                )),
            })
            .collect()
    }

    fn per_file_ignores(&self, item: &Item) -> Result<Vec<(String, Vec<Selector>)>, ConfigError> {
        let key = "per-file-ignores";
        let table = item
            .as_table_like()
            .ok_or_else(|| self.error(item.span(), key, "expected a table of glob = [codes]"))?;
        table
            .iter()
            .map(|(glob, codes)| {
                let full_key = format!("{key}.{glob}");
                if let Err(error) = globset::Glob::new(glob) {
                    return Err(self.error(
                        codes.span(),
                        &full_key,
                        format!("invalid glob `{glob}`: {}", error.kind()),
                    ));
                }
                Ok((glob.to_string(), self.selectors(&full_key, codes)?))
            })
            .collect()
    }

    fn integer(&self, key: &str, item: &Item) -> Result<i64, ConfigError> {
        item.as_integer().ok_or_else(|| {
            self.error(
                item.span(),
                key,
                format!("expected an integer, found {}", item.type_name()),
            )
        })
    }

    fn number(&self, key: &str, item: &Item) -> Result<f64, ConfigError> {
        match item.as_value() {
            Some(Value::Integer(value)) => Ok(*value.value() as f64),
            Some(Value::Float(value)) => Ok(*value.value()),
            _ => Err(self.error(
                item.span(),
                key,
                format!("expected a number, found {}", item.type_name()),
            )),
        }
    }

    fn guarded_calls(&self, item: &Item) -> Result<Vec<GuardedCall>, ConfigError> {
        let key = "guarded-calls";
        let tables = item.as_array_of_tables().ok_or_else(|| {
            self.error(
                item.span(),
                key,
                "expected an array of tables ([[guarded-calls]] with `call` and `guards`)",
            )
        })?;
        tables
            .iter()
            .map(|table| {
                for (entry_key, value) in table.iter() {
                    if !GUARDED_CALL_KEYS.contains(&entry_key) {
                        return Err(self.unknown_key(
                            value.span(),
                            &format!("{key}.{entry_key}"),
                            " in [[guarded-calls]]",
                            GUARDED_CALL_KEYS.iter().copied(),
                        ));
                    }
                }
                let call_key = format!("{key}.call");
                let call_item = table.get("call").ok_or_else(|| {
                    self.error(table.span(), &call_key, "missing: each [[guarded-calls]] entry needs `call = \"<pattern>\"`")
                })?;
                let pattern = call_item.as_str().ok_or_else(|| {
                    self.error(
                        call_item.span(),
                        &call_key,
                        format!("expected a qualified-name pattern string, found {}", call_item.type_name()),
                    )
                })?;
                let call = CallPattern::parse(pattern).map_err(|message| {
                    self.error(call_item.span(), &call_key, format!("invalid pattern {message}"))
                })?;
                let guards_key = format!("{key}.guards");
                let guards_item = table.get("guards").ok_or_else(|| {
                    self.error(table.span(), &guards_key, "missing: each [[guarded-calls]] entry needs `guards = [\"<name>\", ...]`")
                })?;
                let guards: Vec<String> = self
                    .strings(&guards_key, guards_item)?
                    .into_iter()
                    .map(|(guard, span)| {
                        // Rust guards may be paths (`limits::API`, a type such as
                        // `tokio::sync::Semaphore`) as well as dotted fields (`self.breaker`).
                        let separator = if guard.contains("::") { "::" } else { "." };
                        let valid = !guard.is_empty()
                            && guard.split(separator).all(|segment| {
                                segment.chars().next().is_some_and(|c| c == '_' || c.is_alphabetic())
                                    && segment.chars().all(|c| c == '_' || c.is_alphanumeric())
                            });
                        if valid {
                            Ok(guard)
                        } else {
                            Err(self.error(span, &guards_key, format!("`{guard}` is not a name (expected an identifier, a dotted name such as `self.limiter` or a Rust path such as `limits::API`)")))
                        }
                    })
                    .collect::<Result<_, _>>()?;
                if guards.is_empty() {
                    return Err(self.error(guards_item.span(), &guards_key, "expected at least one guard name"));
                }
                Ok(GuardedCall { call, guards })
            })
            .collect()
    }

    fn test_code_policy(&self, key: &str, item: &Item) -> Result<TestCodePolicy, ConfigError> {
        item.as_str()
            .and_then(TestCodePolicy::parse)
            .ok_or_else(|| {
                self.error(
                    item.span(),
                    key,
                    format!(
                        "expected one of {}",
                        TestCodePolicy::VALUES
                            .iter()
                            .map(|value| format!("\"{value}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    #[allow(clippy::type_complexity)]
    fn rule_tables(
        &self,
        item: &Item,
    ) -> Result<
        (
            Vec<(Rule, &'static str, OptionValue)>,
            Vec<(Rule, TestCodePolicy)>,
        ),
        ConfigError,
    > {
        let tables = item.as_table_like().ok_or_else(|| {
            self.error(
                item.span(),
                "rules",
                "expected a table of per-rule option tables ([rules.blocking-http])",
            )
        })?;
        let mut options = Vec::new();
        let mut test_code = Vec::new();
        for (rule_key, rule_item) in tables.iter() {
            let key = format!("rules.{rule_key}");
            let rule = Rule::from_code_or_name(rule_key).ok_or_else(|| {
                let mut message = format!("unknown rule `{rule_key}`");
                let names = Rule::ALL.iter().map(|rule| rule.name());
                if let Some(best) = crate::did_you_mean(rule_key, names) {
                    message.push_str(&format!(" (did you mean `{best}`?)"));
                }
                message.push_str("; use a rule name or code, see `loopguard rules`");
                self.error(rule_item.span(), &key, message)
            })?;
            let table = rule_item
                .as_table_like()
                .ok_or_else(|| self.error(rule_item.span(), &key, "expected a table of options"))?;
            let declared = rule.meta().options;
            for (option_key, value) in table.iter() {
                let full_key = format!("{key}.{option_key}");
                if option_key == RULE_TEST_CODE_KEY {
                    test_code.push((rule, self.test_code_policy(&full_key, value)?));
                    continue;
                }
                let Some(option) = declared.iter().find(|option| option.name == option_key) else {
                    return Err(self.unknown_key(
                        value.span(),
                        &full_key,
                        &format!(" for rule {} {}", rule.code(), rule.name()),
                        declared
                            .iter()
                            .map(|option| option.name)
                            .chain([RULE_TEST_CODE_KEY]),
                    ));
                };
                options.push((
                    rule,
                    option.name,
                    self.option_value(&full_key, option.kind, value)?,
                ));
            }
        }
        Ok((options, test_code))
    }

    fn option_value(
        &self,
        key: &str,
        kind: OptionKind,
        item: &Item,
    ) -> Result<OptionValue, ConfigError> {
        let wrong_type = || self.error(item.span(), key, format!("expected {}", kind.describe()));
        match kind {
            OptionKind::Bool => item.as_bool().map(OptionValue::Bool).ok_or_else(wrong_type),
            OptionKind::CallPatterns => {
                if item.as_array().is_none() {
                    return Err(wrong_type());
                }
                self.strings(key, item)?
                    .into_iter()
                    .map(|(text, span)| {
                        CallPattern::parse(&text).map_err(|message| {
                            self.error(span, key, format!("invalid pattern {message}"))
                        })
                    })
                    .collect::<Result<_, _>>()
                    .map(OptionValue::Patterns)
            }
        }
    }
}

/// The config file of `directory` itself (not its ancestors): the first of
/// [`CONFIG_FILE_NAMES`] that exists there and configures loopguard (a `pyproject.toml` without
/// a `[tool.loopguard]` table does not).
pub fn config_file_in(directory: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    for name in CONFIG_FILE_NAMES {
        let candidate = directory.join(name);
        if candidate.is_file() {
            if let Some(config) = ConfigFile::load(&candidate)? {
                return Ok(Some(config));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> Result<Option<ConfigFile>, ConfigError> {
        ConfigFile::parse(Path::new(name), text)
    }

    #[test]
    fn reads_all_top_level_keys() {
        let config = parse(
            "loopguard.toml",
            r#"
select = ["LG2", "nested-event-loop"]
extend-select = ["LG305"]
ignore = ["LG204"]
extend-exclude = ["generated/**"]
default-limit = 8
default-timeout = 2.5
fixable = ["LG2"]
unfixable = ["LG203"]
extend-safe-fixes = ["blocking-http"]
extend-unsafe-fixes = ["LG201"]
[per-file-ignores]
"tests/*.py" = ["LG201"]
[rules.blocking-http]
extend-blocking-calls = ["mylib.fetch"]
"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.select.as_ref().unwrap().len(), 2);
        assert_eq!(config.default_limit, Some(8));
        assert_eq!(config.default_timeout, Some(2.5));
        assert_eq!(config.per_file_ignores[0].0, "tests/*.py");
        assert_eq!(config.rule_options[0].0, Rule::BlockingHttp);
        assert_eq!(config.fixable, Some(vec![Selector::Prefix("LG2".into())]));
        assert_eq!(config.unfixable, vec![Selector::Rule(Rule::BlockingFileIo)]);
        assert_eq!(
            config.extend_safe_fixes,
            vec![Selector::Rule(Rule::BlockingHttp)]
        );
        assert_eq!(
            config.extend_unsafe_fixes,
            vec![Selector::Rule(Rule::BlockingSleep)]
        );
    }

    #[test]
    fn test_code_is_read_top_level_and_per_rule() {
        let config = parse(
            "loopguard.toml",
            "test-code = \"check\"\n[rules.blocking-sleep]\ntest-code = \"skip\"\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.test_code, Some(TestCodePolicy::Check));
        assert_eq!(
            config.rule_test_code,
            vec![(Rule::BlockingSleep, TestCodePolicy::Skip)]
        );
        let error = parse("loopguard.toml", "[rules.LG208]\ntest-code = true\n").unwrap_err();
        assert_eq!(error.key.as_deref(), Some("rules.LG208.test-code"));
        assert!(
            error.message.contains("\"skip\", \"check\""),
            "{}",
            error.message
        );
    }

    #[test]
    fn fix_selectors_are_validated_like_select() {
        let error = parse("loopguard.toml", "\nunfixable = [\"LG2O1\"]\n").unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.key.as_deref(), Some("unfixable"));
        assert!(
            error.message.contains("unknown rule selector"),
            "{}",
            error.message
        );
        assert!(parse("loopguard.toml", "extend-safe-fixes = \"LG201\"\n")
            .unwrap_err()
            .message
            .contains("expected a list of strings"));
    }

    #[test]
    fn unknown_key_names_file_line_and_suggestion() {
        let error = parse(
            "loopguard.toml",
            "select = [\"LG201\"]\nextend-selct = [\"LG2\"]\n",
        )
        .unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.key.as_deref(), Some("extend-selct"));
        assert!(
            error.message.contains("did you mean `extend-select`"),
            "{}",
            error.message
        );
        assert!(error
            .to_string()
            .starts_with("loopguard.toml:2: key `extend-selct`"));
    }

    #[test]
    fn unknown_rule_code_is_an_error() {
        let error = parse("loopguard.toml", "ignore = [\"LG299\"]\n").unwrap_err();
        assert!(
            error.message.contains("unknown rule selector `LG299`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn wrong_types_and_values_are_errors() {
        assert!(parse("loopguard.toml", "default-limit = \"16\"\n")
            .unwrap_err()
            .message
            .contains("expected an integer"));
        assert!(parse("loopguard.toml", "default-limit = 0\n")
            .unwrap_err()
            .message
            .contains("from 1"));
        assert!(parse("loopguard.toml", "exclude = [\"a/[b\"]\n")
            .unwrap_err()
            .message
            .contains("invalid glob"));
        let error = parse(
            "loopguard.toml",
            "[rules.blocking-http]\nextend-blocking-calls = [\"a..b\"]\n",
        )
        .unwrap_err();
        assert!(
            error.message.contains("invalid pattern"),
            "{}",
            error.message
        );
        let error = parse("loopguard.toml", "[rules.blocking-htp]\n").unwrap_err();
        assert!(
            error.message.contains("did you mean `blocking-http`"),
            "{}",
            error.message
        );
        let error = parse(
            "loopguard.toml",
            "[rules.blocking-http]\nextend-calls = []\n",
        )
        .unwrap_err();
        assert!(
            error.message.contains("valid keys: extend-blocking-calls"),
            "{}",
            error.message
        );
    }

    #[test]
    fn guarded_calls_are_validated() {
        let config = parse(
            "loopguard.toml",
            "[[guarded-calls]]\ncall = \"openai.*.create\"\nguards = [\"breaker\", \"self.limiter\"]\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.guarded_calls.len(), 1);
        assert!(config.guarded_calls[0].call.matches("openai.chat.create"));
        assert_eq!(config.guarded_calls[0].guards, ["breaker", "self.limiter"]);

        let error = parse(
            "loopguard.toml",
            "[[guarded-calls]]\ncall = \"openai..create\"\nguards = [\"b\"]\n",
        )
        .unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.key.as_deref(), Some("guarded-calls.call"));
        assert!(
            error.message.contains("invalid pattern"),
            "{}",
            error.message
        );

        let error = parse(
            "loopguard.toml",
            "[[guarded-calls]]\ncall = \"openai.create\"\nguards = []\n",
        )
        .unwrap_err();
        assert_eq!(error.key.as_deref(), Some("guarded-calls.guards"));
        assert!(error.message.contains("at least one"), "{}", error.message);

        let error = parse(
            "loopguard.toml",
            "[[guarded-calls]]\ncall = \"a.b\"\nguard = [\"x\"]\n",
        )
        .unwrap_err();
        assert!(
            error.message.contains("did you mean `guards`"),
            "{}",
            error.message
        );

        let config = parse(
            "loopguard.toml",
            "[[guarded-calls]]\ncall = \"payments::Client::charge\"\nguards = [\"limits::API\", \"self.breaker\"]\n",
        )
        .unwrap()
        .unwrap();
        assert!(config.guarded_calls[0].call.is_rust());
        assert_eq!(
            config.guarded_calls[0].guards,
            ["limits::API", "self.breaker"]
        );
        for invalid in ["limits::", "self.limits::API", "a b"] {
            let error = parse(
                "loopguard.toml",
                &format!("[[guarded-calls]]\ncall = \"a::b\"\nguards = [\"{invalid}\"]\n"),
            )
            .unwrap_err();
            assert!(
                error.message.contains("is not a name"),
                "{invalid}: {}",
                error.message
            );
        }

        assert!(parse("loopguard.toml", "guarded-calls = 3\n")
            .unwrap_err()
            .message
            .contains("array of tables"));
    }

    #[test]
    fn malformed_toml_reports_its_line() {
        let error = parse("loopguard.toml", "select = [\"LG201\"\nignore = 3\n").unwrap_err();
        assert!(error.message.starts_with("invalid TOML"));
        assert!(error.line.is_some());
    }

    #[test]
    fn pyproject_without_tool_table_is_not_a_config() {
        assert!(parse("pyproject.toml", "[project]\nname = \"x\"\n")
            .unwrap()
            .is_none());
        let config = parse("pyproject.toml", "[tool.loopguard]\nignore = [\"LG201\"]\n")
            .unwrap()
            .unwrap();
        assert_eq!(config.ignore, vec![Selector::Rule(Rule::BlockingSleep)]);
    }
}
