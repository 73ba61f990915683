#!/usr/bin/env bash
# Throughput of `loopguard check` over a directory: files/s and MB/s, median of N runs.
# Usage: benches/bench.sh DIR [RUNS] [-- extra loopguard check arguments]
set -euo pipefail

dir=${1:?usage: benches/bench.sh DIR [RUNS] [-- loopguard args]}
runs=${2:-5}
shift $(( $# >= 2 ? 2 : 1 ))
[ "${1:-}" = "--" ] && shift
extra=("$@")

root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
binary="${CARGO_TARGET_DIR:-$root/target}/release/loopguard"

mapfile -t listed < <("$binary" check --isolated --show-files "$dir")
files=${#listed[@]}
bytes=$(printf '%s\0' "${listed[@]}" | xargs -0 stat -c %s | awk '{ total += $1 } END { print total + 0 }')

times=()
for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    "$binary" check --isolated --no-cache --exit-zero --quiet --output-format concise "${extra[@]}" "$dir" > /dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

awk -v files="$files" -v bytes="$bytes" -v seconds="$median" -v runs="$runs" 'BEGIN {
    printf "files: %d  size: %.1f MB  median of %d runs: %.3f s\n", files, bytes / 1e6, runs, seconds
    printf "throughput: %.0f files/s  %.1f MB/s\n", files / seconds, bytes / 1e6 / seconds
}'
