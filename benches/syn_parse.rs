//! The Rust baseline of `benches/bench.sh`: read and parse every `.rs` file under the given
//! directories with syn (the parser and features loopguard uses), on one thread per core (or
//! `--jobs N`), and nothing else. loopguard's Rust goal is at most 1.3× this.

use rayon::prelude::*;

fn main() {
    let mut arguments = std::env::args().skip(1).peekable();
    let mut jobs = 0;
    let mut roots = Vec::new();
    while let Some(argument) = arguments.next() {
        if argument == "--jobs" {
            jobs = arguments
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--jobs N");
        } else {
            roots.push(argument);
        }
    }
    let files: Vec<std::path::PathBuf> = roots
        .iter()
        .flat_map(|root| {
            ignore::WalkBuilder::new(root)
                .hidden(false)
                .require_git(false)
                .build()
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
                .map(ignore::DirEntry::into_path)
                .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(64 << 20)
        .build()
        .expect("worker threads");
    let (bytes, failures) = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let Ok(text) = std::fs::read_to_string(path) else {
                    return (0, 0);
                };
                let parsed = syn::parse_file(&text).is_ok();
                proc_macro2::extra::invalidate_current_thread_spans();
                (text.len(), usize::from(!parsed))
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    println!(
        "{} files, {:.1} MB, {failures} did not parse",
        files.len(),
        bytes as f64 / 1e6
    );
}
