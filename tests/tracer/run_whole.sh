#!/usr/bin/env bash
# run_whole.sh — a C port that decodes one position at a time against the
# whole-sequence PyTorch reference (docs/matching.md, step pairs):
# tests/programs/trace_kv.c, traced with the C tracer under its own names
# (name, name#1, ..., name#5, its KV cache and attention scores growing
# with the position), against tests/tracer/kv_whole.py, which runs every
# position at once ([1, 6, 8], keys [1, 2, 6, 4], scores [1, 2, 6, 6]).
# - the unmodified port: `parity trace REF PORT --map kv_port.map` exits 0,
#   every stage MATCH, nothing unpaired, no conversion script; as a trace
#   directory and as a single file;
# - the port with its bug (--defect: layer 1's attention scale): trace
#   names layers.1.attention.scores as culprit at position 1, the first
#   where it diverges (position 0 has one score: softmax 1 whatever the
#   scale), and the table row of that stage says so;
# - with no map at all: the series paired by content (each position
#   against its part of a stacked tensor), 189/189 compared, exit 0; the
#   defect named at the same stage and position; the map `parity match`
#   writes reproduces that pairing with --pair names;
# - inject mode against the whole-sequence reference with the bug: every
#   inject call patched with its position, only the scores differ;
# - the other way round: a reference traced per position (kv_reference.py)
#   against a port that stacks the positions (kv_whole.py), exit 0.
# Env: PARITY_BUILD (trace_kv), PARITY (CLI), PARITY_PYTHON, PARITY_SRC.
set -u

fail() { echo "run_whole.sh: $*" >&2; exit 1; }

. "$(dirname "$0")/kv_env.sh"
"$py" -c 'import numpy, torch' 2>/dev/null || { echo "skipped: $py lacks numpy or torch" >&2; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"

"$bin" --make-weights w.bin || fail "cannot write the weights"
"$py" "$src/tests/tracer/kv_whole.py" w.bin whole.safetensors || fail "kv_whole.py failed"

for port in port port.safetensors; do
    PARITY_TRACE=$port "$bin" w.bin >/dev/null 2>"$port.err" || fail "run into $port: $(cat "$port.err")"
    "$PARITY" trace whole.safetensors "$port" --map "$map" > "$port.txt"
    rc=$?
    [ $rc = 0 ] || fail "trace whole $port --map: exit $rc, expected 0; $(grep -v MATCH "$port.txt" | head -5)"
    grep -q "^189 of 189 stages compared" "$port.txt" ||
        fail "trace whole $port: $(grep 'stages compared' "$port.txt")"
done

PARITY_TRACE=bug "$bin" w.bin --defect >/dev/null 2>bug.err || fail "defect run: $(cat bug.err)"
"$PARITY" trace whole.safetensors bug --map "$map" > bug.txt
rc=$?
[ $rc = 1 ] || fail "trace with the defect: exit $rc, expected 1"
grep -q "^First divergence: layers.1.attention.scores@1 " bug.txt ||
    fail "first divergence: $(grep '^First' bug.txt)"
grep -q "^Culprit: layers.1.attention.scores@1: " bug.txt || fail "culprit: $(grep '^Culprit' bug.txt)"
grep -q "^layers.1.attention.scores@0..5 .*LARGE DIFF  6 positions.*first not MATCH: @1" bug.txt ||
    fail "the scores row: $(grep '^layers.1.attention.scores' bug.txt)"
"$PARITY" trace whole.safetensors bug --map "$map" --format json > bug.json
"$py" - bug.json <<'PY' || fail "JSON culprit"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["culprit"]["name"] == "layers.1.attention.scores@1", t["culprit"]
series = [s for s in t["series"] if s["pattern"] == "layers.1.attention.scores@{k}"]
assert series and series[0]["k"] == [0, 1, 2, 3, 4, 5], series
assert series[0]["relative"][0] == 0 and min(series[0]["relative"][1:]) > 0.1, series
PY

# Inject from the whole-sequence reference: each call gets its position
# (the scores [H, pos+1] their valid prefix, through the port's strides),
# so only the defect's own stage differs, from position 1 on.
PARITY_TRACE=inj PARITY_INJECT=whole.safetensors PARITY_MAP="$map" "$bin" w.bin --defect \
    >inj.out 2>inj.err || fail "inject from whole: $(cat inj.err)"
grep -qx "stages 189 injected 162 of 162 inject calls" inj.out || fail "inject: $(head -1 inj.out)"
"$PARITY" trace whole.safetensors inj --map "$map" > inj.txt
rc=$?
[ $rc = 1 ] || fail "trace of the injected run: exit $rc, expected 1"
[ "$(grep -c 'LARGE DIFF  6 positions' inj.txt)" = 1 ] &&
    grep -q "^layers.1.attention.scores@0..5 .*first not MATCH: @1" inj.txt &&
    grep -q "^189 of 189 stages compared: 184 MATCH, 0 SMALL DIFF, 5 LARGE DIFF" inj.txt ||
    fail "the injected run: $(grep -v ' MATCH ' inj.txt | head -5)"

"$py" "$src/tests/tracer/kv_reference.py" w.bin steps.safetensors || fail "kv_reference.py failed"
"$PARITY" trace steps.safetensors whole.safetensors > other.txt
rc=$?
[ $rc = 0 ] || fail "per-position reference vs stacked port: exit $rc; $(grep -v MATCH other.txt | head -5)"

# No map: the port's own names, paired by content.
"$PARITY" trace whole.safetensors port > nomap.txt
rc=$?
[ $rc = 0 ] || fail "trace whole port without a map: exit $rc; $(grep 'stages compared' nomap.txt)"
grep -q "^189 of 189 stages compared (188 paired by content)" nomap.txt ||
    fail "without a map: $(grep 'stages compared' nomap.txt)"
"$PARITY" trace whole.safetensors bug > nomap_bug.txt
rc=$?
[ $rc = 1 ] || fail "trace with the defect, no map: exit $rc, expected 1"
grep -q "^Culprit: layers.1.attention.scores@1: " nomap_bug.txt ||
    fail "culprit without a map: $(grep '^Culprit' nomap_bug.txt)"
"$PARITY" match whole.safetensors bug -o written.map > match.txt 2>match.err
grep -q "^  layers.1.attention.scores <- blk.1.kq_soft .. blk.1.kq_soft#5  \[content 0\.9" match.txt ||
    fail "parity match, the scores series: $(grep 'scores' match.txt)"
"$PARITY" trace whole.safetensors bug --map written.map --pair names > written.txt
sed "s/ (188 paired by content)//" nomap_bug.txt > nomap_bug_names.txt
cmp -s nomap_bug_names.txt written.txt ||
    fail "the written map pairs otherwise: $(diff nomap_bug_names.txt written.txt | head -5)"

echo "run_whole.sh: all passed"
