//! `cargo loopguard [COMMAND] [ARGS]`: the same command line as `loopguard`, run as a cargo
//! subcommand. Cargo runs `cargo-loopguard loopguard ARGS`; without a command it is `check`,
//! and a lint without paths covers the current workspace (or package), from its root, the way
//! `cargo clippy` does.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use super::{Cli, EXIT_ERROR};

pub fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `cargo loopguard` runs the binary with its subcommand name first; run directly
    // (`cargo-loopguard check`) there is none.
    if args.get(1).is_some_and(|arg| arg == "loopguard") {
        args.remove(1);
    }
    let command = Cli::command().bin_name("cargo loopguard");
    let names_a_command = args.get(1).and_then(|arg| arg.to_str()).is_some_and(|arg| {
        matches!(arg, "-h" | "--help" | "-V" | "--version")
            || command
                .get_subcommands()
                .any(|subcommand| subcommand.get_name() == arg)
    });
    if !names_a_command {
        args.insert(1, "check".into());
    }
    let matches = command.get_matches_from(args);
    let lints_default_paths = matches
        .subcommand()
        .and_then(|(_, sub)| sub.try_get_raw("paths").ok().flatten().map(|_| sub))
        .is_some_and(|sub| sub.value_source("paths") == Some(ValueSource::DefaultValue));
    if lints_default_paths {
        match workspace_root() {
            Ok(root) => {
                if let Err(error) = std::env::set_current_dir(&root) {
                    eprintln!("error: cannot change to `{}`: {error}", root.display());
                    return ExitCode::from(EXIT_ERROR);
                }
            }
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    super::run(cli)
}

/// The directory of the workspace's `Cargo.toml`, as cargo itself finds it.
fn workspace_root() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .map_err(|error| format!("cannot run cargo to find the workspace: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr)
            .trim()
            .trim_start_matches("error: ")
            .to_string());
    }
    let manifest = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    manifest
        .parent()
        .map(PathBuf::from)
        .ok_or_else(|| format!("cargo named no directory: `{}`", manifest.display()))
}
