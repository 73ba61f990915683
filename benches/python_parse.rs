//! The Python floor of `benches/bench.sh`: read and parse with ruff's parser (the version
//! loopguard pins) every `.py` file under the given directories whose text contains a word
//! (`--containing async`: the files the default rules must parse, whatever else they do), on
//! one thread per core (or `--jobs N`), and nothing else. A lint that parses these files whole
//! cannot take less time than this; the cold-run goal of issue #24 is measured against it.

use rayon::prelude::*;

// The allocator loopguard links, so that the floor is the parser's and not glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut arguments = std::env::args().skip(1);
    let mut jobs = 0;
    let mut containing: Option<String> = None;
    let mut roots = Vec::new();
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--jobs" => {
                jobs = arguments
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--jobs N");
            }
            "--containing" => containing = Some(arguments.next().expect("--containing WORD")),
            _ => roots.push(argument),
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
                .filter(|path| path.extension().is_some_and(|extension| extension == "py"))
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(64 << 20)
        .build()
        .expect("worker threads");
    let (parsed, bytes, failures) = pool.install(|| {
        files
            .par_iter()
            .with_max_len(8)
            .map(|path| {
                let Ok(text) = std::fs::read_to_string(path) else {
                    return (0, 0, 0);
                };
                if containing
                    .as_deref()
                    .is_some_and(|word| !text.contains(word))
                {
                    return (0, 0, 0);
                }
                let valid = ruff_python_parser::parse_module(&text).is_ok();
                (1, text.len(), usize::from(!valid))
            })
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
    });
    println!(
        "{parsed} of {} files parsed, {:.1} MB, {failures} did not parse",
        files.len(),
        bytes as f64 / 1e6
    );
}
