//! The Python floor of `benches/bench.sh`: read and parse with ruff's parser (the version
//! loopguard pins) every `.py` file under the given directories whose text contains a word
//! (`--containing async`: the files the default rules must parse, whatever else they do), on
//! one thread per core (or `--jobs N`), and nothing else. A lint that parses these files whole
//! cannot take less time than this; the cold-run goal of issue #24 is measured against it.

mod common;

// The allocator loopguard links, so that the floor is the parser's and not glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let corpus = common::Corpus::from_args("py");
    let parsed = corpus.parse_each(|text| ruff_python_parser::parse_module(text).is_ok());
    println!("{} files found; {parsed}", corpus.file_count());
}
