use std::io::Write;

use super::{RulesFormat, EXIT_CLEAN, EXIT_ERROR};
use crate::config::OptionKind;
use crate::registry::{Enablement, Language, Rule, RuleMeta};

pub fn list(format: RulesFormat) -> u8 {
    let mut out = anstream::stdout().lock();
    let result = match format {
        RulesFormat::Json => {
            let rules: Vec<_> = Rule::ALL
                .iter()
                .map(|rule| {
                    let meta = rule.meta();
                    serde_json::json!({
                        "code": meta.code,
                        "name": meta.name,
                        "summary": meta.summary,
                        "default": enablement_name(meta.enablement),
                        "severity": meta.severity,
                        "languages": meta.languages,
                        "fix": meta.fix.to_string(),
                        "fm043": meta.fm043,
                        "options": meta.options.iter().map(|option| option.name).collect::<Vec<_>>(),
                        "url": meta.url(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rules)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        RulesFormat::Markdown => out.write_all(markdown_table().as_bytes()),
        RulesFormat::Text => Rule::ALL.iter().try_for_each(|rule| {
            let meta = rule.meta();
            writeln!(
                out,
                "{}  {:<32} {:<8} {}",
                meta.code,
                meta.name,
                enablement_name(meta.enablement),
                meta.summary
            )
        }),
    };
    if result.is_err() {
        return EXIT_ERROR;
    }
    EXIT_CLEAN
}

/// The README's rule table: one row per rule, derived from the registry.
pub fn markdown_table() -> String {
    let mut table = String::from(
        "| Code | Name | Default | Languages | Fix | What it finds |\n|---|---|---|---|---|---|\n",
    );
    for rule in Rule::ALL {
        let meta = rule.meta();
        let languages: Vec<String> = meta.languages.iter().map(ToString::to_string).collect();
        table.push_str(&format!(
            "| {} | [{}](rules/{}) | {} | {} | {} | {} |\n",
            meta.code,
            meta.name,
            meta.doc_file_name(),
            enablement_name(meta.enablement),
            languages.join(", "),
            meta.fix,
            meta.summary.replace('|', "\\|")
        ));
    }
    table
}

/// The generated part of a rule doc's Options section: the options its `META` declares, which
/// are exactly the keys its `[rules.<name>]` table accepts. `tests/docs.rs` keeps the docs in
/// step (`LOOPGUARD_UPDATE_DOCS=1 cargo test --test docs` rewrites them).
pub fn options_markdown(meta: &RuleMeta) -> String {
    let mut text = String::from(OPTIONS_START);
    if meta.options.is_empty() {
        text.push_str(&format!("No `[rules.{}]` options.\n", meta.name));
    } else {
        text.push_str(&format!(
            "In `[rules.{}]`:\n\n| Option | Type | Default | Meaning |\n|---|---|---|---|\n",
            meta.name
        ));
        for option in meta.options {
            let (kind, default) = match option.kind {
                OptionKind::CallPatterns => ("qualified-name patterns", "`[]`"),
                OptionKind::Bool => ("boolean", "`false`"),
            };
            text.push_str(&format!(
                "| `{}` | {kind} | {default} | {} |\n",
                option.name,
                option.doc.replace('|', "\\|")
            ));
        }
    }
    text.push_str(OPTIONS_END);
    text
}

pub const OPTIONS_START: &str = "<!-- options:start (generated from the rule's declaration) -->\n";
pub const OPTIONS_END: &str = "<!-- options:end -->\n";

pub fn enablement_name(enablement: Enablement) -> &'static str {
    match enablement {
        Enablement::Default => "default",
        Enablement::OptIn => "opt-in",
        Enablement::DefaultIn(Language::Python) => "default in Python, opt-in in Rust",
        Enablement::DefaultIn(Language::Rust) => "default in Rust, opt-in in Python",
        Enablement::Always => "always",
    }
}

pub fn explain(name: &str) -> u8 {
    let Some(rule) = Rule::from_code_or_name(name) else {
        let mut message = format!("error: unknown rule `{name}`");
        let candidates = Rule::ALL.iter().flat_map(|rule| [rule.code(), rule.name()]);
        if let Some(best) = crate::did_you_mean(name, candidates) {
            message.push_str(&format!(" (did you mean `{best}`?)"));
        }
        eprintln!("{message}; see `loopguard rules`");
        return EXIT_ERROR;
    };
    let meta = rule.meta();
    let languages: Vec<String> = meta.languages.iter().map(ToString::to_string).collect();
    let mut out = anstream::stdout().lock();
    let header = format!(
        "{} {} ({}; {}; fix: {}; languages: {})\n\n",
        meta.code,
        meta.name,
        enablement_name(meta.enablement),
        meta.severity,
        meta.fix,
        languages.join(", ")
    );
    if out
        .write_all(header.as_bytes())
        .and_then(|()| out.write_all(meta.doc.as_bytes()))
        .is_err()
    {
        return EXIT_ERROR;
    }
    EXIT_CLEAN
}
