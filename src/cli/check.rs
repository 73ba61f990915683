use std::io::{IsTerminal, Write};

use std::sync::Arc;

use super::{CheckArgs, ColorChoice, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::config::{CliOverrides, ConfigFile};
use crate::discover::{discover, ConfigSource, SettingsResolver};
use crate::lint::lint_all;
use crate::output::{self, RenderOptions};
use crate::registry::Selector;

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

    let reports = lint_all(discovery, args.jobs.map(usize::from))?;
    let findings = output::findings(&reports, &cwd);
    let internal_error = reports.iter().any(|report| report.has_internal_error());

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
    let write_error = |error: std::io::Error| format!("cannot write output: {error}");
    let result = write_results(args, &findings, &options, &mut stdout);
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

fn write_results(
    args: &CheckArgs,
    findings: &[output::Finding],
    options: &RenderOptions,
    stdout: &mut dyn Write,
) -> std::io::Result<()> {
    if args.statistics {
        output::statistics(findings, args.output_format, stdout)?;
    } else {
        output::render(findings, options, stdout)?;
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
