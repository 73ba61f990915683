#!/usr/bin/env bash
# loopguard against ruff (Python; and ruff's parser alone, the floor of any lint that parses whole
# files) and a syn parse-only pass (Rust) on real corpora.
#
# Usage: benches/bench.sh [RUNS]          (RUNS: runs per measurement, default 5, at least 5)
#
# Downloads what is missing into $BENCH_HOME (default ~/.cache/loopguard-bench):
# - Python: the wheels below (`pip download`), unpacked; homeassistant is also measured alone;
# - Rust: a throwaway project depending on tokio, hyper, reqwest, axum and sqlx; `cargo fetch`,
#   then the source directories of every package it resolves;
# - ruff $RUFF_VERSION in a venv.
# - Scale: the Python corpus four times over (hard links in $BENCH_HOME/python-x4), and the
#   crates.io sources of the crash hunt's registry cache (benches/crash_hunt.sh fetches them;
#   REGISTRY_CORPUS overrides, and the rows are skipped, saying so, when neither exists), with
#   the default rules and with `--select ALL` plus every opt-in (benches/everything.toml, as
#   the crash hunt uses it): what memory does as the
#   project grows.
# Overrides: PY_CORPUS (a directory of unpacked Python packages; HA_CORPUS its homeassistant),
# RUFF (a ruff binary), JOBS (worker threads for both tools, default: all cores).
#
# Each row: the median of RUNS alternating runs (loopguard, other, loopguard, ...), wall time,
# MB/s over the files' bytes, and peak RSS (from /usr/bin/time -v). Cold runs use --no-cache;
# warm runs repeat over an unchanged tree after one run that fills the cache.
set -euo pipefail

runs=${1:-5}
(( runs >= 5 )) || { echo "RUNS must be at least 5" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
home=${BENCH_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/loopguard-bench}
ruff_version=${RUFF_VERSION:-0.17.5}
python_wheels=(homeassistant==2026.2.3 langchain-community llama-index-core openai-agents
    atlan-application-sdk aiohttp httpx)
rust_dependencies='tokio = { version = "1", features = ["full"] }
hyper = { version = "1", features = ["full"] }
reqwest = { version = "0.12", features = ["blocking", "json"] }
axum = "0.8"
sqlx = { version = "0.8", features = ["runtime-tokio", "postgres"] }'
jobs_args=()
[ -n "${JOBS:-}" ] && jobs_args=(--jobs "$JOBS")
mkdir -p "$home"

echo "building (release)..." >&2
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
target=${CARGO_TARGET_DIR:-$root/target}
loopguard="$target/release/loopguard"
# The path of a bench target's executable (built if needed).
bench_executable() {
    cargo bench --locked --quiet --no-run --manifest-path "$root/Cargo.toml" \
        --bench "$1" --message-format json 2>/dev/null \
        | python3 -c 'import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message["target"]["name"] == sys.argv[1] and message.get("executable"):
        print(message["executable"])' "$1"
}
syn_parse=$(bench_executable syn_parse)
python_parse=$(bench_executable python_parse)

# --- corpora ---------------------------------------------------------------------------------
if [ -z "${PY_CORPUS:-}" ]; then
    PY_CORPUS="$home/python"
    if [ ! -d "$PY_CORPUS" ]; then
        echo "downloading the Python wheels..." >&2
        # homeassistant 2026.2.3 requires Python >= 3.13.2: ask for wheels of that version
        # whatever python3 runs pip (only their .py files are linted).
        python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.13.2 -d "$home/wheels" "${python_wheels[@]}"
        mkdir -p "$PY_CORPUS.partial"
        for wheel in "$home"/wheels/*.whl; do
            name=$(basename "$wheel" | cut -d- -f1)
            python3 -m zipfile -e "$wheel" "$PY_CORPUS.partial/$name"
        done
        mv "$PY_CORPUS.partial" "$PY_CORPUS"
    fi
fi
PY_CORPUS=$(realpath "$PY_CORPUS")
HA_CORPUS=${HA_CORPUS:-$(find "$PY_CORPUS" -maxdepth 2 -type d -name homeassistant | head -1)}

rust_project="$home/rust-project"
if [ ! -f "$rust_project/corpus.txt" ]; then
    echo "fetching the Rust crates..." >&2
    mkdir -p "$rust_project/src"
    printf '[package]\nname = "corpus"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n%s\n' \
        "$rust_dependencies" > "$rust_project/Cargo.toml"
    echo 'fn main() {}' > "$rust_project/src/main.rs"
    cargo fetch --quiet --manifest-path "$rust_project/Cargo.toml"
    cargo metadata --quiet --format-version 1 --manifest-path "$rust_project/Cargo.toml" \
        | python3 -c 'import json, os, sys
for package in json.load(sys.stdin)["packages"]:
    if package["source"]:
        print(os.path.dirname(package["manifest_path"]))' | sort > "$rust_project/corpus.txt.partial"
    mv "$rust_project/corpus.txt.partial" "$rust_project/corpus.txt"
fi
mapfile -t rust_dirs < "$rust_project/corpus.txt"

if [ -z "${RUFF:-}" ]; then
    RUFF="$home/venv/bin/ruff"
    if [ ! -x "$RUFF" ] || [ "$("$RUFF" --version)" != "ruff $ruff_version" ]; then
        echo "installing ruff $ruff_version..." >&2
        python3 -m venv "$home/venv"
        "$home/venv/bin/pip" install --quiet "ruff==$ruff_version"
    fi
fi

# --- measuring -------------------------------------------------------------------------------
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Runs a command once in $scratch (where loopguard keeps its cache); prints "seconds peak_kb".
measure() {
    local start end
    start=$(date +%s.%N)
    (cd "$scratch" && /usr/bin/time -v -o "$scratch/time.txt" "$@" > /dev/null 2>&1) || true
    end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc -l) $(awk -F': ' '/Maximum resident set size/ { print $2 }' "$scratch/time.txt")"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Files and bytes that loopguard lints under the given paths.
corpus_size() {
    (cd "$scratch" && "$loopguard" check --isolated --show-files "$@") \
        | (cd "$scratch" && tr '\n' '\0' | xargs -0 stat -c %s) \
        | awk '{ total += $1; count++ } END { printf "%d %.1f", count, total / 1e6 }'
}

printf '| corpus | files | MB | run | loopguard s | %s s | ratio | loopguard MB/s | loopguard peak RSS MB | %s peak RSS MB |\n' other other
printf '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n'

# compare NAME RUN_KIND -- LOOPGUARD_ARGS... -- OTHER_COMMAND...
compare() {
    local name=$1 kind=$2 size files mb
    shift 3
    local -a ours=() theirs=()
    while [ "$1" != "--" ]; do ours+=("$1"); shift; done
    shift
    theirs=("$@")
    local -a our_times=() our_rss=() their_times=() their_rss=()
    for _ in $(seq "$runs"); do
        read -r seconds rss < <(measure "${ours[@]}")
        our_times+=("$seconds"); our_rss+=("$rss")
        if [ "${#theirs[@]}" -gt 0 ]; then
            read -r seconds rss < <(measure "${theirs[@]}")
            their_times+=("$seconds"); their_rss+=("$rss")
        fi
    done
    size=$(corpus_size "${paths[@]}")
    files=${size% *}; mb=${size#* }
    local our their ratio="" their_mb=""
    our=$(printf '%s\n' "${our_times[@]}" | median)
    if [ "${#their_times[@]}" -gt 0 ]; then
        their=$(printf '%s\n' "${their_times[@]}" | median)
        ratio=$(echo "$our / $their" | bc -l)
        their_mb=$(printf '%s\n' "${their_rss[@]}" | median)
    fi
    awk -v name="$name" -v kind="$kind" -v files="$files" -v mb="$mb" -v our="$our" \
        -v their="${their:-}" -v ratio="$ratio" -v our_rss="$(printf '%s\n' "${our_rss[@]}" | median)" \
        -v their_rss="$their_mb" 'BEGIN {
        printf "| %s | %d | %.1f | %s | %.3f | %s | %s | %.1f | %.0f | %s |\n", name, files, mb, kind, our,
            their == "" ? "–" : sprintf("%.3f", their), ratio == "" ? "–" : sprintf("%.2f×", ratio),
            mb / our, our_rss / 1024, their_rss == "" ? "–" : sprintf("%.0f", their_rss / 1024)
    }'
}

ruff_check=("$RUFF" check --isolated --no-cache --select ASYNC,RUF006 --exit-zero --quiet)
lint=("$loopguard" check --isolated --exit-zero --quiet --output-format concise "${jobs_args[@]}")

for corpus in "homeassistant:$HA_CORPUS" "python (all):$PY_CORPUS"; do
    name=${corpus%%:*}; paths=("${corpus#*:}")
    compare "$name" cold -- "${lint[@]}" --no-cache "${paths[@]}" -- "${ruff_check[@]}" "${paths[@]}"
    rm -rf "$scratch/.loopguard_cache" "$scratch/.ruff_cache"
    measure "${lint[@]}" "${paths[@]}" > /dev/null
    measure "$RUFF" check --isolated --select ASYNC,RUF006 --exit-zero --quiet "${paths[@]}" > /dev/null
    compare "$name" warm -- "${lint[@]}" "${paths[@]}" -- \
        "$RUFF" check --isolated --select ASYNC,RUF006 --exit-zero --quiet "${paths[@]}"
done

# The floor of any lint that parses whole files: ruff's parser alone over the files that contain
# `async`, which the default rules must parse (issue #24's cold-run goal is 0.5x of ruff).
paths=("$HA_CORPUS")
compare "homeassistant" "ruff's parser alone, files containing async (other: ruff check)" -- \
    "$python_parse" --containing async "${jobs_args[@]}" "${paths[@]}" -- "${ruff_check[@]}" "${paths[@]}"

# What the whole-project rule LG208 (opt-in) costs: the same cold run with it on.
for corpus in "homeassistant:$HA_CORPUS" "python (all):$PY_CORPUS"; do
    name=${corpus%%:*}; paths=("${corpus#*:}")
    compare "$name" "cold, --extend-select LG208 (other: default rules)" -- "${lint[@]}" --no-cache \
        --extend-select LG208 "${paths[@]}" -- "${lint[@]}" --no-cache "${paths[@]}"
done

paths=("$PY_CORPUS")
compare "python (all)" "--jobs 1 (other: --jobs 2)" -- "$loopguard" check --isolated --exit-zero --quiet \
    --output-format concise --no-cache --jobs 1 "${paths[@]}" -- \
    "$loopguard" check --isolated --exit-zero --quiet --output-format concise --no-cache --jobs 2 "${paths[@]}"

paths=("${rust_dirs[@]}")
compare "rust crates (other: syn parse only)" cold -- "${lint[@]}" --no-cache "${paths[@]}" -- \
    "$syn_parse" "${paths[@]}"

# --- scale: memory as the project grows --------------------------------------------------------
scaled="$home/python-x4"
if [ ! -f "$scaled/.complete" ]; then
    rm -rf "$scaled"
    for copy in 1 2 3 4; do
        mkdir -p "$scaled/copy$copy"
        cp -al "$PY_CORPUS/." "$scaled/copy$copy/"
    done
    touch "$scaled/.complete"
fi
paths=("$scaled")
compare "python (all) ×4" cold -- "${lint[@]}" --no-cache "${paths[@]}" -- "${ruff_check[@]}" "${paths[@]}"

registry=${REGISTRY_CORPUS:-$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/loopguard-crash-hunt/cargo-home/registry/src/*/ 2>/dev/null | head -1)}
if [ -n "$registry" ] && [ -d "$registry" ]; then
    everything="$root/benches/everything.toml"
    paths=("$registry")
    compare "crates.io registry cache" "cold, default rules (other: --extend-select LG208)" -- \
        "${lint[@]}" --no-cache "${paths[@]}" -- "${lint[@]}" --no-cache --extend-select LG208 "${paths[@]}"
    compare "crates.io registry cache" "cold, --select ALL + every opt-in (other: --ignore LG208)" -- \
        "$loopguard" check --config "$everything" --exit-zero --quiet --output-format concise "${jobs_args[@]}" \
        --no-cache --select ALL "${paths[@]}" -- \
        "$loopguard" check --config "$everything" --exit-zero --quiet --output-format concise "${jobs_args[@]}" \
        --no-cache --select ALL --ignore LG208 "${paths[@]}"
else
    echo "(no registry cache: run benches/crash_hunt.sh once, or set REGISTRY_CORPUS, for the crates.io rows)" >&2
fi
