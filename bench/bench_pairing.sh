#!/usr/bin/env bash
# bench_pairing.sh [BUILD] [STAGES] — pairing by content on two traces of
# STAGES stages each (default 5,000) whose names share nothing
# (bench/make_pairing_data.py: the port names every stage its own way,
# stores it transposed, records 1,500 extra stages and omits 10): the time
# of `parity match` (median of 5, wall and CPU) and how many of the port's
# stages it paired with the right reference stage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
stages=${2:-5000}
py=${PARITY_PYTHON:-/usr/bin/python3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$py" "$here/make_pairing_data.py" "$dir" "$stages"
walls=() cpus=()
for run in 1 2 3 4 5; do
    /usr/bin/time -f '%e %U %S' -o "$dir/time" "$build/parity" match "$dir/ref.safetensors" \
        "$dir/port.safetensors" --format json > "$dir/match.json" || [ $? -eq 1 ]
    read -r wall user sys < <(tail -n 1 "$dir/time") # after "exited with status 1"
    walls+=("$wall") cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
"$py" - "$dir/match.json" "$dir/truth.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
got = {p["port"]: p["ref"] for p in m["pairs"]}
right = sum(1 for k, v in truth.items() if got.get(k) == v)
wrong = sum(1 for k, v in got.items() if truth.get(k, v) != v or k not in truth)
print(f"paired right: {right} of {len(truth)} port stages that have a partner; wrong: {wrong}")
PY
echo "parity match, $stages stages per side: wall $(median "${walls[@]}") s, CPU $(median "${cpus[@]}") s (medians of 5)"
