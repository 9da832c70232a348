#!/usr/bin/env bash
# The melflow case study end to end (`make demo`):
#   1. run the C port with one planted defect and trace every stage;
#   2. parity trace: where it diverges first, which stage introduces the error;
#   3. parity explain: what transformation that stage applied;
#   4. run the port without the defect: every stage MATCH, mel within 0.01 dB;
#   5. run it twice: parity same finds the two runs bit-identical;
#   6. write the HTML report.
# Usage: examples/melflow/demo.sh [build dir] [defect]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
defect=${2:-attn-scale}
case "$build" in /*) ;; *) build=$top/$build ;; esac
parity=$build/parity
port=$build/melflow_port
fixtures=$top/examples/melflow/fixtures
ref=$fixtures/reference.safetensors
out=$build/demo
mkdir -p "$out"
opts=(--labels Python,C --domain ln-mag --color never)

banner() { printf '\n== %s\n\n' "$*"; }
has_verb() { "$parity" "$1" --help >/dev/null 2>&1; }

banner "1. The C port with defect '$defect', traced stage by stage"
"$port" --fixtures "$fixtures" --defect "$defect" --trace "$out/port-$defect.safetensors"
echo "reference trace: $ref"
echo "port trace:      $out/port-$defect.safetensors"

banner "2. parity trace: first divergence and culprit"
# The full table has one line per stage (196 here); show the verdict lines,
# the inputs statement, the stages around the first divergence and the
# solver forensics.
"$parity" trace "$ref" "$out/port-$defect.safetensors" "${opts[@]}" \
    > "$out/trace-$defect.txt" || true
grep -E -A1000 '^(Inputs|First divergence|first divergence)' "$out/trace-$defect.txt" \
    | grep -v -E '^  ode\.step[0-9]+\.' | head -60
echo "(full table: $out/trace-$defect.txt)"

first=$("$parity" trace "$ref" "$out/port-$defect.safetensors" --format json \
        | /usr/bin/env python3 -c 'import json,sys; d=json.load(sys.stdin); f=d.get("first_divergence"); print((f or {}).get("name",""))' 2>/dev/null || true)
if [ -n "$first" ]; then
  banner "   the first diverging stage, in the seed plan's format"
  "$parity" diff "$ref" "$out/port-$defect.safetensors" --only "$first" "${opts[@]}" -v || true
fi

if has_verb explain; then
  banner "3. parity explain: what the port did there"
  "$parity" explain "$ref" "$out/port-$defect.safetensors" "${opts[@]}" || true
fi

banner "4. The port without the defect"
"$port" --fixtures "$fixtures" --defect none --trace "$out/port-none.safetensors"
"$parity" trace "$ref" "$out/port-none.safetensors" "${opts[@]}" -q > "$out/trace-none.txt" \
    && echo "parity trace: every stage MATCH ($(grep -c ': MATCH' "$out/trace-none.txt") stages)" \
    || { echo "parity trace found differences:"; grep -v ': MATCH' "$out/trace-none.txt"; }
"$parity" diff "$ref" "$out/port-none.safetensors" --only mel "${opts[@]}" -v

banner "5. Reproducibility: two runs of the port"
"$port" --fixtures "$fixtures" --defect none --trace "$out/port-none-run2.safetensors"
"$parity" same "$out/port-none.safetensors" "$out/port-none-run2.safetensors" | tail -1

if has_verb report; then
  banner "6. The HTML report"
  "$parity" report "$ref" "$out/port-$defect.safetensors" "${opts[@]}" \
      -o "$out/melflow-$defect.html" >/dev/null || true
  echo "report: $out/melflow-$defect.html"
fi
