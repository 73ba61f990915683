//! Code actions on findings: their fixes, safe and unsafe, and the two suppression comments.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, TextEdit, WorkspaceEdit};
use ruff_text_size::{TextRange, TextSize};

use super::position::Lines;
use super::Document;
use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::registry::Language;

/// The actions for the findings that touch `requested`, in the order of the findings: each
/// fix, then the suppressions (each offered once per rule and line).
pub fn for_range(document: &Document, lines: &Lines, requested: TextRange) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    let mut offered: Vec<String> = Vec::new();
    for finding in &document.findings {
        let touches =
            finding.range.start() <= requested.end() && requested.start() <= finding.range.end();
        if !touches {
            continue;
        }
        let diagnostic = super::to_lsp_diagnostic(finding, lines, &document.uri);
        let code = finding.rule.code();
        if let Some(fix) = &finding.fix {
            let label = match fix.applicability {
                Applicability::Safe => "safe",
                Applicability::Unsafe => "unsafe: changes behaviour, review it",
                Applicability::DisplayOnly => "",
            };
            if !label.is_empty() {
                actions.push(action(
                    format!("Fix {code} ({label}): {}", fix.message),
                    document,
                    lines,
                    &fix.edits,
                    &diagnostic,
                    fix.applicability == Applicability::Safe,
                ));
            }
        }
        let on_line = line_suppression(document, finding);
        let title = format!("Suppress {code} on this line");
        let key = format!("{title}@{:?}", on_line.range);
        if !offered.contains(&key) {
            actions.push(action(
                title,
                document,
                lines,
                &[on_line],
                &diagnostic,
                false,
            ));
            offered.push(key);
        }
        let title = format!("Suppress {code} in this file");
        if !offered.contains(&title) {
            let in_file = file_suppression(document, finding);
            actions.push(action(
                title.clone(),
                document,
                lines,
                &[in_file],
                &diagnostic,
                false,
            ));
            offered.push(title);
        }
    }
    actions
}

fn action(
    title: String,
    document: &Document,
    lines: &Lines,
    edits: &[Edit],
    diagnostic: &lsp_types::Diagnostic,
    preferred: bool,
) -> CodeAction {
    let edits = edits
        .iter()
        .map(|edit| TextEdit {
            range: lines.range(edit.range),
            new_text: edit.content.clone(),
        })
        .collect();
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(document.uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    }
}

fn comment_marker(language: Language) -> &'static str {
    match language {
        Language::Python => "#",
        Language::Rust => "//",
    }
}

/// `loopguard: allow(CODE) -- reason` on a line of its own above the statement's first line,
/// indented like it: a comment there covers the statement's next code line, and a comment at
/// the end of a line could land after another comment or inside a string continuation.
fn line_suppression(document: &Document, finding: &Diagnostic) -> Edit {
    let text = document.text.as_str();
    let anchor =
        usize::from(finding.statement_start.unwrap_or(finding.range.start())).min(text.len());
    let line_start = text[..anchor].rfind(['\n', '\r']).map_or(0, |at| at + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|character| *character == ' ' || *character == '\t')
        .collect();
    let comment = format!(
        "{indent}{} loopguard: allow({}) -- reason{}",
        comment_marker(document.language),
        finding.rule.code(),
        crate::source::line_ending(text)
    );
    Edit::insertion(offset(line_start), comment)
}

/// `loopguard: allow-file(CODE) -- reason` at the top of the file, below a shebang line and a
/// Python coding declaration (which must stay on the first two lines).
fn file_suppression(document: &Document, finding: &Diagnostic) -> Edit {
    let text = document.text.as_str();
    let mut at = 0;
    for (number, line) in text.split_inclusive('\n').enumerate().take(2) {
        let trimmed = line.trim_start();
        let is_shebang = number == 0 && trimmed.starts_with("#!") && !trimmed.starts_with("#![");
        let is_coding = document.language == Language::Python
            && trimmed.starts_with('#')
            && (trimmed.contains("coding:") || trimmed.contains("coding="));
        if !(is_shebang || is_coding) {
            break;
        }
        at += line.len();
    }
    let mut comment = format!(
        "{} loopguard: allow-file({}) -- reason{}",
        comment_marker(document.language),
        finding.rule.code(),
        crate::source::line_ending(text)
    );
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        comment.insert_str(0, crate::source::line_ending(text));
    }
    Edit::insertion(offset(at), comment)
}

fn offset(at: usize) -> TextSize {
    TextSize::try_from(at).unwrap_or_default()
}
