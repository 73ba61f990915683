//! What the parse-only baselines of `benches/bench.sh` share: their command line (`--jobs N`,
//! `--containing WORD`, directories), the files under the directories, and the worker pool.

use std::path::PathBuf;

use rayon::prelude::*;

pub struct Corpus {
    files: Vec<PathBuf>,
    /// Only the files whose text contains this word are parsed.
    containing: Option<String>,
    pool: rayon::ThreadPool,
}

/// What a baseline parsed.
pub struct Parsed {
    pub files: usize,
    pub bytes: usize,
    pub failures: usize,
}

impl Corpus {
    /// The files with this extension under the directories the command line names, with a
    /// pool of one thread per core (or `--jobs N`).
    pub fn from_args(extension: &str) -> Self {
        let mut arguments = std::env::args().skip(1);
        let mut jobs = 0;
        let mut containing = None;
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
        let files = roots
            .iter()
            .flat_map(|root| {
                ignore::WalkBuilder::new(root)
                    .hidden(false)
                    .require_git(false)
                    .build()
                    .filter_map(Result::ok)
                    .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
                    .map(ignore::DirEntry::into_path)
                    .filter(|path| path.extension().is_some_and(|found| found == extension))
            })
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .stack_size(64 << 20)
            .build()
            .expect("worker threads");
        Corpus {
            files,
            containing,
            pool,
        }
    }

    /// Reads the files and parses each text (`parse`: whether it parsed) on the pool, in runs
    /// of at most 8 files as loopguard hands them out.
    pub fn parse_each(&self, parse: impl Fn(&str) -> bool + Sync) -> Parsed {
        let (files, bytes, failures) = self.pool.install(|| {
            self.files
                .par_iter()
                .with_max_len(8)
                .map(|path| {
                    let Ok(text) = std::fs::read_to_string(path) else {
                        return (0, 0, 0);
                    };
                    if self
                        .containing
                        .as_deref()
                        .is_some_and(|word| !text.contains(word))
                    {
                        return (0, 0, 0);
                    }
                    (1, text.len(), usize::from(!parse(&text)))
                })
                .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
        });
        Parsed {
            files,
            bytes,
            failures,
        }
    }

    /// How many files the directories hold (parsed or not).
    pub fn file_count(&self) -> usize {
        self.files.len()
    }
}

impl std::fmt::Display for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files parsed, {:.1} MB, {} did not parse",
            self.files,
            self.bytes as f64 / 1e6,
            self.failures
        )
    }
}
