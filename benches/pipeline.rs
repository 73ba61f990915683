//! The per-file pipeline (read, pre-filter, parse, semantic model, rules, suppressions) on a few
//! fixture files, for catching regressions: `cargo bench --bench pipeline`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use loopguard::config::{CliOverrides, Settings};
use loopguard::discover::{language_of, DiscoveredFile};
use loopguard::lint::lint_file;
use loopguard::store::RunStore;

/// A blocking-call file, a fan-out file, a file that must stay quiet, and a Rust file.
const FILES: &[&str] = &[
    "fixtures/python/LG201/fire.py",
    "fixtures/python/LG101/fire.py",
    "fixtures/python/LG601/no_fire.py",
    "fixtures/rust/LG201/fire.rs",
];

fn pipeline(criterion: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = Arc::new(Settings::new(None, &CliOverrides::default(), root));
    let mut group = criterion.benchmark_group("lint_file");
    for relative in FILES {
        let path: PathBuf = root.join(relative);
        let file = DiscoveredFile {
            language: language_of(&path, true).expect("a .py or .rs fixture"),
            path: path.into(),
            settings: Arc::clone(&settings),
            unsaved: None,
        };
        let store = RunStore::memory();
        group.bench_function(*relative, |bencher| {
            bencher.iter(|| black_box(lint_file(black_box(&file), None, &store)));
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
