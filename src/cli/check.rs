use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{CheckArgs, ColorChoice, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::baseline::Baseline;
use crate::discover::{language_of, DiscoveredFile};
use crate::fix::{FileFix, FixRequest, MAX_PASSES};
use crate::lint::{lint_and_fix_all, lint_unsaved, FileReport};
use crate::output::{self, Finding, RenderOptions};
use crate::registry::Rule;
use crate::source::MAX_FILE_SIZE;

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
    let mut terminal = std::io::stdout().lock();
    // `--output-file`: the report is collected here and written to the file in one piece.
    let mut report_file = Vec::new();
    let (reports, cwd, baseline_path, stdin) = match stdin_path(args)? {
        Some(path) => {
            let linted = lint_stdin(args, path, fixing)?;
            let baseline_path = args.baseline.clone().or(linted.baseline);
            (
                vec![linted.report],
                linted.cwd,
                baseline_path,
                Some(linted.original),
            )
        }
        None => {
            // A fix run rewrites files as it goes: it neither reads nor fills the cache.
            let discovered = args.lint.discover(!fixing && !args.show_files)?;
            let cwd = discovered.cwd.clone();
            if args.show_files {
                let out = report_sink(args, &mut report_file, &mut terminal);
                for file in &discovered.discovery.files {
                    writeln!(out, "{}", output::display_path(&file.path, &cwd))
                        .map_err(|error| error.to_string())?;
                }
                return Ok(EXIT_CLEAN);
            }
            let baseline_path = args
                .baseline
                .clone()
                .or_else(|| discovered.root_settings.baseline.clone());
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
            (reports, cwd, baseline_path, None)
        }
    };
    let baseline = baseline_path.as_deref().map(Baseline::load).transpose()?;
    warn_not_converged(&reports, &cwd);
    let internal_error = reports.iter().any(|report| report.has_internal_error());
    if args.diff {
        let out = report_sink(args, &mut report_file, &mut terminal);
        let has_diff = match write_diffs(args, &reports, &cwd, out) {
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
    let mut stderr = std::io::stderr().lock();
    let findings_out: &mut dyn Write = if let (Some(original), true) = (&stdin, fixing) {
        // The fixed text is the output: an editor replaces its buffer with it. The findings go
        // to the report file, or beside it on standard error.
        let written = reports
            .iter()
            .try_for_each(|report| write_fixed_text(report, original, &mut terminal));
        match written {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.map_err(|error| format!("cannot write output: {error}"))?,
        }
        if args.output_file.is_some() {
            &mut report_file
        } else {
            &mut stderr
        }
    } else {
        report_sink(args, &mut report_file, &mut terminal)
    };
    match write_results(args, &findings, &reports, &outcome, &options, findings_out) {
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

/// Where the report goes: the `--output-file` buffer, or the terminal.
fn report_sink<'a>(
    args: &CheckArgs,
    report_file: &'a mut Vec<u8>,
    terminal: &'a mut dyn Write,
) -> &'a mut dyn Write {
    if args.output_file.is_some() {
        report_file
    } else {
        terminal
    }
}

/// The path standard input stands for, when the run lints it (`check - --stdin-filename PATH`).
fn stdin_path(args: &CheckArgs) -> Result<Option<&Path>, String> {
    let dash = args.lint.paths.iter().any(|path| path == Path::new("-"));
    match &args.stdin_filename {
        Some(path) => {
            let only_stdin =
                args.lint.paths == [Path::new("-")] || args.lint.paths == [Path::new(".")];
            if !only_stdin {
                return Err(
                    "--stdin-filename lints standard input: give `-` as the only path".into(),
                );
            }
            if args.show_files || args.lint.changed_since.is_some() {
                return Err(
                    "--stdin-filename cannot be combined with --show-files or --changed-since"
                        .into(),
                );
            }
            Ok(Some(path))
        }
        None if dash => {
            Err("`-` reads standard input: say which file it is with --stdin-filename PATH".into())
        }
        None => Ok(None),
    }
}

/// Standard input, linted as a file.
struct StdinLinted {
    report: FileReport,
    cwd: PathBuf,
    /// The baseline the configuration names.
    baseline: Option<PathBuf>,
    /// The bytes read, for `--fix` to print back when nothing was fixed.
    original: Arc<Vec<u8>>,
}

/// Lints standard input as the file at `path`.
fn lint_stdin(args: &CheckArgs, path: &Path, fixing: bool) -> Result<StdinLinted, String> {
    let cwd = std::env::current_dir()
        .map_err(|error| format!("cannot read the working directory: {error}"))?;
    let Some(language) = language_of(path, true) else {
        return Err(format!(
            "--stdin-filename {}: loopguard lints .py, .pyi and .rs files",
            path.display()
        ));
    };
    let resolver = args.lint.resolver(&cwd)?;
    let settings = resolver.for_file(path).map_err(|error| error.to_string())?;
    let root_settings = resolver
        .for_directory(Path::new("."))
        .map_err(|error| error.to_string())?;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read standard input: {error}"))?;
    let bytes = Arc::new(bytes);
    let file = DiscoveredFile {
        path: path.into(),
        language,
        settings,
        unsaved: Some(Arc::clone(&bytes)),
    };
    let request = fixing.then(|| FixRequest {
        unsafe_fixes: args.unsafe_fixes,
        write: false,
        roots: Vec::new(),
    });
    let report = lint_unsaved(file, request.as_ref())?;
    Ok(StdinLinted {
        report,
        cwd,
        baseline: root_settings.baseline.clone(),
        original: bytes,
    })
}

/// `--fix` on standard input: the text as fixed in the encoding it came in, or as it came
/// when nothing was fixed.
fn write_fixed_text(
    report: &FileReport,
    original: &[u8],
    stdout: &mut dyn Write,
) -> std::io::Result<()> {
    let (Some(_), Some(source)) = (&report.fix, report.source()) else {
        stdout.write_all(original)?;
        return stdout.flush();
    };
    let bytes = crate::source::encode(&source.text, source.declared_encoding.as_deref())
        .map_err(std::io::Error::other)?;
    stdout.write_all(&bytes)?;
    stdout.flush()
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
        let Some(fixed) = report.source() else {
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
