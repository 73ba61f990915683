use std::io::{self, Write};

use super::Finding;

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for finding in findings {
        let diagnostic = finding.diagnostic;
        let marker = if finding.is_fixable() { " [*]" } else { "" };
        writeln!(
            out,
            "{}:{}:{}: {}{marker} [{}] {}",
            finding.display_path,
            finding.start.row,
            finding.start.column,
            diagnostic.rule.code(),
            diagnostic.rule.name(),
            diagnostic.message
        )?;
    }
    Ok(())
}
