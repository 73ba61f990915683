#!/usr/bin/env bash
# Held-out precision corpus (issue #21): fetch the packages and crates pinned in
# benches/precision/corpus.toml and lint one half of them with the default rules.
#
# Usage: benches/precision.sh tune|test [extra loopguard check args...]
#   The corpus lives in $LOOPGUARD_PRECISION_CACHE (default ~/.cache/loopguard-precision):
#   wheels/ and crates/ as downloaded (pip download --no-deps; https://static.crates.io), and
#   src/<half>/<name>/ unpacked, keeping .py/.rs files. It writes
#   $cache/runs/<half>.json (loopguard's JSON findings) and prints the count per rule and
#   language. LOOPGUARD_BIN uses a prebuilt binary instead of `cargo build --release --locked`.
#   Rules are tuned on `tune` only; `test` is read once, when the rules are final.
set -euo pipefail
half=${1:?usage: benches/precision.sh tune|test [check args...]}
shift
case "$half" in tune | test) ;; *) echo "half must be tune or test" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${LOOPGUARD_PRECISION_CACHE:-$HOME/.cache/loopguard-precision}
mkdir -p "$cache/wheels" "$cache/crates" "$cache/runs" "$cache/src/$half"

packages=$(python3 - "$root/benches/precision/corpus.toml" "$half" <<'PY'
import sys, tomllib
corpus = tomllib.load(open(sys.argv[1], "rb"))
for package in corpus["package"]:
    if package["half"] == sys.argv[2]:
        print(package["ecosystem"], package["name"], package["version"])
PY
)

while read -r ecosystem name version; do
    target="$cache/src/$half/$name"
    [ -d "$target" ] && continue
    tmp=$(mktemp -d)
    if [ "$ecosystem" = pypi ]; then
        python3 -m pip download --quiet --no-deps --disable-pip-version-check \
            --dest "$cache/wheels" "$name==$version"
        wheel=$(ls "$cache/wheels/"*.whl | python3 -c "
import sys, re
want = re.sub(r'[-_.]+', '_', sys.argv[1]).lower()
for line in sys.stdin:
    file = line.strip().rsplit('/', 1)[-1]
    if file.lower().startswith(want + '-' + sys.argv[2] + '-'):
        print(line.strip())
        break" "$name" "$version")
        python3 -m zipfile -e "$wheel" "$tmp"
    else
        crate="$cache/crates/$name-$version.crate"
        [ -f "$crate" ] || curl -sSfL -o "$crate" "https://static.crates.io/crates/$name/$name-$version.crate"
        tar -xzf "$crate" -C "$tmp"
    fi
    find "$tmp" -type f ! -name '*.py' ! -name '*.rs' -delete
    mkdir -p "$(dirname "$target")"
    mv "$tmp" "$target"
done <<<"$packages"

bin=${LOOPGUARD_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --locked --manifest-path "$root/Cargo.toml" >&2
    bin="${CARGO_TARGET_DIR:-$root/target}/release/loopguard"
fi
bin=$(realpath "$bin")
# Linted from inside the half so that paths are relative to it: the half named `test` must not
# make every file look like test code.
(cd "$cache/src/$half" && "$bin" check --isolated --no-cache --exit-zero --output-format json "$@" .) \
    >"$cache/runs/$half.json"
python3 - "$cache/runs/$half.json" "$cache/src/$half/" <<'PY'
import collections, json, sys
findings = json.load(open(sys.argv[1]))
counts = collections.Counter(
    (f["code"], "rust" if f["filename"].endswith(".rs") else "python") for f in findings)
for (code, language), count in sorted(counts.items()):
    print(f"{code} {language:6} {count}")
print(f"{len(findings)} findings in {sys.argv[1]}")
PY
