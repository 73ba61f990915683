//! `check --add-noqa`: suppresses every current finding with a comment (see `noqa`).

use super::{CheckArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::output;

pub fn run(args: &CheckArgs) -> Result<u8, String> {
    // It rewrites files: the cache is neither read nor filled, as with `--fix`.
    let discovered = args.lint.discover(false)?;
    let cwd = discovered.cwd.clone();
    let roots: Vec<_> = args
        .lint
        .paths
        .iter()
        .filter_map(|path| std::fs::canonicalize(cwd.join(path)).ok())
        .collect();
    let (reports, outcomes) = crate::lint::add_noqa_all(
        discovered.discovery,
        args.lint.jobs.map(usize::from),
        &roots,
    )?;
    let mut added = 0;
    let mut skipped = 0;
    for (path, outcome) in &outcomes {
        added += outcome.added;
        for (rule, line, reason) in &outcome.skipped {
            skipped += 1;
            eprintln!(
                "{}:{line}: {} not suppressed: {reason}",
                output::display_path(path, &cwd),
                rule.code()
            );
        }
    }
    // What a comment cannot silence (a syntax error, an unreadable file) is still shown.
    for finding in output::findings(&reports, &cwd) {
        if finding.diagnostic.rule.meta().is_tool_code() {
            eprintln!(
                "{}:{}:{}: {} {}",
                finding.display_path,
                finding.start.row,
                finding.start.column,
                finding.diagnostic.rule.code(),
                finding.diagnostic.message
            );
        }
    }
    if !args.quiet {
        let noun = if added == 1 { "finding" } else { "findings" };
        eprintln!("Added suppression comments for {added} {noun}.");
    }
    Ok(
        if reports
            .iter()
            .any(crate::lint::FileReport::has_internal_error)
        {
            EXIT_ERROR
        } else if skipped > 0 {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        },
    )
}
