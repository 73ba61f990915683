//! The docs derive from the registry; these tests fail when they drift apart.

use std::path::Path;

use loopguard::registry::Rule;

const REQUIRED_HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this bad",
    "## Example",
    "## Use instead",
    "## Fix",
    "## Options",
];

#[test]
fn every_rule_doc_has_the_required_sections() {
    for rule in Rule::ALL {
        let meta = rule.meta();
        let title = format!("# {} {}\n", meta.code, meta.name);
        assert!(
            meta.doc.starts_with(&title),
            "rules/{} must start with `{}`",
            meta.doc_file_name(),
            title.trim()
        );
        for heading in REQUIRED_HEADINGS {
            assert!(
                meta.doc.contains(heading),
                "rules/{} lacks `{heading}`",
                meta.doc_file_name()
            );
        }
    }
}

#[test]
fn every_doc_file_belongs_to_a_rule() {
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for entry in std::fs::read_dir(rules_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "md") {
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(
                Rule::ALL
                    .iter()
                    .any(|rule| rule.meta().doc_file_name() == name),
                "rules/{name} does not match any registered rule's code and name"
            );
        }
    }
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- rules-table:start -->\n")
        .expect("README has a rules-table:start marker");
    let end = readme
        .find("<!-- rules-table:end -->")
        .expect("README has a rules-table:end marker");
    let table = &readme[start + "<!-- rules-table:start -->\n".len()..end];
    assert_eq!(
        table,
        loopguard::cli::rules::markdown_table(),
        "README rule table is out of date: regenerate it with `loopguard rules --output-format markdown`"
    );
}

/// Each rule doc's Options section starts with the table generated from the options its `META`
/// declares. `LOOPGUARD_UPDATE_DOCS=1 cargo test --test docs` rewrites the tables in place.
#[test]
fn rule_doc_options_match_the_declared_options() {
    use loopguard::cli::rules::{options_markdown, OPTIONS_END, OPTIONS_START};
    let update = std::env::var_os("LOOPGUARD_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for rule in Rule::ALL {
        let meta = rule.meta();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(meta.doc_file_name());
        let doc = std::fs::read_to_string(&path).unwrap();
        let generated = options_markdown(meta);
        let current = match (doc.find(OPTIONS_START), doc.find(OPTIONS_END)) {
            (Some(start), Some(end)) if start < end => start..end + OPTIONS_END.len(),
            _ => {
                // No table yet: it goes right under the heading.
                let heading = doc
                    .find("## Options\n")
                    .expect("checked by the sections test")
                    + "## Options\n".len();
                let at = heading + usize::from(doc[heading..].starts_with('\n'));
                at..at
            }
        };
        if doc[current.clone()] == generated {
            continue;
        }
        if update {
            let mut updated = doc.clone();
            let separator = if current.is_empty() { "\n" } else { "" };
            updated.replace_range(current, &format!("{generated}{separator}"));
            std::fs::write(&path, updated).unwrap();
        } else {
            stale.push(meta.doc_file_name());
        }
    }
    assert!(
        stale.is_empty(),
        "the Options tables of {stale:?} differ from the rules' declared options: run `LOOPGUARD_UPDATE_DOCS=1 cargo test --test docs`"
    );
}
