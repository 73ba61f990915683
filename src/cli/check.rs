use std::io::{IsTerminal, Write};

use super::{CheckArgs, ColorChoice, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::baseline::Baseline;
use crate::fix::{FileFix, FixRequest, MAX_PASSES};
use crate::lint::{lint_and_fix_all, FileReport};
use crate::output::{self, Finding, RenderOptions};
use crate::registry::Rule;

pub fn run(args: &CheckArgs) -> u8 {
    match check(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

fn check(args: &CheckArgs) -> Result<u8, String> {
    if args.add_noqa {
        return super::add_noqa::run(args);
    }
    let fixing = args.fix || args.fix_only || args.diff;
    // A fix run rewrites files as it goes: it neither reads nor fills the cache.
    let discovered = args.lint.discover(!fixing && !args.show_files)?;
    let cwd = discovered.cwd.clone();
    let mut terminal = std::io::stdout().lock();
    // `--output-file`: the report is collected here and written to the file in one piece.
    let mut report_file = Vec::new();
    let stdout: &mut dyn Write = if args.output_file.is_some() {
        &mut report_file
    } else {
        &mut terminal
    };
    if args.show_files {
        for file in &discovered.discovery.files {
            writeln!(stdout, "{}", output::display_path(&file.path, &cwd))
                .map_err(|error| error.to_string())?;
        }
        return Ok(EXIT_CLEAN);
    }
    let baseline_path = args
        .baseline
        .clone()
        .or_else(|| discovered.root_settings.baseline.clone());
    let baseline = baseline_path.as_deref().map(Baseline::load).transpose()?;

    let fix_request = fixing.then(|| FixRequest {
        unsafe_fixes: args.unsafe_fixes,
        write: !args.diff,
        roots: args
            .lint
            .paths
            .iter()
            .filter_map(|path| std::fs::canonicalize(cwd.join(path)).ok())
            .collect(),
    });
    let reports = match &fix_request {
        Some(request) => lint_and_fix_all(
            discovered.discovery,
            args.lint.jobs.map(usize::from),
            Some(request),
        )?,
        None => args
            .lint
            .lint_discovered(discovered.discovery, discovered.cache, &cwd)?,
    };
    warn_not_converged(&reports, &cwd);
    let internal_error = reports.iter().any(|report| report.has_internal_error());
    if args.diff {
        let has_diff = match write_diffs(args, &reports, &cwd, stdout) {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => true,
            other => other.map_err(|error| format!("cannot write output: {error}"))?,
        };
        if let Some(path) = &args.output_file {
            super::output_file::write_atomically(path, &report_file)?;
        }
        return Ok(if internal_error {
            EXIT_ERROR
        } else if has_diff {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        });
    }
    let fixed: usize = reports
        .iter()
        .filter_map(|report| report.fix.as_ref())
        .map(FileFix::count)
        .sum();
    let mut all_findings = output::findings_with(&reports, &cwd, args.unsafe_fixes);
    if args.fix_only {
        // Only what kept a fix from being applied; the remaining findings are not the point.
        all_findings.retain(|finding| finding.diagnostic.rule == Rule::FixError);
    }
    let (findings, stale) = match (&baseline, &baseline_path) {
        (Some(baseline), Some(path)) => {
            let matched = baseline.split(&all_findings, path, &cwd);
            let stale = matched.stale.len();
            let new = all_findings
                .iter()
                .zip(matched.is_new)
                .filter(|(_, is_new)| *is_new)
                .map(|(finding, _)| finding.clone())
                .collect::<Vec<Finding>>();
            (new, Some(stale))
        }
        _ => (all_findings, None),
    };

    let is_terminal = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color && args.output_file.is_none(),
    };
    let options = RenderOptions {
        format: args.output_format,
        cwd: cwd.clone(),
        color,
        // NO_COLOR and pipes get plain ASCII: no colour and no box-drawing characters.
        unicode: color,
    };
    let outcome = Outcome {
        fixed,
        stale_baseline_entries: stale,
    };
    match write_results(args, &findings, &reports, &outcome, &options, stdout) {
        // `loopguard check | head` is not an error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.map_err(|error| format!("cannot write output: {error}"))?,
    }
    if let Some(path) = &args.output_file {
        super::output_file::write_atomically(path, &report_file)?;
    }

    Ok(if internal_error {
        EXIT_ERROR
    } else if findings.is_empty() || args.exit_zero {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}

/// A file whose fixes never settle points at a rule bug: say which rules, once per file.
fn warn_not_converged(reports: &[FileReport], cwd: &std::path::Path) {
    for report in reports {
        let Some(fix) = &report.fix else { continue };
        if fix.not_converged.is_empty() {
            continue;
        }
        let rules: Vec<String> = fix
            .not_converged
            .iter()
            .map(|rule| format!("{} ({})", rule.code(), rule.name()))
            .collect();
        eprintln!(
            "warning: fixes for {} did not settle after {MAX_PASSES} passes; these rules kept producing edits: {} — please report this",
            output::display_path(&report.path, cwd),
            rules.join(", ")
        );
    }
}

/// `--diff`: a unified diff per changed file on stdout, problems on stderr. Whether anything
/// would change or could not be fixed (LG005).
fn write_diffs(
    args: &CheckArgs,
    reports: &[FileReport],
    cwd: &std::path::Path,
    stdout: &mut dyn Write,
) -> std::io::Result<bool> {
    let mut would_fix = 0;
    let mut fix_errors = 0;
    // Files the fixes make depend on the runtime shim.
    let mut shim_files = 0;
    for report in reports {
        let Some(fix) = &report.fix else { continue };
        let Some(fixed) = &report.source else {
            continue;
        };
        let path = output::display_path(&report.path, cwd);
        let diff = similar::TextDiff::from_lines(fix.original.as_str(), fixed.text.as_str());
        write!(
            stdout,
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&path, &path)
                .missing_newline_hint(true)
        )?;
        writeln!(stdout)?;
        would_fix += fix.count();
        if crate::fix::adds_shim_dependency(&fix.original, &fixed.text) {
            shim_files += 1;
        }
    }
    for finding in output::findings(reports, cwd) {
        if finding.diagnostic.rule == Rule::FixError {
            fix_errors += 1;
            eprintln!(
                "{}: {} {}",
                finding.display_path,
                finding.diagnostic.rule.code(),
                finding.diagnostic.message
            );
        }
    }
    if !args.quiet {
        let noun = if would_fix == 1 {
            "problem"
        } else {
            "problems"
        };
        eprintln!("Would fix {would_fix} {noun}.");
        if shim_files > 0 {
            let files = if shim_files == 1 { "file" } else { "files" };
            eprintln!("The fixes in {shim_files} {files} add a dependency on loopguard-shim (runtime-shim/: the `loopguard-shim` Python package or Rust crate).");
        }
    }
    stdout.flush()?;
    // A fix that cannot be applied is as much a reason to fail CI as one that can.
    Ok(would_fix > 0 || fix_errors > 0)
}

/// Machine-readable output on stdout stays parseable, and a report written to a file leaves the
/// summary to the terminal.
fn summary_to_stderr(args: &CheckArgs) -> bool {
    args.output_format.is_machine_readable() || args.output_file.is_some()
}

/// What the run did besides finding things, for the summary lines.
struct Outcome {
    fixed: usize,
    stale_baseline_entries: Option<usize>,
}

fn write_results(
    args: &CheckArgs,
    findings: &[Finding],
    reports: &[FileReport],
    outcome: &Outcome,
    options: &RenderOptions,
    stdout: &mut dyn Write,
) -> std::io::Result<()> {
    if args.statistics {
        output::statistics(findings, args.output_format, stdout)?;
        if let Some(stale) = outcome.stale_baseline_entries {
            let message = format!(
                "{stale} baseline {} no longer {} any finding (fixed; remove with `loopguard baseline --prune`)",
                if stale == 1 { "entry" } else { "entries" },
                if stale == 1 { "matches" } else { "match" }
            );
            if summary_to_stderr(args) {
                eprintln!("{message}");
            } else {
                writeln!(stdout, "{message}")?;
            }
        }
    } else {
        output::render(findings, reports, options, stdout)?;
    }
    if !args.quiet {
        let fixed = outcome.fixed;
        let summary = if args.fix_only {
            let noun = if fixed == 1 { "problem" } else { "problems" };
            format!("Fixed {fixed} {noun}.")
        } else {
            output::summary(findings, fixed)
        };
        if summary_to_stderr(args) {
            eprintln!("{summary}");
        } else {
            writeln!(stdout, "{summary}")?;
        }
    }
    stdout.flush()
}
