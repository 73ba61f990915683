//! `loopguard audit`: lint once, then write the report as HTML, Markdown and/or JSON, with a
//! trend over earlier audits (`--previous`) or an older revision linted on the side
//! (`--compare`, from `git archive` in a temporary directory: the work tree is not touched).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{AuditArgs, EXIT_CLEAN, EXIT_ERROR};
use crate::audit::{self, Audit, Context, Trend};
use crate::baseline::Baseline;

pub fn run(args: &AuditArgs) -> u8 {
    match write_audit(args) {
        Ok(()) => EXIT_CLEAN,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

/// `--date` must be a real calendar day, written `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<String, String> {
    let invalid = || format!("`{text}` is not a date of the form YYYY-MM-DD");
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(invalid());
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(invalid());
    }
    let number = |part: &str| part.parse::<u8>().map_err(|_| invalid());
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let month = time::Month::try_from(number(month)?).map_err(|_| invalid())?;
    time::Date::from_calendar_date(year, month, number(day)?).map_err(|_| invalid())?;
    Ok(text.to_string())
}

fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

fn git(cwd: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(output.stdout)
}

fn git_line(cwd: &Path, args: &[&str]) -> Result<String, String> {
    git(cwd, args).map(|out| String::from_utf8_lossy(&out).trim().to_string())
}

fn write_audit(args: &AuditArgs) -> Result<(), String> {
    let run = args.lint.run()?;
    let baseline_path = args
        .baseline
        .clone()
        .or_else(|| run.root_settings.baseline.clone());
    let baseline = baseline_path.as_deref().map(Baseline::load).transpose()?;
    let paths: Vec<String> = args
        .lint
        .paths
        .iter()
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    let context = Context {
        date: args.date.clone().unwrap_or_else(today),
        revision: git_line(&run.cwd, &["rev-parse", "--short", "HEAD"]).ok(),
        paths: paths.clone(),
        rules_enabled: run.root_settings.rules,
        baseline: baseline_path.as_deref().zip(baseline.as_ref()),
        hotspots: args.top,
    };
    let mut report = Audit::build(&run.reports, &run.cwd, &context);

    let mut earlier = args
        .previous
        .iter()
        .map(|path| Audit::load(path))
        .collect::<Result<Vec<Audit>, String>>()?;
    let compared = args
        .compare
        .as_deref()
        .map(|revision| compare(args, &run.cwd, revision, paths))
        .transpose()?;
    // The revision compared on the spot is the reference; otherwise the latest earlier audit.
    let reference = compared.clone().or_else(|| {
        earlier
            .iter()
            .enumerate()
            .max_by(|(a_index, a), (b_index, b)| (&a.date, a_index).cmp(&(&b.date, b_index)))
            .map(|(_, audit)| audit.clone())
    });
    earlier.extend(compared);
    if let Some(reference) = reference {
        report.trend = Some(Trend::new(&report, &earlier, &reference));
    }

    let outputs = [
        (&args.json, report.to_json()),
        (&args.markdown, audit::markdown::render(&report)),
        (&args.html, audit::html::render(&report)),
    ];
    for (path, text) in outputs {
        let Some(path) = path else { continue };
        if path.as_os_str() == "-" {
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|error| format!("cannot write the report: {error}"))?;
        } else {
            std::fs::write(path, text)
                .map_err(|error| format!("{}: cannot write the report: {error}", path.display()))?;
            eprintln!("Wrote {}", path.display());
        }
    }
    eprintln!(
        "Audited {} files ({} lines): {} findings, {} suppressions ({} without a reason).",
        report.summary.files,
        report.summary.lines,
        report.summary.findings,
        report.suppressions.total,
        report.suppressions.without_reason
    );
    Ok(())
}

/// Lints `revision` as it was committed: `git archive` unpacked into a temporary directory
/// and linted with the same arguments, as if that directory were the working directory.
fn compare(
    args: &AuditArgs,
    cwd: &Path,
    revision: &str,
    paths: Vec<String>,
) -> Result<Audit, String> {
    let failed = |message: String| format!("--compare {revision}: {message}");
    let commit = git_line(
        cwd,
        &["rev-parse", "--short", &format!("{revision}^{{commit}}")],
    )
    .map_err(failed)?;
    // Run from a subdirectory, `git archive` archives that subdirectory: the unpacked tree
    // corresponds to `cwd`.
    let archive = git(cwd, &["archive", "--format=tar", &commit]).map_err(failed)?;
    let directory = tempfile::Builder::new()
        .prefix("loopguard-compare-")
        .tempdir()
        .map_err(|error| failed(format!("cannot create a temporary directory: {error}")))?;
    tar::Archive::new(archive.as_slice())
        .unpack(directory.path())
        .map_err(|error| failed(format!("cannot unpack the archive: {error}")))?;

    let mut lint = args.lint.clone();
    lint.paths = args
        .lint
        .paths
        .iter()
        .map(|path| {
            let relative = if path.is_absolute() {
                path.strip_prefix(cwd).map_err(|_| {
                    failed(format!(
                        "{} is outside the working directory",
                        path.display()
                    ))
                })?
            } else {
                path.as_path()
            };
            Ok(directory.path().join(relative))
        })
        .collect::<Result<Vec<PathBuf>, String>>()?;
    let run = lint.run_in(directory.path().to_path_buf())?;
    let context = Context {
        date: git_line(cwd, &["log", "-1", "--format=%cs", &commit]).map_err(failed)?,
        revision: Some(commit),
        paths,
        rules_enabled: run.root_settings.rules,
        baseline: None,
        hotspots: args.top,
    };
    Ok(Audit::build(&run.reports, &run.cwd, &context))
}
