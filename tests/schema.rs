//! `loopguard.schema.json` (issue #23, item 5): the checked-in file is what the config module
//! generates, and the schema and the parser agree on what a config file may say.

use std::path::{Path, PathBuf};

use loopguard::config::schema::{json_schema, json_schema_text, SCHEMA_FILE};
use loopguard::config::ConfigFile;
use loopguard::registry::{Rule, Selector};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `LOOPGUARD_UPDATE_DOCS=1 cargo test --test schema` rewrites the file.
#[test]
fn the_checked_in_schema_is_the_generated_one() {
    let path = root().join(SCHEMA_FILE);
    let generated = json_schema_text();
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == generated {
        return;
    }
    if std::env::var_os("LOOPGUARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, generated).unwrap();
    } else {
        panic!(
            "{SCHEMA_FILE} is out of date: run `LOOPGUARD_UPDATE_DOCS=1 cargo test --test schema`"
        );
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&json_schema())
        .unwrap()
}

fn as_json(toml: &str) -> Value {
    toml_edit::de::from_str(toml).unwrap()
}

/// The schema's verdict and the parser's, for a `loopguard.toml`.
fn verdicts(toml: &str) -> (Result<(), String>, Result<(), String>) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(&as_json(toml))
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    let schema = if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    };
    let parser = ConfigFile::parse(Path::new("loopguard.toml"), toml)
        .map(|_| ())
        .map_err(|error| error.to_string());
    (schema, parser)
}

#[track_caller]
fn both_accept(toml: &str) {
    let (schema, parser) = verdicts(toml);
    assert!(schema.is_ok(), "the schema rejects:\n{toml}\n{schema:?}");
    assert!(parser.is_ok(), "the parser rejects:\n{toml}\n{parser:?}");
}

#[track_caller]
fn both_reject(toml: &str) {
    let (schema, parser) = verdicts(toml);
    assert!(schema.is_err(), "the schema accepts:\n{toml}");
    assert!(parser.is_err(), "the parser accepts:\n{toml}");
}

#[test]
fn the_readme_example_and_the_fixture_configs_are_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```toml\n# loopguard.toml (or [tool.loopguard] in pyproject.toml)\n")
        .expect("README has the configuration example");
    let body = &readme[start + "```toml\n".len()..];
    both_accept(&body[..body.find("```").unwrap()]);
    let mut configs = 0;
    for language in ["python", "rust"] {
        for entry in walk(&root().join("fixtures").join(language)) {
            if entry
                .file_name()
                .is_some_and(|name| name == "loopguard.toml")
            {
                both_accept(&std::fs::read_to_string(&entry).unwrap());
                configs += 1;
            }
        }
    }
    assert!(configs > 0);
}

fn walk(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn every_rule_option_has_its_type_in_the_schema() {
    for rule in Rule::ALL {
        let meta = rule.meta();
        for table in [meta.name, meta.code] {
            both_accept(&format!("[rules.{table}]\ntest-code = \"check\"\n"));
            both_reject(&format!("[rules.{table}]\ntest-code = \"maybe\"\n"));
            both_reject(&format!("[rules.{table}]\nno-such-option = true\n"));
            for option in meta.options {
                let (good, bad) = match option.kind {
                    loopguard::config::OptionKind::Bool => ("true", "[\"x\"]"),
                    loopguard::config::OptionKind::CallPatterns => ("[\"mylib.fetch\"]", "true"),
                };
                both_accept(&format!("[rules.{table}]\n{} = {good}\n", option.name));
                both_reject(&format!("[rules.{table}]\n{} = {bad}\n", option.name));
            }
        }
    }
}

#[test]
fn every_selector_the_schema_offers_parses() {
    let schema = json_schema();
    let values = schema["definitions"]["selector"]["enum"]
        .as_array()
        .unwrap();
    for value in values {
        let text = value.as_str().unwrap();
        assert!(Selector::parse(text).is_ok(), "`{text}` does not parse");
    }
    for rule in Rule::ALL {
        assert!(values.contains(&Value::from(rule.code())));
        assert!(values.contains(&Value::from(rule.name())));
    }
}

#[test]
fn the_schema_and_the_parser_reject_the_same_mistakes() {
    both_accept("select = [\"LG2\", \"blocking-sleep\", \"ALL\"]\ndefault-limit = 8\ndefault-timeout = 2.5\ntest-code = \"skip\"\n[per-file-ignores]\n\"tests/*.py\" = [\"LG201\"]\n[[guarded-calls]]\ncall = \"openai.*.create\"\nguards = [\"breaker\"]\n");
    for mistake in [
        "extend-selct = [\"LG305\"]\n",
        "select = [\"LG999\"]\n",
        "select = \"LG201\"\n",
        "ignore = [\"no-such-rule\"]\n",
        "default-limit = 0\n",
        "default-limit = 2.5\n",
        "default-timeout = 0\n",
        "baseline = 1\n",
        "test-code = \"maybe\"\n",
        "exclude = \"build\"\n",
        "[per-file-ignores]\n\"tests/*.py\" = [\"LG999\"]\n",
        "[[guarded-calls]]\ncall = \"openai.*.create\"\n",
        "[[guarded-calls]]\ncall = \"openai.*.create\"\nguards = []\n",
        "[[guarded-calls]]\ncall = \"openai.*.create\"\nguards = [\"breaker\"]\nwhy = \"x\"\n",
        "[rules.no-such-rule]\ntest-code = \"check\"\n",
    ] {
        both_reject(mistake);
    }
}

#[test]
fn the_tool_loopguard_table_of_pyproject_validates_the_same() {
    let pyproject = "[project]\nname = \"app\"\n\n[tool.loopguard]\nextend-select = [\"LG305\"]\n[tool.loopguard.rules.blocking-http]\nextend-blocking-calls = [\"mylib.fetch\"]\n";
    let document = as_json(pyproject);
    assert!(validator().is_valid(&document["tool"]["loopguard"]));
    assert!(ConfigFile::parse(Path::new("pyproject.toml"), pyproject)
        .unwrap()
        .is_some());
}

/// The crash hunt runs "every rule, every opt-in" with benches/everything.toml: an `include-*`
/// option added to a rule must be turned on there too, or the variant it guards is never run
/// over real code.
#[test]
fn the_crash_hunt_turns_on_every_opt_in_variant() {
    let hunt = std::fs::read_to_string(root().join("benches/crash_hunt.sh")).unwrap();
    assert!(
        hunt.contains("benches/everything.toml"),
        "crash_hunt.sh no longer reads it"
    );
    let script = std::fs::read_to_string(root().join("benches/everything.toml")).unwrap();
    let schema = json_schema();
    let definitions = schema["definitions"].as_object().unwrap();
    let mut opt_ins = Vec::new();
    for (definition, body) in definitions {
        let Some(rule) = definition.strip_prefix("rule-") else {
            continue;
        };
        for option in body["properties"].as_object().into_iter().flatten() {
            if option.0.starts_with("include-") {
                opt_ins.push((rule.to_string(), option.0.clone()));
            }
        }
    }
    assert!(opt_ins.len() >= 5, "{opt_ins:?}");
    for (rule, option) in opt_ins {
        let table = format!("[rules.{rule}]\n");
        let at = script
            .find(&table)
            .unwrap_or_else(|| panic!("everything.toml has no {table}"));
        let body = script[at + table.len()..].split("\n\n").next().unwrap();
        assert!(
            body.contains(&format!("{option} = true")),
            "everything.toml: {table} lacks `{option} = true`"
        );
    }
    for context in ["test-code = \"check\"", "single-task-scripts = \"check\""] {
        assert!(script.contains(context), "everything.toml lacks {context}");
    }
}
