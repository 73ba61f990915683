use super::{BaselineArgs, EXIT_CLEAN, EXIT_ERROR};
use crate::baseline::Baseline;
use crate::output;

pub fn run(args: &BaselineArgs) -> u8 {
    match record(args) {
        Ok(message) => {
            eprintln!("{message}");
            EXIT_CLEAN
        }
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

fn record(args: &BaselineArgs) -> Result<String, String> {
    let run = args.lint.run()?;
    let findings = output::findings(&run.reports, &run.cwd);
    let path = &args.output;
    if args.prune {
        let mut baseline = Baseline::load(path)?;
        let stale: std::collections::HashSet<String> = baseline
            .split(&findings, path, &run.cwd)
            .stale
            .iter()
            .map(|entry| entry.fingerprint.clone())
            .collect();
        let before = baseline.entries.len();
        baseline
            .entries
            .retain(|entry| !stale.contains(&entry.fingerprint));
        baseline.save(path)?;
        return Ok(format!(
            "Pruned {} fixed {} from {}; {} remain.",
            before - baseline.entries.len(),
            if before - baseline.entries.len() == 1 {
                "entry"
            } else {
                "entries"
            },
            path.display(),
            baseline.entries.len()
        ));
    }
    let baseline = Baseline::record(&findings, path, &run.cwd);
    baseline.save(path)?;
    Ok(format!(
        "Recorded {} findings in {}.",
        baseline.entries.len(),
        path.display()
    ))
}
