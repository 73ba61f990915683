use std::io::{IsTerminal, Write};

use super::{CheckArgs, ColorChoice, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::baseline::Baseline;
use crate::lint::lint_all;
use crate::output::{self, Finding, RenderOptions};

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
    let discovered = args.lint.discover()?;
    let cwd = discovered.cwd.clone();
    let mut stdout = std::io::stdout().lock();
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

    let reports = lint_all(discovered.discovery, args.lint.jobs.map(usize::from))?;
    let all_findings = output::findings(&reports, &cwd);
    let internal_error = reports.iter().any(|report| report.has_internal_error());
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
        ColorChoice::Auto => is_terminal && !no_color,
    };
    let options = RenderOptions {
        format: args.output_format,
        cwd: cwd.clone(),
        color,
        // NO_COLOR and pipes get plain ASCII: no colour and no box-drawing characters.
        unicode: color,
    };
    match write_results(args, &findings, &reports, stale, &options, &mut stdout) {
        // `loopguard check | head` is not an error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.map_err(|error| format!("cannot write output: {error}"))?,
    }

    Ok(if internal_error {
        EXIT_ERROR
    } else if findings.is_empty() || args.exit_zero {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}

fn write_results(
    args: &CheckArgs,
    findings: &[Finding],
    reports: &[crate::lint::FileReport],
    stale_baseline_entries: Option<usize>,
    options: &RenderOptions,
    stdout: &mut dyn Write,
) -> std::io::Result<()> {
    if args.statistics {
        output::statistics(findings, args.output_format, stdout)?;
        if let Some(stale) = stale_baseline_entries {
            let message = format!(
                "{stale} baseline {} no longer {} any finding (fixed; remove with `loopguard baseline --prune`)",
                if stale == 1 { "entry" } else { "entries" },
                if stale == 1 { "matches" } else { "match" }
            );
            if args.output_format.is_machine_readable() {
                eprintln!("{message}");
            } else {
                writeln!(stdout, "{message}")?;
            }
        }
    } else {
        output::render(findings, reports, options, stdout)?;
    }
    if !args.quiet {
        let summary = output::summary(findings);
        if args.output_format.is_machine_readable() {
            eprintln!("{summary}");
        } else {
            writeln!(stdout, "{summary}")?;
        }
    }
    stdout.flush()
}
