use std::io::{IsTerminal, Write};

use std::sync::Arc;

use super::{CheckArgs, ColorChoice, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::config::{CliOverrides, ConfigFile};
use crate::discover::{discover, ConfigSource, SettingsResolver};
use crate::fix::{FileFix, FixRequest, MAX_PASSES};
use crate::lint::{lint_and_fix_all, FileReport};
use crate::output::{self, RenderOptions};
use crate::registry::{Rule, Selector};

pub fn run(args: &CheckArgs) -> u8 {
    match check(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

fn selectors(option: &str, values: &[String]) -> Result<Vec<Selector>, String> {
    values
        .iter()
        .map(|value| Selector::parse(value).map_err(|message| format!("--{option}: {message}")))
        .collect()
}

fn check(args: &CheckArgs) -> Result<u8, String> {
    let cwd = std::env::current_dir()
        .map_err(|error| format!("cannot read the working directory: {error}"))?;
    let cli = CliOverrides {
        select: args
            .select
            .as_deref()
            .map(|values| selectors("select", values))
            .transpose()?,
        extend_select: selectors("extend-select", &args.extend_select)?,
        ignore: selectors("ignore", &args.ignore)?,
    };
    let source = if args.isolated {
        ConfigSource::Isolated
    } else if let Some(path) = &args.config {
        match ConfigFile::load(&cwd.join(path)).map_err(|error| error.to_string())? {
            Some(config) => ConfigSource::Explicit(Box::new(config)),
            None => return Err(format!("{}: no [tool.loopguard] table", path.display())),
        }
    } else {
        ConfigSource::Hierarchical
    };
    let resolver = Arc::new(SettingsResolver::new(source, cli, cwd.clone()));
    let discovery = discover(&args.paths, &resolver).map_err(|error| error.to_string())?;

    let mut stdout = std::io::stdout().lock();
    if args.show_files {
        for file in &discovery.files {
            writeln!(stdout, "{}", output::display_path(&file.path, &cwd))
                .map_err(|error| error.to_string())?;
        }
        return Ok(EXIT_CLEAN);
    }

    let fix_request = (args.fix || args.fix_only || args.diff).then(|| FixRequest {
        unsafe_fixes: args.unsafe_fixes,
        write: !args.diff,
        roots: args
            .paths
            .iter()
            .filter_map(|path| std::fs::canonicalize(cwd.join(path)).ok())
            .collect(),
    });
    let reports = lint_and_fix_all(discovery, args.jobs.map(usize::from), fix_request.as_ref())?;
    warn_not_converged(&reports, &cwd);
    let internal_error = reports.iter().any(|report| report.has_internal_error());
    let write_error = |error: std::io::Error| format!("cannot write output: {error}");
    if args.diff {
        let has_diff = match write_diffs(args, &reports, &cwd, &mut stdout) {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => true,
            other => other.map_err(write_error)?,
        };
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
    let mut findings = output::findings_with(&reports, &cwd, args.unsafe_fixes);
    if args.fix_only {
        // Only what kept a fix from being applied; the remaining findings are not the point.
        findings.retain(|finding| finding.diagnostic.rule == Rule::FixError);
    }

    let is_terminal = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color,
    };
    let options = RenderOptions {
        format: args.output_format,
        color,
        // NO_COLOR and pipes get plain ASCII: no colour and no box-drawing characters.
        unicode: color,
    };
    let result = write_results(args, &findings, fixed, &options, &mut stdout);
    match result {
        // `loopguard check | head` is not an error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.map_err(write_error)?,
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
    }
    stdout.flush()?;
    // A fix that cannot be applied is as much a reason to fail CI as one that can.
    Ok(would_fix > 0 || fix_errors > 0)
}

fn write_results(
    args: &CheckArgs,
    findings: &[output::Finding],
    fixed: usize,
    options: &RenderOptions,
    stdout: &mut dyn Write,
) -> std::io::Result<()> {
    if args.statistics {
        output::statistics(findings, args.output_format, stdout)?;
    } else {
        output::render(findings, options, stdout)?;
    }
    if !args.quiet {
        let summary = if args.fix_only {
            let noun = if fixed == 1 { "problem" } else { "problems" };
            format!("Fixed {fixed} {noun}.")
        } else {
            output::summary(findings, fixed)
        };
        if args.output_format.is_machine_readable() {
            eprintln!("{summary}");
        } else {
            writeln!(stdout, "{summary}")?;
        }
    }
    stdout.flush()
}
