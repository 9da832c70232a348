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
# The full walk has one line per stage (196 here) and one error curve per
# series: show the table up to just past the first divergence, then the
# verdicts, the curves of the culprit's series and of the state, and the
# solver forensics. The full text is kept next to the traces.
"$parity" trace "$ref" "$out/port-$defect.safetensors" "${opts[@]}" \
    > "$out/trace-$defect.txt" || true
awk '
  NR == FNR { if (match($0, /\(stage [0-9]+ of/)) first = substr($0, RSTART + 7) + 0; next }
  /^stage  / { table = 1; print; next }
  table && /^$/ { table = 0; print "  ..."; print; next }
  table { if (++row <= first + 2) print; next }
  /^Series/ { series = 1; print; next }
  series && /^$/ { series = 0; print; next }
  series { if ($0 ~ /ode\.step\{k\}\.x / || $0 ~ culprit_series) print; next }
  /^Culprit: / { name = $2; sub(/:$/, "", name); gsub(/step[0-9]+/, "step{k}", name);
                 gsub(/[.{}]/, "\\\\&", name); culprit_series = "  " name " " }
  { print }
' "$out/trace-$defect.txt" "$out/trace-$defect.txt"
echo "(the whole walk: $out/trace-$defect.txt)"

if has_verb explain; then
  banner "3. parity explain: what the port did there"
  "$parity" explain "$ref" "$out/port-$defect.safetensors" "${opts[@]}" || true
fi

banner "4. The port without the defect"
"$port" --fixtures "$fixtures" --defect none --trace "$out/port-none.safetensors"
"$parity" trace "$ref" "$out/port-none.safetensors" "${opts[@]}" > "$out/trace-none.txt" || true
grep -E '^(Inputs|[0-9]+ stages:|First divergence|Culprit)' "$out/trace-none.txt"
echo "(the whole walk: $out/trace-none.txt)"
echo
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
