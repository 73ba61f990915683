#!/usr/bin/env bash
# Soak test on real asyncio-heavy code (not part of `cargo test`).
#
# Usage: benches/soak.sh [DIR...]
#   With no DIR, the corpora are taken from (or downloaded into) $LOOPGUARD_SOAK_CACHE
#   (default ~/.cache/loopguard-soak): Python wheels of homeassistant, langchain-community,
#   llama-index-core and openai-agents, unpacked; Rust crates via `cargo fetch` of a throwaway
#   project depending on tokio, hyper, reqwest, axum, sqlx, serde, syn, regex and rayon.
#   LOOPGUARD_SOAK_OFFLINE=1 never downloads (exits 0 with a note when nothing is cached).
#   LOOPGUARD_BIN uses a prebuilt binary instead of `cargo build --release`.
#
# On a copy of each corpus it runs `check` and `check --fix --unsafe-fixes`, and fails unless:
#   - no file gets LG004 (internal error),
#   - under 0.1% of the files fail to parse (LG001; they are listed),
#   - the pre-filter changes nothing: with every file parsed (LOOPGUARD_NO_PREFILTER=1) the
#     findings are the same, but for LG001 in files no rule could fire in (README, Performance),
#   - the fix run reports no LG005 and every fixed file still parses (no new LG001),
#   - a second fix pass changes nothing,
#   - peak RSS stays under $LOOPGUARD_SOAK_MAX_RSS_MB (default 300) in every run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${LOOPGUARD_SOAK_CACHE:-$HOME/.cache/loopguard-soak}
max_rss_mb=${LOOPGUARD_SOAK_MAX_RSS_MB:-300}
offline=${LOOPGUARD_SOAK_OFFLINE:-0}

python_corpus() {
    local target=$cache/python
    if [ ! -d "$target" ]; then
        [ "$offline" = 1 ] && return 1
        mkdir -p "$cache/wheels" "$target.partial"
        python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$cache/wheels" \
            homeassistant langchain-community llama-index-core openai-agents
        for wheel in "$cache"/wheels/*.whl; do
            python3 -m zipfile -e "$wheel" "$target.partial/$(basename "$wheel" .whl)"
        done
        mv "$target.partial" "$target"
    fi
    echo "$target"
}

rust_corpus() {
    local home=$cache/cargo-home
    if [ ! -d "$home/registry/src" ]; then
        [ "$offline" = 1 ] && return 1
        local project=$cache/rust-project
        mkdir -p "$project/src"
        echo 'fn main() {}' > "$project/src/main.rs"
        cat > "$project/Cargo.toml" <<'TOML'
[package]
name = "loopguard-soak"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tokio = { version = "1", features = ["full"] }
hyper = { version = "1", features = ["full"] }
reqwest = "0.12"
axum = "0.8"
sqlx = { version = "0.8", features = ["runtime-tokio", "postgres", "sqlite", "mysql"] }
serde = { version = "1", features = ["derive"] }
syn = { version = "2", features = ["full"] }
regex = "1"
rayon = "1"
TOML
        CARGO_HOME=$home cargo fetch --manifest-path "$project/Cargo.toml" --quiet
    fi
    echo "$home/registry/src"
}

corpora=("$@")
if [ ${#corpora[@]} -eq 0 ]; then
    python_corpus_dir=$(python_corpus) && corpora+=("$python_corpus_dir")
    rust_corpus_dir=$(rust_corpus) && corpora+=("$rust_corpus_dir")
    if [ ${#corpora[@]} -eq 0 ]; then
        echo "soak: no cached corpus in $cache and LOOPGUARD_SOAK_OFFLINE=1: skipped"
        exit 0
    fi
fi

if [ -n "${LOOPGUARD_BIN:-}" ]; then
    binary=$LOOPGUARD_BIN
else
    cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
    binary="${CARGO_TARGET_DIR:-$root/target}/release/loopguard"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
    echo "FAIL: $*"
    failed=1
}

# Runs loopguard on the copy with every rule; prints concise findings to $1, peak RSS (KB) to $1.rss.
run() {
    local out=$1
    shift
    /usr/bin/time -f %M -o "$out.rss" "$binary" check --isolated --no-cache --select ALL \
        --exit-zero --quiet --output-format concise "$@" > "$out" 2> "$out.err" || {
        fail "loopguard exited abnormally ($(tail -n 3 "$out.err"))"
    }
    local rss_kb
    rss_kb=$(tail -n 1 "$out.rss")
    echo "  peak RSS: $((rss_kb / 1024)) MB ($*)"
    [ "$rss_kb" -le $((max_rss_mb * 1024)) ] || fail "peak RSS $((rss_kb / 1024)) MB over the ${max_rss_mb} MB budget"
}

paths_with() {
    { grep -E "^[^ ]+:[0-9]+:[0-9]+: $1 " "$2" || true; } | sed -E 's/:[0-9]+:[0-9]+: .*//' | sort -u
}

checksums() {
    (cd "$1" && find . -type f \( -name '*.py' -o -name '*.rs' \) -print0 | sort -z | xargs -0 sha256sum)
}

for corpus in "${corpora[@]}"; do
    echo "== $corpus"
    copy=$work/copy
    rm -rf "$copy"
    cp -a "$corpus" "$copy"
    cd "$copy"
    files=$("$binary" check --isolated --select ALL --show-files . | wc -l)
    echo "  files: $files"

    run "$work/check" .
    internal=$(grep -c ': LG004 ' "$work/check" || true)
    echo "  LG004 internal errors: $internal"
    [ "$internal" -eq 0 ] || { grep ': LG004 ' "$work/check"; fail "internal errors"; }
    paths_with LG001 "$work/check" > "$work/unparsable"
    unparsable=$(wc -l < "$work/unparsable")
    echo "  parse failures (LG001): $unparsable of $files files"
    sed 's/^/    /' "$work/unparsable"
    [ $((unparsable * 1000)) -lt "$files" ] || fail "parse failures reach 0.1% of the files"

    LOOPGUARD_NO_PREFILTER=1 run "$work/unfiltered" .
    if cmp -s <(grep -v ': LG001 ' "$work/check") <(grep -v ': LG001 ' "$work/unfiltered"); then
        echo "  pre-filter: findings unchanged"
    else
        { diff <(grep -v ': LG001 ' "$work/check") <(grep -v ': LG001 ' "$work/unfiltered") || true; } | head -n 20
        fail "the pre-filter changed the findings"
    fi

    run "$work/fix" . --fix --unsafe-fixes
    fix_errors=$(grep -c ': LG005 ' "$work/fix" || true)
    echo "  LG005 fix errors: $fix_errors"
    [ "$fix_errors" -eq 0 ] || { grep ': LG005 ' "$work/fix"; fail "fixes were rolled back"; }
    changed=$(diff -rq "$corpus" "$copy" | wc -l || true)
    echo "  files changed by --fix: $changed"

    run "$work/after" .
    paths_with LG001 "$work/after" > "$work/unparsable-after"
    broken=$(comm -13 "$work/unparsable" "$work/unparsable-after")
    [ -z "$broken" ] || { echo "$broken"; fail "fixed files no longer parse"; }
    internal_after=$(grep -c ': LG004 ' "$work/after" || true)
    [ "$internal_after" -eq 0 ] || fail "internal errors after fixing"

    checksums "$copy" > "$work/sums-first"
    run "$work/fix-again" . --fix --unsafe-fixes
    checksums "$copy" > "$work/sums-second"
    if cmp -s "$work/sums-first" "$work/sums-second"; then
        echo "  second fix pass: no change"
    else
        { diff "$work/sums-first" "$work/sums-second" || true; } | head -n 20
        fail "a second fix pass changed files"
    fi
    cd "$root"
done

[ "$failed" -eq 0 ] && echo "soak: OK" || { echo "soak: FAILED"; exit 1; }
