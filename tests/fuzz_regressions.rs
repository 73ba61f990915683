//! The fuzz targets on stable Rust: every committed corpus input (`tests/fuzz/corpus/<target>/`),
//! every crash the fuzzer ever found (`tests/fuzz/regressions/<target>/`) and every fixture runs
//! through the same entry points as `cargo fuzz` (`tests/fuzz/entry_points.rs`), then a
//! deterministic mutation loop over the fixtures stands in for libFuzzer where no nightly
//! toolchain is available. `LOOPGUARD_FUZZ_ITERATIONS` (default 300 per target) sets how many
//! mutants each target tries; a mutant that panics is saved under `regressions/` and fails the
//! test.

#[path = "fuzz/entry_points.rs"]
mod entry_points;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 4] = [
    ("python", entry_points::python),
    ("rust", entry_points::rust),
    ("config", entry_points::config),
    ("fix", entry_points::fix),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(directory: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

fn with_extension(directory: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    files_under(directory, &mut files);
    files.retain(|path| path.extension().is_some_and(|e| e == extension));
    files.sort();
    files
}

/// The seeds of each target: its committed corpus and regressions, plus the fixtures.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let fuzz = root().join("tests/fuzz");
    let mut files = Vec::new();
    files_under(&fuzz.join("corpus").join(target), &mut files);
    files_under(&fuzz.join("regressions").join(target), &mut files);
    let fixtures = root().join("fixtures");
    let python = with_extension(&fixtures.join("python"), "py");
    let rust = with_extension(&fixtures.join("rust"), "rs");
    let read = |path: &PathBuf| std::fs::read(path).unwrap();
    let mut inputs: Vec<Vec<u8>> = files.iter().map(read).collect();
    match target {
        "python" => inputs.extend(python.iter().map(read)),
        "rust" => inputs.extend(rust.iter().map(read)),
        "config" => {
            inputs.extend(with_extension(&fixtures, "toml").iter().map(read));
            // Suppression comments live in the fixtures' source files.
            inputs.extend(python.iter().chain(&rust).map(read));
        }
        "fix" => {
            // The fix target's first byte picks the language: even is Python, odd is Rust.
            inputs.extend(python.iter().map(|path| [vec![0], read(path)].concat()));
            inputs.extend(rust.iter().map(|path| [vec![1], read(path)].concat()));
        }
        _ => unreachable!("unknown fuzz target {target}"),
    }
    inputs
}

/// Runs `input`; a panic saves it as a regression and is returned as the failure message.
fn run(target: &str, entry: Target, input: &[u8]) -> Result<(), String> {
    panic::catch_unwind(AssertUnwindSafe(|| entry(input))).map_err(|_| {
        let name = format!("crash-{:016x}", fnv1a(input));
        let directory = root().join("tests/fuzz/regressions").join(target);
        std::fs::create_dir_all(&directory).unwrap();
        std::fs::write(directory.join(&name), input).unwrap();
        format!("{target}: input saved as tests/fuzz/regressions/{target}/{name} crashes")
    })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn corpus_regressions_and_fixtures_run_cleanly() {
    let mut failures = Vec::new();
    for (target, entry) in TARGETS {
        for input in seeds(target) {
            if let Err(failure) = run(target, entry, &input) {
                failures.push(failure);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small xorshift generator: the mutants depend only on the seed, so a failure reproduces.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// Fragments that steer mutants towards the interesting parts of both grammars and of the
/// suppression and config syntax.
const DICTIONARY: &[&[u8]] = &[
    b"async ",
    b"await ",
    b"def ",
    b"fn ",
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b";",
    b",",
    b".",
    b"\n",
    b"\n    ",
    b"\r",
    b"\r\n",
    b"\t",
    b"\x0c",
    b"\0",
    b"\"",
    b"'",
    b"\"\"\"",
    b"f\"{",
    b"r#\"",
    b"//",
    b"/*",
    b"*/",
    b"#",
    b"# noqa: LG201",
    b"# noqa",
    b"// loopguard: allow(LG201) -- why",
    b"# loopguard: allow-file(blocking-sleep)",
    b"time.sleep(1)",
    b"std::thread::sleep(d)",
    b"asyncio.gather(*",
    b"tokio::spawn(",
    b"with ",
    b"lock",
    b".await",
    b"?",
    b"else if x {}",
    b" + a",
    b".b()",
    b"lambda: ",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    "é".as_bytes(),
    "🦀".as_bytes(),
    b"select = [\"",
    b"[tool.loopguard]\n",
    b"[rules.blocking-sleep]\n",
    b"per-file-ignores = {",
    b"**/",
    b"= \"",
    b"\"]\n",
    b"# -*- coding: latin-1 -*-\n",
    b"if x:\n",
    b"else:\n",
];

fn mutate(random: &mut Random, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut mutant = input.to_vec();
    for _ in 0..=random.below(4) {
        let at = random.below(mutant.len() + 1);
        match random.below(6) {
            0 if !mutant.is_empty() => {
                let end = (at + random.below(64)).min(mutant.len());
                mutant.drain(at..end);
            }
            1 if at < mutant.len() => {
                let end = (at + random.below(64)).min(mutant.len());
                let copy = mutant[at..end].to_vec();
                let times = 1 + random.below(8);
                for _ in 0..times {
                    mutant.splice(at..at, copy.iter().copied());
                }
            }
            2 if at < mutant.len() => mutant[at] ^= 1 << random.below(8),
            3 if !other.is_empty() => {
                let from = random.below(other.len());
                let end = (from + random.below(256)).min(other.len());
                mutant.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let fragment = DICTIONARY[random.below(DICTIONARY.len())];
                mutant.splice(at..at, fragment.iter().copied());
            }
        }
    }
    mutant
}

#[test]
fn mutated_fixtures_never_crash() {
    let iterations: usize = std::env::var("LOOPGUARD_FUZZ_ITERATIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(300);
    let mut failures = Vec::new();
    for (index, (target, entry)) in TARGETS.into_iter().enumerate() {
        let seeds = seeds(target);
        let mut random = Random(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1));
        for _ in 0..iterations {
            let input = &seeds[random.below(seeds.len())];
            let other = &seeds[random.below(seeds.len())];
            let mutant = mutate(&mut random, input, other);
            if let Err(failure) = run(target, entry, &mutant) {
                failures.push(failure);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
