#!/usr/bin/env bash
# run_kill.sh — traces killed (SIGKILL) at random moments while stages
# are being written, by the C tracer (tests/programs/trace_many.c) and by
# the Python tracer (the same stages), several times each: directory
# traces, and single-file traces (a journal until close, docs/tracing.md).
#
# The writer prints each stage number after its add returned. After the
# kill, every stage up to the last number printed must be there: the stages
# index.json lists followed by the stage files it does not list yet, in
# file-number order, must be exactly input, s1, ..., sM with M >= that
# number (nothing lost, nothing out of order, no gap), each holding its
# values (parsed here with NumPy, independently of either tracer); the
# parents index.json records are each stage's predecessor, for all indexed
# stages but the last (whose parents come with the next rewrite); and
# parity's reader (`parity trace DIR DIR --format json`) and the Python
# reader (parity_trace.read_trace) must list the same stages in that order,
# with "input" marked as an input.
# A single file killed this way is the tracer's journal: read with the
# test suite's own reader of the documented layout (tests/lib), it must
# hold the same stages, values and parents (all but the last stage's,
# which come in a record of their own), and parity must read it the same
# and say on stderr how many stages it recovered.
# The kill comes 0.02 to 1.5 s after the input is traced, so some kills
# land while index.json is being rewritten.
# Env: PARITY_BUILD (trace_many), PARITY (CLI), PARITY_PYTHON, PARITY_SRC.
set -u

fail() { echo "run_kill.sh: $*" >&2; exit 1; }

src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
bin="${PARITY_BUILD:?PARITY_BUILD is not set}/trace_many"
py="${PARITY_PYTHON:-/usr/bin/python3}"
[ -x "$bin" ] || fail "$bin: not built"
[ -n "${PARITY:-}" ] && [ -x "$PARITY" ] || fail "PARITY (the CLI) is not set"
"$py" -c 'import numpy' 2>/dev/null || fail "$py: NumPy missing"
export PYTHONPATH="$src/python:$src/tests/lib${PYTHONPATH:+:$PYTHONPATH}"

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# The Python twin of trace_many: the same stages, the same reports.
cat >"$tmp/many.py" <<'EOF'
import os, sys
import numpy as np
import parity_trace as pt

t = pt.Tracer(sys.argv[1])
t.add("input", np.arange(16, dtype=np.float32), input=True)
os.write(1, b"0\n")
for k in range(1, int(sys.argv[2]) + 1):
    t.add("s%d" % k, (k + np.arange(64) / 64).astype(np.float32),
          parents=t.order[-1])
    os.write(1, b"%d\n" % k)
t.close()
EOF

# check.py DIR REPORTS: the checks described above.
cat >"$tmp/check.py" <<'EOF'
import json, os, subprocess, sys
import numpy as np
import parity_trace as pt
import safetensors_np as stnp

d, reports = sys.argv[1:3]
lines = open(reports).read().split("\n")[:-1]   # complete lines only
done = int(lines[-1]) if lines else -1
values = {}
if os.path.isdir(d):
    order, files, inputs = stnp.trace_dir(d)
    for f in files.values():
        for name, a in stnp.read(os.path.join(d, f))[1].items():
            values[name] = a
    index = json.load(open(os.path.join(d, "index.json")))
    n_indexed = len(index["order"])
    parents = index.get("parents", {})
else:                                            # a single file: the journal
    order, inputs, parents, _, values = stnp.journal(d)
    n_indexed = len(order)
for name, a in values.items():
    assert a.dtype == np.float32, (name, a.dtype)
    values[name] = a.ravel()
m = len(order) - 1
want = ["input"] + ["s%d" % k for k in range(1, m + 1)]
for k in range(1, n_indexed - 1):
    assert ("s%d" % k) in parents, "no parents for s%d (%d indexed)" % (k, n_indexed)
at = {name: k for k, name in enumerate(want)}   # a journal holds 100,000s
for name, ps in parents.items():
    k = at[name]
    assert k >= 1 and ps == [want[k - 1]], "parents of %s: %s" % (name, ps)
assert order == want, "order: %s ... (%d stages)" % (order[:8], len(order))
assert m >= done, "stage %d was traced, but only %d stages are there" % (done, m)
assert inputs == ["input"], inputs
assert values["input"].tobytes() == np.arange(16, dtype="<f4").tobytes()
for k in range(1, m + 1):
    expect = (k + np.arange(64) / 64).astype("<f4")
    assert values["s%d" % k].tobytes() == expect.tobytes(), "s%d" % k
r = subprocess.run([os.environ["PARITY"], "trace", d, d, "--format", "json"],
                   capture_output=True, text=True)
assert r.returncode == 0, (r.returncode, r.stderr)
if not os.path.isdir(d):
    note = "recovered %d stages from" % len(order)
    assert r.stderr.count(note) == 2, r.stderr   # once for each side
    assert pt.read_trace(d).recovered.startswith("an unfinished trace"), d
doc = json.loads(r.stdout)
assert [s["name"] for s in doc["stages"]] == want, "parity reads another order"
assert doc["inputs"]["names"] == ["input"], doc["inputs"]
tr = pt.read_trace(d)
assert (tr.order, tr.inputs) == (want, ["input"]), "parity_trace reads another order"
assert tr.parents == parents, "parity_trace reads other parents"
print("%s: killed after stage %d reported; %d stages readable, %d of them after "
      "the last index.json" % (os.path.basename(d), done, m, len(order) - n_indexed)
      if os.path.isdir(d) else "%s: killed after stage %d reported; %d stages recovered "
      "from the journal" % (os.path.basename(d), done, m))
EOF

# run_one NAME CMD...: start the writer, kill it at a random moment after
# it started writing, check what it left.
run_one() {
    local name=$1
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    for _ in $(seq 300); do # until the input is traced (30 s at most)
        [ -s "$tmp/$name.out" ] && break
        kill -0 "$pid" 2>/dev/null || fail "$name: the writer exited: $(cat "$tmp/$name.err")"
        sleep 0.1
    done
    local delay
    delay=$(awk -v s="$RANDOM" 'BEGIN { printf "%.3f", 0.02 + (s % 1500) / 1000 }')
    echo "$name: kill after $delay s"
    sleep "$delay"
    kill -0 "$pid" 2>/dev/null || fail "$name: the writer finished before the kill"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    local status=$?
    pid=
    [ "$status" = 137 ] || fail "$name: expected death by SIGKILL (137), got $status"
    "$py" "$tmp/check.py" "$tmp/$name" "$tmp/$name.out" || fail "$name: check failed"
}

for i in 1 2 3 4 5 6; do
    run_one "c$i" env PARITY_TRACE="$tmp/c$i" "$bin" 1000000
done
for i in 1 2 3 4; do
    run_one "py$i" "$py" "$tmp/many.py" "$tmp/py$i" 1000000
done
for i in 1 2 3 4; do
    run_one "c$i.safetensors" env PARITY_TRACE="$tmp/c$i.safetensors" "$bin" 1000000
done
for i in 1 2 3; do
    run_one "py$i.safetensors" "$py" "$tmp/many.py" "$tmp/py$i.safetensors" 1000000
done
echo "ok"
