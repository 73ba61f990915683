//! The effective settings for a file: its closest config file, with command-line overrides.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rustc_hash::{FxHashMap, FxHashSet};

/// Rule options from the config, keyed by rule and option name.
pub type RuleOptions = FxHashMap<(Rule, &'static str), OptionValue>;

use super::{ConfigFile, GuardedCall, OptionKind, OptionValue, RuleOption};
use crate::registry::{resolve_rule_set, resolve_rule_set_in, Language, Rule, RuleSet, Selector};
use crate::test_code::TestCodePolicy;

/// Directories never worth linting; `exclude` replaces this list, `extend-exclude` adds to it.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "target",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".loopguard_cache",
];

pub const DEFAULT_LIMIT: u32 = 16;
pub const DEFAULT_TIMEOUT: f64 = 30.0;

/// Rule selection given on the command line; it applies on top of every config file.
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    pub select: Option<Vec<Selector>>,
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
}

#[derive(Debug)]
pub struct Settings {
    /// The rules enabled for the files of some language (what the audit and `rules` list).
    pub rules: RuleSet,
    /// The rules enabled for each language's files: a rule default-on for one language only
    /// (`Enablement::DefaultIn`) is in the other's only when selected by name or prefix.
    python_rules: RuleSet,
    rust_rules: RuleSet,
    /// The directory relative globs refer to: the config file's, or the working directory.
    pub root: PathBuf,
    /// Relative paths handed to this type are relative to this directory.
    cwd: PathBuf,
    pub config_path: Option<PathBuf>,
    pub default_limit: u32,
    pub default_timeout: f64,
    /// The configured baseline file, resolved against the config file's directory.
    pub baseline: Option<PathBuf>,
    /// `[[guarded-calls]]`: calls that must run under a configured guard.
    pub guarded_calls: Vec<GuardedCall>,
    exclude: GlobSet,
    /// The exclude patterns when every one is a plain name (`.git`, `venv`: the default list):
    /// such a pattern matches a path exactly when it is the path's own name, so no glob runs
    /// (discovery asks this of every file and directory).
    exclude_names: Option<FxHashSet<String>>,
    per_file_ignores: Vec<(GlobSet, RuleSet)>,
    pub python: crate::calls::CallTables,
    pub rust: crate::calls::CallTables,
    /// Boolean rule options (`include-rust-fan-out`, ...), for either language.
    flags: FxHashMap<(Rule, &'static str), bool>,
    /// Rules whose `test-code` policy the config sets (`test-code`, `[rules.<name>] test-code`),
    /// sorted for the result cache's key; the others keep their declared default.
    pub test_code: BTreeMap<Rule, TestCodePolicy>,
    /// `single-task-scripts`: whether the rules that skip test code also skip single-task
    /// scripts (`crate::test_code::is_single_task_script`).
    pub single_task_scripts: TestCodePolicy,
    /// Every rule option as configured, sorted so that their order in the file does not matter:
    /// `python`, `rust` and `flags` are built from them, and the result cache's key names them.
    pub options: BTreeMap<(Rule, &'static str), OptionValue>,
    pub fixes: FixSettings,
    /// The pre-filter's compiled trigger words, shared by every file these settings govern.
    pub prefilter: crate::prefilter::Memo,
}

/// Which rules' fixes apply, and the fix-safety overrides, from `fixable`/`unfixable` and
/// `extend-safe-fixes`/`extend-unsafe-fixes`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FixSettings {
    pub fixable: RuleSet,
    pub promoted_to_safe: RuleSet,
    pub demoted_to_unsafe: RuleSet,
}

impl FixSettings {
    /// Resolved like `select`/`ignore`: the most specific selector decides, so
    /// `fixable = ["LG2"]` with `unfixable = ["LG203"]` leaves LG203 unfixable, and a rule named
    /// in both safety lists keeps its own classification unless one list names it more
    /// specifically.
    fn new(file: &ConfigFile) -> FixSettings {
        let all = [Selector::All];
        FixSettings {
            fixable: resolve_rule_set(
                Some(file.fixable.as_deref().unwrap_or(&all)),
                &[],
                &file.unfixable,
            ),
            promoted_to_safe: resolve_rule_set(
                Some(&file.extend_safe_fixes),
                &[],
                &file.extend_unsafe_fixes,
            ),
            demoted_to_unsafe: resolve_rule_set(
                Some(&file.extend_unsafe_fixes),
                &[],
                &file.extend_safe_fixes,
            ),
        }
    }
}

impl Settings {
    pub fn new(config: Option<&ConfigFile>, cli: &CliOverrides, cwd: &Path) -> Settings {
        let empty = ConfigFile::default();
        let file = config.unwrap_or(&empty);
        let select = cli.select.as_deref().or(file.select.as_deref());
        let extend_select: Vec<Selector> = file
            .extend_select
            .iter()
            .chain(&cli.extend_select)
            .cloned()
            .collect();
        let ignore: Vec<Selector> = file.ignore.iter().chain(&cli.ignore).cloned().collect();
        let rules = resolve_rule_set(select, &extend_select, &ignore);
        let python_rules =
            resolve_rule_set_in(select, &extend_select, &ignore, Some(Language::Python));
        let rust_rules = resolve_rule_set_in(select, &extend_select, &ignore, Some(Language::Rust));

        let excludes = file
            .exclude
            .clone()
            .unwrap_or_else(|| DEFAULT_EXCLUDES.iter().map(ToString::to_string).collect());
        let exclude_patterns: Vec<&String> = excludes.iter().chain(&file.extend_exclude).collect();
        let exclude = glob_set(exclude_patterns.iter().copied());
        let exclude_names = exclude_patterns
            .iter()
            .all(|pattern| is_plain_name(pattern))
            .then(|| {
                exclude_patterns
                    .iter()
                    .map(|pattern| pattern.to_string())
                    .collect()
            });
        let per_file_ignores = file
            .per_file_ignores
            .iter()
            .map(|(glob, selectors)| {
                let ignored = Rule::ALL
                    .iter()
                    .copied()
                    .filter(|rule| selectors.iter().any(|selector| selector.matches(*rule)))
                    .collect();
                (glob_set([glob]), ignored)
            })
            .collect();
        let rule_options: RuleOptions = file
            .rule_options
            .iter()
            .map(|(rule, name, value)| ((*rule, *name), value.clone()))
            .collect();
        let python = crate::calls::CallTables::new(crate::python::data::data(), &rule_options);
        let rust = crate::calls::CallTables::new(crate::rust::data::data(), &rule_options);
        let flags = rule_options
            .iter()
            .filter_map(|(&key, value)| match value {
                OptionValue::Bool(flag) => Some((key, *flag)),
                OptionValue::Patterns(_) => None,
            })
            .collect();

        Settings {
            rules,
            python_rules,
            rust_rules,
            root: config
                .map(|config| config.directory().to_path_buf())
                .unwrap_or_else(|| cwd.to_path_buf()),
            cwd: cwd.to_path_buf(),
            config_path: config.map(|config| config.path.clone()),
            default_limit: file.default_limit.unwrap_or(DEFAULT_LIMIT),
            default_timeout: file.default_timeout.unwrap_or(DEFAULT_TIMEOUT),
            baseline: file
                .baseline
                .as_ref()
                .map(|path| file.directory().join(path)),
            guarded_calls: file.guarded_calls.clone(),
            exclude,
            exclude_names,
            per_file_ignores,
            python,
            rust,
            flags,
            fixes: FixSettings::new(file),
            options: rule_options.into_iter().collect(),
            test_code: test_code_policies(file),
            single_task_scripts: file.single_task_scripts.unwrap_or(TestCodePolicy::Skip),
            prefilter: crate::prefilter::Memo::default(),
        }
    }

    /// Whether `rule` looks at test code: its own `test-code`, else the top-level one, else the
    /// rule's declared default.
    pub fn test_code_policy(&self, rule: Rule) -> TestCodePolicy {
        self.test_code
            .get(&rule)
            .copied()
            .unwrap_or(rule.meta().test_code)
    }

    /// A boolean option of a rule; `false` unless the config sets it.
    pub fn flag(&self, rule: Rule, option: &RuleOption) -> bool {
        debug_assert!(
            option.kind == OptionKind::Bool && crate::calls::declares(rule, option),
            "{} has no boolean option {}",
            rule.code(),
            option.name
        );
        self.flags
            .get(&(rule, option.name))
            .copied()
            .unwrap_or(false)
    }

    /// Whether `path` (a file or directory) matches `exclude`/`extend-exclude`, by its path
    /// relative to the config's directory or by its own name.
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        if let Some(names) = &self.exclude_names {
            return path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| names.contains(name));
        }
        let relative = self.relative_to_root(path);
        self.exclude.is_match(&relative)
            || path
                .file_name()
                .is_some_and(|name| self.exclude.is_match(Path::new(name)))
    }

    /// Globs are written relative to the config file's directory, whatever directory the
    /// linted path was given relative to.
    fn relative_to_root<'p>(&self, path: &'p Path) -> Cow<'p, Path> {
        crate::discover::relative_to(path, &self.cwd, &self.root)
            .unwrap_or_else(|absolute| absolute)
    }

    /// `path` relative to the root, when it lies below it: where a Python project's imports
    /// start.
    pub fn below_root<'p>(&self, path: &'p Path) -> Option<Cow<'p, Path>> {
        crate::discover::relative_to(path, &self.cwd, &self.root).ok()
    }

    /// Whether the file at `path` is test code as a whole, by its path below the root (so that
    /// a checkout that itself lies in a `test` directory is not all test code).
    pub fn is_test_file(&self, path: &Path, language: crate::registry::Language) -> bool {
        crate::test_code::is_test_file(&self.relative_to_root(path), language)
    }

    /// The rules enabled for a language's files, before `per-file-ignores`.
    pub fn rules_in(&self, language: Language) -> RuleSet {
        match language {
            Language::Python => self.python_rules,
            Language::Rust => self.rust_rules,
        }
    }

    /// The rules enabled for one file, after `per-file-ignores`.
    pub fn rules_for(&self, path: &Path, language: Language) -> RuleSet {
        let mut rules = self.rules_in(language);
        // Asked for every file, often more than once: most configs have no per-file ignores.
        if self.per_file_ignores.is_empty() {
            return rules;
        }
        let relative = self.relative_to_root(path);
        for (globs, ignored) in &self.per_file_ignores {
            let matches = globs.is_match(&relative)
                || path
                    .file_name()
                    .is_some_and(|name| globs.is_match(Path::new(name)));
            if matches {
                for rule in ignored.iter() {
                    rules.remove(rule);
                }
            }
        }
        rules
    }
}

/// A pattern without glob syntax or separators, which only a path's own name can match.
fn is_plain_name(pattern: &str) -> bool {
    !matches!(pattern, "" | "." | "..")
        && !pattern.contains(['*', '?', '[', ']', '{', '}', '\\', '/'])
}

fn glob_set<'g>(globs: impl IntoIterator<Item = &'g String>) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        // Globs were validated when the config was read.
        if let Ok(glob) = Glob::new(glob) {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// The policies the config sets: the top-level `test-code` for every rule that runs on code
/// (tool diagnostics always look at it), then each rule's own.
fn test_code_policies(file: &ConfigFile) -> BTreeMap<Rule, TestCodePolicy> {
    let mut policies = BTreeMap::new();
    if let Some(policy) = file.test_code {
        for rule in Rule::ALL.iter().filter(|rule| !rule.meta().is_tool_code()) {
            policies.insert(*rule, policy);
        }
    }
    policies.extend(file.rule_test_code.iter().copied());
    policies
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> Settings {
        let config = ConfigFile::parse(Path::new("/project/loopguard.toml"), toml)
            .unwrap()
            .unwrap();
        Settings::new(Some(&config), &CliOverrides::default(), Path::new("/cwd"))
    }

    #[test]
    fn test_code_policy_is_the_rule_s_own_then_the_top_level_then_the_default() {
        let defaults = settings("");
        assert_eq!(
            defaults.test_code_policy(Rule::BlockingSleep),
            TestCodePolicy::Skip
        );
        assert_eq!(
            defaults.test_code_policy(Rule::UnawaitedCoroutine),
            TestCodePolicy::Check
        );
        let configured =
            settings("test-code = \"check\"\n[rules.blocking-http]\ntest-code = \"skip\"\n");
        assert_eq!(
            configured.test_code_policy(Rule::BlockingSleep),
            TestCodePolicy::Check
        );
        assert_eq!(
            configured.test_code_policy(Rule::BlockingHttp),
            TestCodePolicy::Skip
        );
        let everything_skipped = settings("test-code = \"skip\"\n");
        assert_eq!(
            everything_skipped.test_code_policy(Rule::UnawaitedCoroutine),
            TestCodePolicy::Skip
        );
        // Tool diagnostics are about the file, not the code: a parse error is one in a test too.
        assert_eq!(
            everything_skipped.test_code_policy(Rule::ParseError),
            TestCodePolicy::Check
        );
    }

    #[test]
    fn defaults_exclude_virtualenvs_but_not_sources() {
        let settings = settings("");
        assert!(settings.is_excluded(Path::new("/project/.venv")));
        assert!(settings.is_excluded(Path::new("/project/sub/node_modules")));
        assert!(!settings.is_excluded(Path::new("/project/app/main.py")));
    }

    #[test]
    fn boolean_rule_options_are_flags_for_both_languages() {
        let settings = settings(
            "[rules.unbounded-gather]\ninclude-opaque-collections = true\ninclude-rust-fan-out = false\n",
        );
        use crate::rules::unbounded_gather::INCLUDE_RUST_FAN_OUT;
        use crate::rules::INCLUDE_OPAQUE_COLLECTIONS;
        assert!(settings.flag(Rule::UnboundedGather, &INCLUDE_OPAQUE_COLLECTIONS));
        assert!(!settings.flag(Rule::UnboundedGather, &INCLUDE_RUST_FAN_OUT));
    }

    #[test]
    fn plain_names_match_a_path_by_its_own_name_as_their_globs_do() {
        for toml in [
            "",
            "extend-exclude = [\"gen\"]\n",
            "extend-exclude = [\"g?n\"]\n",
        ] {
            let settings = settings(toml);
            assert_eq!(
                settings.exclude_names.is_some(),
                !toml.contains('?'),
                "{toml}"
            );
            let mut globs_only = self::settings(toml);
            globs_only.exclude_names = None;
            for path in [
                "/project/gen",
                "/project/src/gen",
                "/project/gen.py",
                "/project/gen/a.py",
                "/project/venv",
                "/elsewhere/.git",
                "/project/src/build/x.py",
                "/project",
            ] {
                let path = Path::new(path);
                assert_eq!(
                    settings.is_excluded(path),
                    globs_only.is_excluded(path),
                    "{toml} {path:?}"
                );
            }
        }
    }

    #[test]
    fn extend_exclude_matches_relative_paths() {
        let settings = settings("extend-exclude = [\"gen/*.py\"]\n");
        assert!(settings.is_excluded(Path::new("/project/gen/a.py")));
        assert!(!settings.is_excluded(Path::new("/project/src/gen.py")));
        assert!(settings.is_excluded(Path::new("/project/.git")));
    }

    #[test]
    fn per_file_ignores_remove_rules_for_matching_files() {
        let settings = settings("[per-file-ignores]\n\"tests/*.py\" = [\"LG2\"]\n");
        assert!(!settings
            .rules_for(Path::new("/project/tests/t.py"), Language::Python)
            .contains(Rule::BlockingSleep));
        assert!(settings
            .rules_for(Path::new("/project/app.py"), Language::Python)
            .contains(Rule::BlockingSleep));
    }

    #[test]
    fn fix_settings_resolve_like_select() {
        let settings = settings(
            "fixable = [\"LG2\"]\nunfixable = [\"LG203\"]\nextend-safe-fixes = [\"LG2\"]\nextend-unsafe-fixes = [\"LG201\", \"LG2\"]\n",
        );
        assert!(settings.fixes.fixable.contains(Rule::BlockingSleep));
        assert!(!settings.fixes.fixable.contains(Rule::BlockingFileIo));
        assert!(!settings.fixes.fixable.contains(Rule::NestedEventLoop));
        assert!(settings
            .fixes
            .demoted_to_unsafe
            .contains(Rule::BlockingSleep));
        assert!(!settings
            .fixes
            .promoted_to_safe
            .contains(Rule::BlockingSleep));
        assert!(
            !settings.fixes.promoted_to_safe.contains(Rule::BlockingHttp),
            "a tie changes nothing"
        );
        assert!(!settings
            .fixes
            .demoted_to_unsafe
            .contains(Rule::BlockingHttp));
        let defaults = super::Settings::new(None, &CliOverrides::default(), Path::new("."));
        assert!(defaults.fixes.fixable.contains(Rule::NestedEventLoop));
        assert!(!defaults
            .fixes
            .promoted_to_safe
            .contains(Rule::NestedEventLoop));
    }

    #[test]
    fn cli_select_overrides_config_select() {
        let config = ConfigFile::parse(Path::new("loopguard.toml"), "select = [\"LG201\"]\n")
            .unwrap()
            .unwrap();
        let cli = CliOverrides {
            select: Some(vec![Selector::Rule(Rule::BlockingHttp)]),
            ..CliOverrides::default()
        };
        let settings = Settings::new(Some(&config), &cli, Path::new("."));
        assert!(settings.rules.contains(Rule::BlockingHttp));
        assert!(!settings.rules.contains(Rule::BlockingSleep));
    }

    #[test]
    fn a_rule_default_in_one_language_is_opt_in_for_the_other() {
        // LG102 held its precision on unseen Rust code only; LG201 on Python only.
        let defaults = settings("");
        let python = defaults.rules_for(Path::new("/project/app.py"), Language::Python);
        let rust = defaults.rules_for(Path::new("/project/src/main.rs"), Language::Rust);
        assert!(rust.contains(Rule::SpawnInLoop) && !python.contains(Rule::SpawnInLoop));
        assert!(python.contains(Rule::BlockingSleep) && !rust.contains(Rule::BlockingSleep));
        assert!(defaults.rules.contains(Rule::SpawnInLoop));
        // Opt-in everywhere: only a selection turns it on.
        assert!(
            !python.contains(Rule::TransitiveBlockingCall)
                && !rust.contains(Rule::TransitiveBlockingCall)
        );

        // Naming the rule (or its prefix) selects it for both languages; `pedantic` selects the
        // opt-in side.
        for select in [
            "select = [\"LG102\"]\n",
            "extend-select = [\"LG1\"]\n",
            "extend-select = [\"pedantic\"]\n",
        ] {
            let selected = settings(select);
            assert!(
                selected
                    .rules_for(Path::new("/project/app.py"), Language::Python)
                    .contains(Rule::SpawnInLoop),
                "{select}"
            );
        }
        let ignored = settings("ignore = [\"LG102\"]\n");
        assert!(!ignored
            .rules_for(Path::new("/project/src/main.rs"), Language::Rust)
            .contains(Rule::SpawnInLoop));
    }
}
