#!/usr/bin/env bash
# Seeds a working corpus per fuzz target from fixtures/ (the same seeds tests/fuzz_regressions.rs
# uses), out of git's way in tests/fuzz/target/corpus/<target>/ unless a directory is given:
#
#   tests/fuzz/seed.sh [DIR]
#   cargo +nightly fuzz run python --fuzz-dir tests/fuzz tests/fuzz/target/corpus/python \
#       -- -max_total_time=240 -seed=1 -timeout=10
#
# python and rust get the fixtures of their language, config gets the TOML fixtures and every
# source fixture (suppression comments), fix gets every source fixture behind the byte that
# picks its language (0 Python, 1 Rust).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${1:-$root/tests/fuzz/target/corpus}
mkdir -p "$corpus"/{python,rust,config,fix}

seed() {
    local file=$1 language_byte=$2 language=$3 name
    name=$(sha1sum "$file" | cut -c1-16)
    cp "$file" "$corpus/$language/$name"
    cp "$file" "$corpus/config/$language-$name"
    { printf "\\$language_byte"; cat "$file"; } > "$corpus/fix/$language-$name"
}

while IFS= read -r -d '' file; do seed "$file" 0 python; done \
    < <(find "$root/fixtures/python" -name '*.py' -print0)
while IFS= read -r -d '' file; do seed "$file" 1 rust; done \
    < <(find "$root/fixtures/rust" -name '*.rs' -print0)
while IFS= read -r -d '' file; do
    cp "$file" "$corpus/config/toml-$(sha1sum "$file" | cut -c1-16)"
done < <(find "$root/fixtures" -name '*.toml' -print0)

for target in python rust config fix; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) seeds in $corpus/$target"
done
