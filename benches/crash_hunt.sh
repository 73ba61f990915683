#!/usr/bin/env bash
# Crash hunt: every rule, every opt-in, over the most-used Python and async Rust code (not part
# of `cargo test`).
#
# Usage: benches/crash_hunt.sh
#   The corpora are taken from (or downloaded into) $LOOPGUARD_CRASH_HUNT_CACHE (default
#   ~/.cache/loopguard-crash-hunt):
#   - python/NAME: the 600 most-downloaded PyPI packages pinned in
#     benches/crash_hunt/pypi-top600.txt, one directory per package: its CPython 3.12
#     manylinux/any wheel (`pip download --no-deps`), or its sdist when it has no such wheel
#     (listed as a fallback in the report), unpacked, keeping .py/.pyi/.rs files only. A package
#     that cannot be had at all is listed in the report, not a failure.
#   - cargo-home/registry/src: the crates locked by benches/crash_hunt/Cargo.lock for the
#     throwaway manifest benches/crash_hunt/Cargo.toml.template (direct dependencies on 166
#     async crates: tokio, axum, actix-web, sqlx, libp2p, aws-sdk-*, ...; ~2,400 crates in all),
#     via `cargo fetch --locked` (nothing is built). The report counts the crates with async
#     code (666 of 2,398 at the time of writing).
#   Downloads resume where they stopped; a corpus is complete when its marker file holds the
#   checksum of its pinned list (edit the list, and the next run updates the corpus).
#   LOOPGUARD_CRASH_HUNT_OFFLINE=1 never downloads: it checks the complete corpora only, and
#   exits 0 with a note when nothing is cached (CI).
#   LOOPGUARD_CRASH_HUNT_JOBS: parallel narrowing runs (default: one per core); pip downloads
#   run 4 at a time.
#   LOOPGUARD_CRASH_HUNT_TIMEOUT: seconds before a whole-corpus run counts as hung (default 3600).
#   LOOPGUARD_BIN uses a prebuilt binary instead of `cargo build --release --locked`.
#   Needs GNU time as /usr/bin/time (Debian: `apt-get install time`), python3 with pip, cargo.
#
# For each corpus it runs, under /usr/bin/time, with JSON output to $cache/runs/:
#   - all:     `check --select ALL` with every opt-in variant on (a config file written to a temp
#              dir and passed with --config; honouring it is checked on a sample first) and
#              LOOPGUARD_NO_PREFILTER=1 (every file parsed), excluding nothing;
#   - default: plain `check --isolated` (the default rules and excludes).
# Both use --exit-zero, but a stack overflow prints nothing and exits 134 all the same. When a
# run aborts (exit status other than 0/1: 134 is SIGABRT, 128+N signal N, 124 the timeout), each
# package is run alone to name the aborting ones, then each file of those alone.
# It prints a table (corpus, run, files, packages, aborts, LG004, wall time, peak RSS), the
# aborts and LG004 findings, and writes them to $cache/report.md. It fails (exit 1) on any
# abort and on any LG004 (internal error) finding.
set -euo pipefail
shopt -s inherit_errexit

root=$(cd "$(dirname "$0")/.." && pwd)
lists=$root/benches/crash_hunt
cache=${LOOPGUARD_CRASH_HUNT_CACHE:-$HOME/.cache/loopguard-crash-hunt}
offline=${LOOPGUARD_CRASH_HUNT_OFFLINE:-0}
jobs=${LOOPGUARD_CRASH_HUNT_JOBS:-$(nproc)}
run_timeout=${LOOPGUARD_CRASH_HUNT_TIMEOUT:-3600}
export cache

checksum() {
    sha256sum "$1" | cut -d ' ' -f 1
}

# The requirements of the pinned list, `name==version` a line.
requirements() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$lists/pypi-top600.txt" | grep -v '^$'
}

# Downloads and unpacks one requirement into $cache/python/NAME; records the outcome in
# $cache/pypi-status/NAME (`requirement<TAB>wheel|sdist<TAB>file`) or $cache/pypi-missing/NAME.
fetch_package() {
    local requirement=$1
    local name=${requirement%%==*}
    local status=$cache/pypi-status/$name
    if [ -f "$status" ] && [ "$(cut -f 1 "$status")" = "$requirement" ]; then
        return 0
    fi
    mkdir -p "$cache/pypi-status" "$cache/pypi-missing"
    rm -f "$status" "$cache/pypi-missing/$name"
    local download=$cache/pypi-download/$name target=$cache/python/$name kind=wheel
    rm -rf "$download" "$target"
    mkdir -p "$download" "$target"
    # pip does not widen a --platform to the older manylinux versions: each is named.
    local platforms=() minor
    for minor in $(seq 40 -1 5); do
        platforms+=(--platform "manylinux_2_${minor}_x86_64")
    done
    platforms+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64
        --platform manylinux1_x86_64 --platform linux_x86_64 --platform any)
    if ! python3 -m pip download --quiet --no-deps --disable-pip-version-check \
        --ignore-requires-python --only-binary=:all: --python-version 3.12 --implementation cp \
        --abi cp312 --abi abi3 --abi none "${platforms[@]}" \
        --dest "$download" "$requirement" > "$download.log" 2>&1; then
        kind=sdist
        rm -rf "$download" && mkdir -p "$download"
        if ! python3 -m pip download --quiet --no-deps --disable-pip-version-check \
            --ignore-requires-python --python-version 3.12 --no-binary=:all: \
            --dest "$download" "$requirement" >> "$download.log" 2>&1; then
            mkdir -p "$cache/pypi-missing"
            grep -E 'ERROR|error' "$download.log" | tail -n 1 > "$cache/pypi-missing/$name" || true
            rm -rf "$download" "$target" "$download.log"
            return 0
        fi
    fi
    local archive unpacked=0
    archive=$(find "$download" -maxdepth 1 -type f | head -n 1)
    case $archive in
        *.whl | *.zip) python3 -m zipfile -e "$archive" "$target" >> "$download.log" 2>&1 && unpacked=1 ;;
        *.tar.gz | *.tgz | *.tar.bz2 | *.tar) tar -xf "$archive" -C "$target" --no-same-owner && unpacked=1 ;;
    esac
    if [ "$unpacked" = 0 ]; then
        mkdir -p "$cache/pypi-missing"
        echo "could not unpack ${archive:-nothing downloaded}" > "$cache/pypi-missing/$name"
        rm -rf "$download" "$target" "$download.log"
        return 0
    fi
    chmod -R u+rwX "$target"
    find "$target" ! -type d ! -name '*.py' ! -name '*.pyi' ! -name '*.rs' -delete
    find "$target" -mindepth 1 -type d -empty -delete
    printf '%s\t%s\t%s\n' "$requirement" "$kind" "$(basename "$archive")" > "$status"
    rm -rf "$download" "$download.log"
}
export -f fetch_package

python_corpus() {
    local target=$cache/python marker=$cache/python.complete
    local sum
    sum=$(checksum "$lists/pypi-top600.txt")
    if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$sum" ]; then
        [ "$offline" = 1 ] && return 0
        mkdir -p "$target" "$cache/pypi-status" "$cache/pypi-missing"
        # Packages no longer in the list go.
        local listed
        listed=$(requirements | sed 's/==.*//')
        for dir in "$target"/*/; do
            [ -d "$dir" ] || continue
            grep -qxF "$(basename "$dir")" <<< "$listed" ||
                rm -rf "$dir" "$cache/pypi-status/$(basename "$dir")"
        done
        rm -f "$cache"/pypi-missing/*
        echo "crash_hunt: downloading $(requirements | wc -l) PyPI packages into $target" >&2
        # shellcheck disable=SC2016  # expanded by the inner bash
        requirements | xargs -P 4 -I {} bash -c 'fetch_package "$1"' _ {}
        rm -rf "$cache/pypi-download"
        echo "$sum" > "$marker"
    fi
    echo "$target"
}

rust_corpus() {
    local home=$cache/cargo-home marker=$cache/rust.complete
    local sum
    sum=$(cat "$lists/Cargo.toml.template" "$lists/Cargo.lock" | sha256sum | cut -d ' ' -f 1)
    if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$sum" ]; then
        [ "$offline" = 1 ] && return 0
        local project=$cache/rust-project
        rm -rf "$project" "$home/registry/src"
        mkdir -p "$project/src"
        echo 'fn main() {}' > "$project/src/main.rs"
        cp "$lists/Cargo.toml.template" "$project/Cargo.toml"
        cp "$lists/Cargo.lock" "$project/Cargo.lock"
        echo "crash_hunt: fetching the crates of $lists/Cargo.lock into $home" >&2
        CARGO_HOME=$home cargo fetch --locked --quiet --manifest-path "$project/Cargo.toml" >&2
        echo "$sum" > "$marker"
    fi
    # One directory per registry index (crates.io alone here).
    find "$home/registry/src" -mindepth 1 -maxdepth 1 -type d | head -n 1
}

# Each prints the corpus directory, or nothing when offline and not complete.
corpora=()
corpus_names=()
dir=$(python_corpus)
[ -z "$dir" ] || { corpora+=("$dir") && corpus_names+=(python); }
dir=$(rust_corpus)
[ -z "$dir" ] || { corpora+=("$dir") && corpus_names+=(rust); }
if [ ${#corpora[@]} -eq 0 ]; then
    echo "crash_hunt: no complete corpus in $cache and LOOPGUARD_CRASH_HUNT_OFFLINE=1: skipped"
    exit 0
fi


# Only now: a machine without a cached corpus needs nothing.
[ -x /usr/bin/time ] || {
    echo "crash_hunt: GNU time is missing: apt-get install time" >&2
    exit 2
}

if [ -n "${LOOPGUARD_BIN:-}" ]; then
    binary=$LOOPGUARD_BIN
else
    cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
    binary="${CARGO_TARGET_DIR:-$root/target}/release/loopguard"
fi
binary=$(realpath "$binary")
export binary

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=$cache/runs
rm -rf "$runs"
mkdir -p "$runs"

# Every opt-in variant and context (benches/everything.toml), and no excludes: every .py and .rs
# file is linted.
{ echo 'exclude = []'; cat "$root/benches/everything.toml"; } > "$work/loopguard.toml"
export config=$work/loopguard.toml

# `loopguard check` in a run mode, with further arguments: `all` is every rule and opt-in with
# every file parsed, `default` the built-in defaults.
lg() {
    local mode=$1
    shift
    case $mode in
        all) LOOPGUARD_NO_PREFILTER=1 "$binary" check --no-cache --config "$config" --select ALL "$@" ;;
        default) env -u LOOPGUARD_NO_PREFILTER "$binary" check --no-cache --isolated "$@" ;;
    esac
}
export -f lg

# Lints PATH in MODE (further arguments before PATH), JSON to OUT and stderr to OUT.err.
lint() {
    local mode=$1 out=$2 path=$3
    shift 3
    lg "$mode" --exit-zero --output-format json "$@" "$path" > "$out" 2> "$out.err"
}
export -f lint

# Prints `path:row: message` for each LG004 finding in the JSON reports given.
internal_errors() {
    python3 - "$@" <<'PY'
import json, sys
for report in sys.argv[1:]:
    try:
        with open(report) as handle:
            findings = json.load(handle)
    except (OSError, ValueError):
        continue  # an aborted run wrote no (or half a) report
    for finding in findings:
        if finding.get("code") == "LG004":
            row = (finding.get("location") or {}).get("row", "?")
            print(f"{finding['filename']}:{row}: {finding['message']}")
PY
}

# The opt-in config must be honoured: a metadata look-up (LG203 variant) and a detached
# `tokio::spawn` (LG402 variant) are found with it and not without.
sample=$work/sample
mkdir -p "$sample"
printf 'import os\n\n\nasync def exists(path):\n    return os.path.exists(path)\n' > "$sample/a.py"
printf 'async fn detach() {\n    tokio::spawn(async {});\n}\n' > "$sample/b.rs"
lint all "$work/sample.json" "$sample" || {
    cat "$work/sample.json.err"
    echo "crash_hunt: the opt-in config was rejected"
    exit 1
}
lg default --select ALL --exit-zero --output-format json "$sample" > "$work/sample-plain.json" 2> /dev/null
for code in LG203 LG402; do
    if ! grep -q "\"$code\"" "$work/sample.json" || grep -q "\"$code\"" "$work/sample-plain.json"; then
        echo "crash_hunt: the opt-in config is not honoured (no $code variant finding on the sample)"
        exit 1
    fi
done

# Runs MODE on one package directory (or file) alone; prints `rc<TAB>path` when it aborts.
narrow_one() {
    local mode=$1 out=$2 path=$3 rc=0
    timeout 600 bash -c 'lint "$@"' _ "$mode" "$out" "$path" -j 1 || rc=$?
    [ "$rc" -le 1 ] || printf '%s\t%s\n' "$rc" "$path"
}
export -f narrow_one

# After an aborted run of MODE over CORPUS: runs each package alone, then each file of the
# aborting packages alone. Writes $runs/NAME-MODE.aborts, a line per aborting package
# (`package (exit N): files that abort alone`), and leaves a JSON report per package in
# $runs/NAME-MODE.narrow/.
narrow() {
    local name=$1 mode=$2 corpus=$3
    local dir=$runs/$name-$mode.narrow
    mkdir -p "$dir/files"
    # shellcheck disable=SC2016  # expanded by the inner bash
    find "$corpus" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort |
        xargs -P "$jobs" -I {} bash -c 'narrow_one "$1" "$2/$3.json" "$4/$3"' _ "$mode" "$dir" {} "$corpus" |
        sort -t $'\t' -k 2 > "$dir/packages"
    : > "$runs/$name-$mode.aborts"
    local rc package files
    while IFS=$'\t' read -r rc package; do
        # shellcheck disable=SC2016  # expanded by the inner bash
        lg "$mode" --show-files "$package" 2> /dev/null < /dev/null |
            xargs -P "$jobs" -I {} bash -c 'narrow_one "$1" "$2/files/$$.json" "$3"' _ "$mode" "$dir" {} |
            cut -f 2 | xargs -r realpath -m --relative-to="$corpus" | sort > "$dir/files.tmp" || true
        files=$(paste -s -d ' ' "$dir/files.tmp")
        printf '%s (exit %s): %s\n' "$(basename "$package")" "$rc" \
            "${files:-no file aborts alone}" >> "$runs/$name-$mode.aborts"
    done < "$dir/packages"
}

table="| corpus | run | files | packages | aborts | LG004 | wall time | peak RSS |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
details=""
failed=0
for i in "${!corpora[@]}"; do
    corpus=${corpora[$i]}
    name=${corpus_names[$i]}
    packages=$(find "$corpus" -mindepth 1 -maxdepth 1 -type d | wc -l)
    echo "== $name: $corpus ($packages packages)"
    if [ "$name" = rust ]; then
        async_crates=0
        for crate in "$corpus"/*/; do
            grep -rqsE --include='*.rs' 'async fn|\.await' "$crate" && async_crates=$((async_crates + 1))
        done
        echo "  crates with async code (\`async fn\` or \`.await\`): $async_crates of $packages"
        details+="Rust: $async_crates of $packages crates have async code (\`async fn\` or \`.await\`)."$'\n'
    else
        wheels=$(cat "$cache"/pypi-status/* 2> /dev/null | grep -c $'\twheel\t' || true)
        sdists=$(cat "$cache"/pypi-status/* 2> /dev/null | grep $'\tsdist\t' | cut -f 1 | paste -s -d ' ' || true)
        missing=$(for file in "$cache"/pypi-missing/*; do
            [ -f "$file" ] && printf '%s (%s); ' "$(basename "$file")" "$(head -c 200 "$file" | tr -d '\n')"
        done || true)
        missing=${missing%; }
        echo "  wheels: $wheels; sdist fallbacks: ${sdists:-none}; not available: ${missing:-none}"
        details+="Python: $wheels wheels; sdist fallbacks: ${sdists:-none}; not available: ${missing:-none}."$'\n'
    fi
    for mode in all default; do
        out=$runs/$name-$mode.json
        files=$(lg "$mode" --show-files "$corpus" 2> /dev/null | wc -l)
        start=$(date +%s%N)
        rc=0
        /usr/bin/time -v -o "$out.time" timeout "$run_timeout" bash -c 'lint "$@"' _ "$mode" "$out" "$corpus" || rc=$?
        wall=$((($(date +%s%N) - start) / 1000000))
        rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out.time")
        aborts=0
        reports=("$out")
        if [ "$rc" -gt 1 ]; then
            failed=1
            echo "  $mode: ABORTED with exit status $rc ($(grep -v -e '^$' -e 'Aborted' "$out.err" | tail -n 2 | paste -s -d ' ')); narrowing"
            narrow "$name" "$mode" "$corpus"
            aborts=$(wc -l < "$runs/$name-$mode.aborts")
            [ "$aborts" -gt 0 ] || {
                echo "no package aborts alone" > "$runs/$name-$mode.aborts"
                aborts="1 (whole run only)"
            }
            details+="Aborts in $name/$mode (package, exit status, files that abort alone):"$'\n'
            details+=$(sed 's/^/    /' "$runs/$name-$mode.aborts")$'\n'
            # The whole run wrote no report: the per-package ones tell the LG004 findings.
            reports=("$runs/$name-$mode.narrow"/*.json)
        fi
        internal_errors "${reports[@]}" | sort -u > "$runs/$name-$mode.lg004"
        internal=$(wc -l < "$runs/$name-$mode.lg004")
        if [ "$internal" -gt 0 ]; then
            failed=1
            details+="LG004 in $name/$mode:"$'\n'$(sed 's/^/    /' "$runs/$name-$mode.lg004")$'\n'
        fi
        printf '  %s: exit %s, %s files, %s aborts, %s LG004, %s ms, %s MB\n' \
            "$mode" "$rc" "$files" "$aborts" "$internal" "$wall" "$((rss_kb / 1024))"
        table+=$'\n'"| $name | $mode | $files | $packages | $aborts | $internal | $((wall / 1000)).$((wall % 1000 / 100)) s | $((rss_kb / 1024)) MB |"
    done
done

{
    echo "# loopguard crash hunt ($(date -u +%Y-%m-%dT%H:%MZ), $("$binary" --version))"
    echo
    echo "all: --select ALL, every opt-in, LOOPGUARD_NO_PREFILTER=1, no excludes; default: plain check --isolated."
    echo
    echo "$table"
    echo
    printf '%s' "$details"
} > "$cache/report.md"
echo
cat "$cache/report.md"

if [ "$failed" -ne 0 ]; then
    echo "crash_hunt: FAILED"
    exit 1
fi
echo "crash_hunt: OK"
