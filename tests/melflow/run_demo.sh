#!/bin/bash
# `make demo` (examples/melflow/demo.sh) with its default defect,
# attn-scale, on the build under test: it must exit 0 within 2 minutes and
# print
#   - the first divergence and the culprit: ode.step1.est.attn.scores;
#   - that stage in the seed plan's format (Stage/Python/C/Diff/Status);
#   - explain's answer: a scale of sqrt(48);
#   - that every weight the port uses matches (the bug is in the formula);
#   - without the defect: "196 of 196 stages compared: 196 MATCH", first divergence none,
#     and the mel's |mean difference| under 0.01 dB;
#   - parity same: "196 of 196 tensors compared: 196 identical, 0 different";
#   - the path of an HTML report that exists.
set -u
: "${PARITY_SRC:?}" "${PARITY_BUILD:?}"
py=${PARITY_PYTHON:-/usr/bin/python3}
[ -x "$PARITY_BUILD/melflow_port" ] || { echo "melflow_port not built; skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

start=$(date +%s)
timeout 120 bash "$PARITY_SRC/examples/melflow/demo.sh" "$PARITY_BUILD" >"$tmp/out" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
[ "$rc" = 0 ] || { fail "demo.sh exit $rc after ${secs}s"; tail -20 "$tmp/out"; exit 1; }
echo "demo.sh: ${secs}s"

has() { # has LABEL FIXED-STRING: a line of the output contains it
    grep -qF -- "$2" "$tmp/out" && echo "ok: $1" || fail "$1: no line with '$2'"
}
first='ode.step1.est.attn.scores'
has "first divergence" "First divergence: $first (stage 15 of 196)"
has "culprit" "Culprit: $first: relative 5.928"
has "seed format, stage" "Stage: $first"
# The five lines of the seed format follow one another.
grep -A5 -F "Stage: $first" "$tmp/out" | awk '
    NR == 2 && /^Python: \[1, 2, 80, 80\]/ { n++ } NR == 3 && /^C: +\[1, 2, 80, 80\]/ { n++ }
    NR == 4 && /^Diff: / { n++ } NR == 5 && /^More: / { n++ } NR == 6 && /^Status: LARGE DIFF$/ { n++ }
    END { exit n == 5 ? 0 : 1 }' && echo "ok: seed format block" ||
    fail "seed format: the Python/C/Diff/More/Status lines do not follow 'Stage: $first'"
has "explain" "1. scale 6.928 = sqrt(48)"
has "weights" "all 35 weights MATCH"
has "none: every stage" "196 of 196 stages compared: 196 MATCH, 0 SMALL DIFF, 0 LARGE DIFF"
has "none: no divergence" "First divergence: none; every stage is MATCH"
has "same" "196 of 196 tensors compared: 196 identical, 0 different"
db=$(sed -n 's/^More: *mean_diff=[^ ]* (\([^ ]*\) dB).*/\1/p' "$tmp/out" | tail -1)
if [ -n "$db" ] && "$py" -c "import sys; sys.exit(0 if abs(float('$db')) < 0.01 else 1)"; then
    echo "ok: mel mean difference $db dB"
else
    fail "mel mean difference '$db' dB, expected |x| < 0.01"
fi
report=$(sed -n 's/^report: //p' "$tmp/out")
if [ -n "$report" ] && [ -s "$report" ]; then
    echo "ok: report $report"
else
    fail "no report path, or '$report' is missing"
fi
exit $status
