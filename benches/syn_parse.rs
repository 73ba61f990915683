//! The Rust baseline of `benches/bench.sh`: read and parse every `.rs` file under the given
//! directories with syn (the parser and features loopguard uses), on one thread per core (or
//! `--jobs N`), and nothing else. loopguard's Rust goal is at most 1.3× this.

mod common;

fn main() {
    let corpus = common::Corpus::from_args("rs");
    let parsed = corpus.parse_each(|text| {
        let parsed = syn::parse_file(text).is_ok();
        proc_macro2::extra::invalidate_current_thread_spans();
        parsed
    });
    println!("{} files found; {parsed}", corpus.file_count());
}
