//! The command line: `check`, `baseline`, `audit`, `rules`, `explain`, `server`; `cargo loopguard`.

mod add_noqa;
mod audit;
mod baseline;
pub mod cargo;
mod check;
mod common;
mod output_file;
pub mod rules;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::output::OutputFormat;

/// Exit status: 0 no findings, 1 findings, 2 usage, config or internal error.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "loopguard",
    version,
    about = "Finds concurrency anti-patterns in async Python and Rust code (FM-043)",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint files or directories.
    Check(CheckArgs),
    /// Record the current findings, so that `check --baseline` reports only new ones.
    Baseline(BaselineArgs),
    /// Write an audit report (HTML, Markdown, JSON): totals, hotspots, suppressions, trend.
    Audit(AuditArgs),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        output_format: RulesFormat,
    },
    /// Show a rule's documentation.
    Explain {
        /// A rule code (LG201) or name (blocking-sleep).
        rule: String,
    },
    /// Run the Language Server over standard input and output, for editors (docs/lsp.md).
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    /// The rule table of the README.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// What to lint and with which rules: shared by `check`, `baseline` and `audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct LintArgs {
    /// Files or directories to lint.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Rules to enable, replacing the configured selection: codes (LG201), prefixes (LG2),
    /// names (blocking-sleep), `ALL`, `default` or `pedantic`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Rules to enable in addition to the selection.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Rules to disable.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Use this configuration file for every linted file.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore all configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Number of threads for walking and linting (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Lint only files changed since this git revision (committed, staged, unstaged or
    /// untracked).
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    lint: LintArgs,
    #[arg(long, value_enum, default_value = "text")]
    output_format: OutputFormat,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Report only findings that are not in this baseline file (see `loopguard baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Print only the findings: no summary line.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// List the files that would be linted, and exit.
    #[arg(long)]
    show_files: bool,
    /// Apply safe fixes (with `--unsafe-fixes`, unsafe ones too), then report what remains.
    #[arg(long)]
    fix: bool,
    /// Also apply (and mark as fixable) fixes that change behaviour and deserve a review.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print a unified diff of what `--fix` would change, write nothing; exit 1 if there is a
    /// diff.
    #[arg(long, conflicts_with = "fix_only")]
    diff: bool,
    /// Apply fixes like `--fix` and report only what could not be applied (LG005), not the
    /// remaining findings.
    #[arg(long)]
    fix_only: bool,
    /// Write the report (findings, statistics or diff) to FILE instead of standard output; the
    /// summary still goes to the terminal (standard error).
    #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "show_files")]
    output_file: Option<PathBuf>,
    /// Add a suppression comment (`# noqa: LG201` in Python, `// loopguard: allow(LG201)` in
    /// Rust) for every current finding, merged into one the line already has, and exit.
    #[arg(long, conflicts_with_all = ["fix", "fix_only", "diff", "statistics", "output_file", "baseline", "stdin_filename"])]
    add_noqa: bool,
    /// Lint standard input (the path `-`) as if it were this file: its language, configuration,
    /// per-file ignores and test-code policy. `--fix` prints the fixed text.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    lint: LintArgs,
    /// The baseline file to write.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        default_value = ".loopguard-baseline.json"
    )]
    output: PathBuf,
    /// Only drop the entries that no longer match a finding (fixed debt); add nothing new.
    #[arg(long)]
    prune: bool,
}

#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("reports")
        .args(["html", "markdown", "json"])
        .multiple(true)
        .required(true)
))]
pub struct AuditArgs {
    #[command(flatten)]
    lint: LintArgs,
    /// Write the HTML report (one self-contained file) to FILE; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the GitHub-flavoured Markdown report to FILE; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the JSON report (`"schema": "loopguard-audit/1"`) to FILE; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// An earlier audit's JSON report: the trend shows it, and new/fixed/unchanged findings
    /// are counted against the latest one. Repeat for several.
    #[arg(long, value_name = "OLD.json")]
    previous: Vec<PathBuf>,
    /// Also lint this git revision (from `git archive`, in a temporary directory; the work
    /// tree is not touched) and count new/fixed/unchanged findings against it.
    #[arg(long, value_name = "REV", conflicts_with = "changed_since")]
    compare: Option<String>,
    /// The baseline file whose size the report shows (default: the configured `baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// The audit's date (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", env = "LOOPGUARD_AUDIT_DATE", value_parser = audit::parse_date)]
    date: Option<String>,
    /// How many directories and files the hotspot lists show.
    #[arg(long, value_name = "N", default_value_t = crate::audit::DEFAULT_HOTSPOTS)]
    top: usize,
}

pub fn main() -> ExitCode {
    run(Cli::parse())
}

fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Baseline(args) => baseline::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Rules { output_format } => rules::list(output_format),
        Command::Explain { rule } => rules::explain(&rule),
        Command::Server => match crate::lsp::run() {
            Ok(()) => EXIT_CLEAN,
            Err(message) => {
                eprintln!("error: {message}");
                EXIT_ERROR
            }
        },
    };
    ExitCode::from(code)
}
