//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

use std::io::{self, Write};

use super::Finding;
use crate::registry::Severity;

/// Values of workflow command properties must escape these characters.
fn escape_property(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for finding in findings {
        let meta = finding.diagnostic.rule.meta();
        let command = match meta.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = finding.diagnostic.message.clone();
        if let Some(help) = &finding.diagnostic.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&finding.display_path),
            finding.start.row,
            finding.start.column,
            finding.end.row,
            finding.end.column,
            escape_property(&format!("{} {}", meta.code, meta.name)),
            escape_data(&message)
        )?;
    }
    Ok(())
}
