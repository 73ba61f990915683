//! rustc-like diagnostics rendered by miette: code and message, the source snippet with the
//! span labelled, notes pointing at related code, and the help line.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};

use rustc_hash::FxHashMap;

use super::{Finding, RenderOptions};
use crate::registry::{Language, Severity};
use crate::source::SourceText;

/// Lets miette read snippets from the shared source without copying it.
struct SharedSource(Arc<SourceText>);

impl SourceCode for SharedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.0
            .text
            .as_str()
            .read_span(span, context_lines_before, context_lines_after)
    }
}

struct Rendered<'f> {
    finding: &'f Finding<'f>,
    source: Option<NamedSource<SharedSource>>,
    help: Option<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.diagnostic.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.source.is_none() {
            // No snippet to show the file name in: say which file it is, and where when the
            // file has text (a line too long to draw).
            f.write_str(&self.finding.display_path)?;
            if self.finding.report.source.is_some() {
                let start = &self.finding.start;
                write!(f, ":{}:{}", start.row, start.column)?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.finding.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

fn span(range: ruff_text_size::TextRange) -> SourceSpan {
    SourceSpan::new(range.start().to_usize().into(), range.len().to_usize())
}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let rule = self.finding.diagnostic.rule;
        let fixable = if self.finding.is_fixable() {
            " [*]"
        } else {
            ""
        };
        Some(Box::new(format!(
            "{} {}{fixable}",
            rule.code(),
            rule.name()
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.diagnostic.rule.meta().severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let diagnostic = self.finding.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(None, span(diagnostic.range));
        let notes = diagnostic.notes.iter().filter_map(|note| {
            Some(LabeledSpan::new_with_span(
                Some(note.message.clone()),
                span(note.range?),
            ))
        });
        Some(Box::new(std::iter::once(primary).chain(notes)))
    }
}

pub fn render(
    findings: &[Finding],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let theme = match (options.unicode, options.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, _) => GraphicalTheme::none(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(120)
        .with_links(false)
        .with_context_lines(1);
    let groups = root_cause_groups(findings);
    let mut rendered_text = String::new();
    for (position, finding) in findings.iter().enumerate() {
        let diagnostic = finding.diagnostic;
        let unranged_notes = (0..diagnostic.notes.len())
            .filter(|index| diagnostic.notes[*index].range.is_none())
            .map(|index| format!("note: {}", finding.note_text(index)));
        let help = diagnostic
            .help
            .iter()
            .cloned()
            .chain(unranged_notes)
            .reduce(|help, note| format!("{help}\n{note}"));
        let rendered = Rendered {
            finding,
            source: finding
                .report
                .source()
                .filter(|source| snippet_lines_fit(&source.text, diagnostic))
                .map(|source| {
                    NamedSource::new(&finding.display_path, SharedSource(source)).with_language(
                        match finding.report.language {
                            Language::Python => "python",
                            Language::Rust => "rust",
                        },
                    )
                }),
            help,
        };
        rendered_text.clear();
        // The renderer is not ours: should it fail or panic on some text, the finding is still
        // printed, as one line, and the run goes on.
        let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handler.render_report(&mut rendered_text, &rendered)
        }));
        if !matches!(drawn, Ok(Ok(()))) {
            rendered_text = format!("{}: {}\n", finding.display_path, diagnostic.message);
        }
        out.write_all(rendered_text.as_bytes())?;
        if let Some((cause, chains)) = groups.get(&position) {
            writeln!(
                out,
                "  = {chains} LG208 chains end in {cause}: one fix there fixes them all"
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The blocking calls that more than one chain ends in, each at the position of its last
/// chain in `findings`: (root cause as shown, number of chains).
fn root_cause_groups(findings: &[Finding]) -> FxHashMap<usize, (String, usize)> {
    let mut by_cause: FxHashMap<String, (usize, usize)> = FxHashMap::default();
    for (position, finding) in findings.iter().enumerate() {
        if let Some(cause) = finding.root_cause() {
            let entry = by_cause.entry(cause).or_insert((position, 0));
            *entry = (position, entry.1 + 1);
        }
    }
    by_cause
        .into_iter()
        .filter(|(_, (_, chains))| *chains > 1)
        .map(|(cause, (last, chains))| (last, (cause, chains)))
        .collect()
}

/// Lines longer than this (minified or generated code) are not drawn: the snippet would be
/// unreadable, and miette cannot pad past column 65,535 (it panics).
const MAX_SNIPPET_LINE: usize = 4_096;

/// Whether every line a finding's snippet would show is short enough to draw.
fn snippet_lines_fit(text: &str, diagnostic: &crate::diagnostic::Diagnostic) -> bool {
    let ranges = std::iter::once(diagnostic.range)
        .chain(diagnostic.notes.iter().filter_map(|note| note.range));
    ranges.into_iter().all(|range| {
        let start = range.start().to_usize().min(text.len());
        let end = range.end().to_usize().clamp(start, text.len());
        let line_start = text[..start]
            .rfind(['\n', '\r'])
            .map_or(0, |index| index + 1);
        let line_end = text[end..]
            .find(['\n', '\r'])
            .map_or(text.len(), |index| end + index);
        line_end - line_start <= MAX_SNIPPET_LINE
    })
}
