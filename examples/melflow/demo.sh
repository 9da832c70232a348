#!/usr/bin/env bash
# The melflow case study end to end (`make demo`, `make demo DEFECT=name`):
#   1. run the C port with one planted defect, trace every stage and dump
#      the weights it uses;
#   2. parity trace: where it diverges first, which stage introduces the
#      error, and the first divergence in the seed plan's five-line format;
#   3. parity explain: what transformation that stage applied; then the
#      port's weights against the reference's (the seed plan's "check the
#      weights" step), explained where they differ;
#   4. run the port without the defect: every stage MATCH, mel within 0.01 dB;
#   5. run it twice: parity same finds the two runs bit-identical;
#   6. write the HTML report.
# Usage: examples/melflow/demo.sh [build dir] [defect]
# A parity command that fails (exit 2) stops the demo; exit 1 (differences
# found) is what the broken port is expected to give.
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
labels=(--labels Python,C --color never)
opts=("${labels[@]}" --domain ln-mag)
# Each verb takes only the options it honours: explain prints neither side
# names nor colours, and the HTML report has no terminal colours.
explain_opts=(--domain ln-mag)
report_opts=(--labels Python,C --domain ln-mag)

banner() { printf '\n== %s\n\n' "$*"; }
# show WORDS...: "$ WORDS", paths shown relative to the repository root.
show() { local s="\$ $*"; echo "${s//$top\//}"; }
# differences: run a parity command whose exit 1 means "found differences".
differences() { "$@" || [ $? -eq 1 ]; }

banner "1. The C port with defect '$defect', traced stage by stage"
show "$port" --fixtures "$fixtures" --defect "$defect" --trace "$out/port-$defect.safetensors" \
    --dump-weights "$out/weights-$defect.safetensors"
"$port" --fixtures "$fixtures" --defect "$defect" --trace "$out/port-$defect.safetensors" \
    --dump-weights "$out/weights-$defect.safetensors"
echo "reference trace: $ref"
echo "port trace:      $out/port-$defect.safetensors"
echo "port weights:    $out/weights-$defect.safetensors (as the port holds and uses them)"

banner "2. parity trace: first divergence and culprit"
# The full walk has one line per stage (196 here) and one error curve per
# series: show the table up to just past the first divergence, then the
# verdicts, the curves of the culprit's series and of the state, and the
# solver forensics. The full text is kept next to the traces.
show "$parity" trace "$ref" "$out/port-$defect.safetensors" "${opts[@]}" ">" \
    "$out/trace-$defect.txt"
echo "(abridged:)"
differences "$parity" trace "$ref" "$out/port-$defect.safetensors" "${opts[@]}" \
    > "$out/trace-$defect.txt"
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
first=$(sed -n 's/^First divergence: \([^ ]*\) (stage .*/\1/p' "$out/trace-$defect.txt")
if [ -n "$first" ]; then
  echo
  echo "The first divergence, in the seed plan's format:"
  echo
  show "$parity" diff "$ref" "$out/port-$defect.safetensors" --only "$first" "${labels[@]}" -v
  differences "$parity" diff "$ref" "$out/port-$defect.safetensors" --only "$first" \
      "${labels[@]}" -v
fi

banner "3. parity explain: what the port did there"
show "$parity" explain "$ref" "$out/port-$defect.safetensors" "${explain_opts[@]}"
differences "$parity" explain "$ref" "$out/port-$defect.safetensors" "${explain_opts[@]}" \
    > "$out/explain-$defect.txt"
# (without its trailing blank lines)
awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i] }' \
    "$out/explain-$defect.txt"
# A stage whose inputs match can still compute with the wrong weights, or
# with the right bytes in the wrong layout; its output alone cannot say
# which. The port's own dump of the weights it uses can.
echo
echo "The weights the port uses against the reference's:"
show "$parity" diff "$fixtures/weights.safetensors" "$out/weights-$defect.safetensors" -q
differences "$parity" diff "$fixtures/weights.safetensors" "$out/weights-$defect.safetensors" \
    -q "${labels[@]}" | grep -E ': (MATCH|SMALL DIFF|LARGE DIFF)$' > "$out/weights-$defect.txt"
bad_weights=$(grep -v ': MATCH$' "$out/weights-$defect.txt" | sed 's/: [A-Z ]*$//' || true)
if [ -z "$bad_weights" ]; then
  echo "all $(wc -l < "$out/weights-$defect.txt") weights MATCH (after the port's layout," \
       "Conv1d [out,k,in], is aligned)."
  [ -z "$first" ] || echo "The port computes differently with the right weights."
else
  grep -v ': MATCH$' "$out/weights-$defect.txt"
  echo
  targs=()
  for w in $bad_weights; do targs+=(-t "$w"); done
  show "$parity" explain "$fixtures/weights.safetensors" "$out/weights-$defect.safetensors" "${targs[@]}"
  differences "$parity" explain "$fixtures/weights.safetensors" \
      "$out/weights-$defect.safetensors" "${targs[@]}"
fi

banner "4. The port without the defect"
show "$port" --fixtures "$fixtures" --defect none --trace "$out/port-none.safetensors"
"$port" --fixtures "$fixtures" --defect none --trace "$out/port-none.safetensors"
show "$parity" trace "$ref" "$out/port-none.safetensors" "${opts[@]}" ">" "$out/trace-none.txt"
"$parity" trace "$ref" "$out/port-none.safetensors" "${opts[@]}" > "$out/trace-none.txt"
show grep -E "'^(Inputs|[0-9]+ of [0-9]+ stages compared|First divergence|Culprit)'" "$out/trace-none.txt"
grep -E '^(Inputs|[0-9]+ of [0-9]+ stages compared|First divergence|Culprit)' "$out/trace-none.txt"
echo "(the whole walk: $out/trace-none.txt)"
echo
show "$parity" diff "$ref" "$out/port-none.safetensors" --only mel "${opts[@]}" -v
"$parity" diff "$ref" "$out/port-none.safetensors" --only mel "${opts[@]}" -v

banner "5. Reproducibility: two runs of the port"
show "$port" --fixtures "$fixtures" --defect none --trace "$out/port-none-run2.safetensors"
"$port" --fixtures "$fixtures" --defect none --trace "$out/port-none-run2.safetensors"
show "$parity" same "$out/port-none.safetensors" "$out/port-none-run2.safetensors"
differences "$parity" same "$out/port-none.safetensors" "$out/port-none-run2.safetensors" \
    > "$out/same.txt"
# The summary, then whatever is not identical (differing or unpaired names).
grep -E '^[0-9]+ of [0-9]+ tensors? compared' "$out/same.txt"
grep -vE '^[0-9]+ of [0-9]+ tensors? compared|: identical$' "$out/same.txt" || true

banner "6. The HTML report"
rm -f "$out/melflow-$defect.html"
show "$parity" report "$ref" "$out/port-$defect.safetensors" "${report_opts[@]}" -o "$out/melflow-$defect.html"
differences "$parity" report "$ref" "$out/port-$defect.safetensors" "${report_opts[@]}" \
    -o "$out/melflow-$defect.html" >/dev/null
if [ -s "$out/melflow-$defect.html" ]; then
  echo "report: $out/melflow-$defect.html"
else
  echo "no report was written"
fi
