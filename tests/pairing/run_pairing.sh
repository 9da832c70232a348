#!/usr/bin/env bash
# run_pairing.sh — pairing by content on real traces (issue acceptance,
# docs/matching.md): a PyTorch model of nn.TransformerEncoderLayer blocks
# traced by the Python tracer, against hand-written NumPy ports of it with
# their own stage names and a channel-major layout (tests/cli/data/pairing,
# tools/gen_pairing_fixtures.py):
#   port_gelu/            a folder of .npy (no recorded order), GELU for ReLU
#                         in block 1
#   port_wt.safetensors   ordered, extra q/k/v stages, block 0's norm1
#                         omitted, block 0's out_proj weight transposed
# For each: `parity trace REF PORT` with no option pairs at least 90% of
# the port's stages with the right reference stage (the truth files) and
# none wrongly, and names the bug's stage as culprit; `parity match -o MAP`
# writes a map with which `trace --map MAP --pair names` pairs the same
# stages and names the same culprit. Two traces that share nothing pair
# nothing (exit 1, "0 of").
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
PARITY="${PARITY:-$src/build/parity}"
py="${PARITY_PYTHON:-/usr/bin/python3}"
data="$src/tests/cli/data/pairing"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
command -v "$py" >/dev/null || { echo "skipped: no $py" >&2; exit 77; }

# check.py TRACE.json TRUTH.json CULPRIT [MAPPED_TRACE.json]
cat > "$tmp/check.py" <<'PY'
import json, sys
trace = json.load(open(sys.argv[1])); truth = json.load(open(sys.argv[2]))
culprit = sys.argv[3]
got = {s["port_name"]: s["name"] for s in trace["stages"]}
right = sum(1 for k, v in truth.items() if got.get(k) == v)
wrong = [(k, v) for k, v in got.items() if k in truth and truth[k] != v]
share = right / len(truth)
ok = share >= 0.9 and not wrong and trace["culprit"] and trace["culprit"]["name"] == culprit
print(f"  paired right {right} of {len(truth)} ({share:.0%}), wrong {len(wrong)}, "
      f"culprit {trace['culprit'] and trace['culprit']['name']} (expected {culprit})")
if len(sys.argv) > 4:
    again = json.load(open(sys.argv[4]))
    same = {s["port_name"]: s["name"] for s in again["stages"]} == got
    same_culprit = again["culprit"] and again["culprit"]["name"] == culprit
    print(f"  with the written map: same pairs {same}, same culprit {bool(same_culprit)}")
    ok = ok and same and same_culprit
sys.exit(0 if ok else 1)
PY

for case in "port_gelu layers.1.relu" "port_wt.safetensors layers.0.self_attn.0"; do
    set -- $case
    port=$1 culprit=$2 truth="$data/${1%.safetensors}.truth.json"
    echo "== $port"
    "$PARITY" trace "$data/ref.safetensors" "$data/$port" --format json > "$tmp/t.json"
    [ $? -eq 1 ] || { echo "FAIL $port: trace should exit 1 (a bug is planted)"; fail=1; }
    "$PARITY" match "$data/ref.safetensors" "$data/$port" -o "$tmp/map.txt" > "$tmp/m.txt" 2> "$tmp/m.err"
    rc=$?
    [ $rc -le 1 ] || { echo "FAIL $port: match exit $rc: $(cat "$tmp/m.err")"; fail=1; }
    grep -q '^\^.*\$  =>  ' "$tmp/map.txt" || { echo "FAIL $port: no rule in the map"; fail=1; }
    "$PARITY" trace "$data/ref.safetensors" "$data/$port" --map "$tmp/map.txt" --pair names \
        --format json > "$tmp/t2.json"
    "$py" "$tmp/check.py" "$tmp/t.json" "$truth" "$culprit" "$tmp/t2.json" || {
        echo "FAIL $port"; fail=1; }
done

echo "== apart (no name and no content in common)"
out=$("$PARITY" trace "$data/apart_ref.safetensors" "$data/apart_port.safetensors" 2>&1)
rc=$?
first=$(printf '%s\n' "$out" | head -n 1)
case "$first" in "0 of 7 stages compared"*) ;; *) echo "FAIL apart: first line: $first"; fail=1 ;; esac
[ $rc -eq 1 ] || { echo "FAIL apart: exit $rc, expected 1"; fail=1; }
echo "  $first" | cut -c1-120

[ $fail -eq 0 ] && echo "run_pairing: all passed"
exit $fail
