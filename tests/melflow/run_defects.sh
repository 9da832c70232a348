#!/bin/bash
# melflow end to end: the C port (examples/melflow/port.c) against the
# committed PyTorch reference trace, through `parity diff --format json`.
#   --defect none  every traced stage is MATCH with relative <= 1e-5, the
#                  port traces the reference's names in the reference's
#                  order, the final mel's |mean diff| < 0.001 dB (ln-mag),
#                  and two runs give the same bytes (determinism).
#   each defect    the first stage, in reference order, with relative > 1e-4
#                  is the stage where the planted bug acts; gelu-tanh and
#                  half act by ~2e-4 only (within 2x of the 1e-4 MATCH
#                  threshold, see _gain in reference.py), so their relative
#                  there must keep a margin: > 1.5e-4.
#   usage          an unknown defect is a usage error (exit 2).
# And through `parity trace --format json`, for each case: the inputs are
# equal, the first divergence is the expected stage (none for --defect
# none, with exit 0; exit 1 otherwise) and a culprit is named with its jump
# factor; --defect schedule: the inferred schedules are the cosine one
# (dt_k = cos(pi/2 (k-1)/10) - cos(pi/2 k/10), computed here by NumPy) for
# the reference and dt = 0.1 for the port; --defect cfg-sign: guidance
# weights 0.7 (reference) and -0.7 (port: 0.3 c + 0.7 u = c - 0.7 (c - u)).
set -u
: "${PARITY_SRC:?}" "${PARITY_BUILD:?}" "${PARITY:?}"
py=${PARITY_PYTHON:-/usr/bin/python3}
export PYTHONPATH="${PARITY_SRC:?}/tests/lib${PYTHONPATH:+:$PYTHONPATH}"
port=$PARITY_BUILD/melflow_port
fixtures=$PARITY_SRC/examples/melflow/fixtures
ref=$fixtures/reference.safetensors

if ! "$py" -c 'import numpy' >/dev/null 2>&1; then
    echo "NumPy not available: $py cannot import numpy; skipped"
    exit 77
fi
if [ ! -x "$port" ]; then
    echo "FAIL: $port is not built (root CMakeLists.txt target melflow_port)"
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# defect -> the stage where it acts (the first stage it can change), and
# the least relative error it must show there.
# schedule: t1 = 0 on both schedules; the first different dt is used by x1.
# time-scale and half: t1 = 0 makes time_emb exact (sin 0, cos 0 = 1), so
# the doubled scale first shows at step 2, f16 rounding at time_mlp.
expected="
schedule ode.step1.x 1e-4
norm-identity ode.step1.est.block1.norm 1e-4
gelu-tanh ode.step1.est.ff.gelu 1.5e-4
attn-scale ode.step1.est.attn.scores 1e-4
conv-layout ode.step1.est.block1.conv 1e-4
cfg-sign ode.step1.dxdt 1e-4
time-scale ode.step2.est.time_emb 1e-4
half ode.step1.est.time_mlp 1.5e-4
db-patch mel 1e-4"

# check.py REF PORT JSON MODE [EXPECTED MIN_RELATIVE]: MODE none or a defect.
cat >"$tmp/check.py" <<'EOF'
import json, sys
import safetensors_np as stnp

def order(path):
    return json.loads(stnp.header(path)[1]["parity.order"])

ref, port, report, mode = sys.argv[1:5]
doc = json.load(open(report))
by_name = {t["name"]: t for t in doc["tensors"]}
names = order(ref)
bad = []
if doc["only_in_ref"] or doc["only_in_port"]:
    bad.append("unpaired: only in ref %s, only in port %s"
               % (doc["only_in_ref"][:5], doc["only_in_port"][:5]))
missing = [n for n in names if n not in by_name]
if missing:
    bad.append("not compared: %s" % missing[:5])
rel = {n: by_name[n]["metrics"]["relative"] for n in names if n in by_name}
first = next((n for n in names if n in rel and not rel[n] <= 1e-4), None)
if mode == "none":
    if order(port) != names:
        bad.append("the port's trace order differs from the reference's")
    worst = max(names, key=lambda n: rel.get(n, float("inf")))
    print("none: %d stages, worst relative %.3g at %s"
          % (len(names), rel.get(worst, float("nan")), worst))
    for n in names:
        if by_name.get(n, {}).get("verdict") != "MATCH" or not rel[n] <= 1e-5:
            bad.append("%s: verdict %s, relative %s" % (
                n, by_name.get(n, {}).get("verdict"), rel.get(n)))
    db = by_name["mel"]["metrics"]["mean_diff_db"]
    print("none: final mel mean diff %.3g dB" % db)
    if not abs(db) < 0.001:
        bad.append("mel: |mean diff| %.3g dB, expected < 0.001 dB" % db)
else:
    want, margin = sys.argv[5], float(sys.argv[6])
    print("%s: first divergence %s (relative %.3g), expected %s"
          % (mode, first, rel.get(first, float("nan")), want))
    if first != want:
        bad.append("first divergence %s, expected %s" % (first, want))
    elif not rel[first] > margin:
        bad.append("%s: relative %.3g, expected > %g (too close to MATCH)"
                   % (first, rel[first], margin))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF

# trace_check.py JSON DEFECT EXPECTED: the `parity trace` checks above.
cat >"$tmp/trace_check.py" <<'EOF'
import json, sys
import numpy as np

doc = json.load(open(sys.argv[1]))
defect, want = sys.argv[2], sys.argv[3]
bad = []
if not doc["inputs"]["equal"]:
    bad.append("inputs differ: %s %s" % (doc["inputs"]["differ"], doc["inputs"]["missing"]))
first, culprit = doc["first_divergence"], doc["culprit"]
got = first["name"] if first else "none"
if got != want:
    bad.append("trace: first divergence %s, expected %s" % (got, want))
if want != "none" and not (culprit and culprit["name"] and
                           (culprit["jump"] is not None or culprit.get("jump_nonfinite"))):
    bad.append("trace: no culprit with a jump factor: %s" % culprit)
print("%s: trace first divergence %s, culprit %s (x%s)" % (
    defect, got, culprit and culprit["name"], culprit and culprit["jump"]))

def near(name, got, want, tol):
    got = np.array([np.nan if g is None else g for g in got], dtype=float)
    if got.shape != np.shape(want) or not np.all(np.abs(got - want) <= tol):
        bad.append("%s: %s, expected %s" % (name, got.round(5), np.round(want, 5)))

if defect == "schedule":
    s = doc["schedule"]
    cos = -np.diff(np.cos(np.pi / 2 * np.linspace(0, 1, 11)))
    near("dt_ref", s["dt_ref"], cos, 1e-5)
    near("dt_port", s["dt_port"], np.full(10, 0.1), 1e-5)
    if not s["differ"]:
        bad.append("schedule: differ is false")
if defect == "cfg-sign":
    g = doc["guidance"]
    near("w_ref", g["w_ref"], np.full(10, 0.7), 1e-4)
    near("w_port", g["w_port"], np.full(10, -0.7), 1e-4)
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF

# trace_run DEFECT EXPECTED: parity trace of $tmp/DEFECT.safetensors.
trace_run() {
    local d=$1 want=$2
    "$PARITY" trace "$ref" "$tmp/$d.safetensors" --domain ln-mag \
        --format json >"$tmp/$d.trace.json" 2>"$tmp/$d.trace.err"
    local rc=$? want_rc=1
    [ "$want" = none ] && want_rc=0
    [ "$rc" = "$want_rc" ] ||
        fail "parity trace exit $rc for --defect $d, expected $want_rc: $(cat "$tmp/$d.trace.err")"
    [ "$rc" -ge 2 ] && return 1
    "$py" "$tmp/trace_check.py" "$tmp/$d.trace.json" "$d" "$want" \
        || fail "parity trace --defect $d"
}

# run DEFECT: trace the port and diff it; leaves $tmp/DEFECT.json.
run() {
    local d=$1
    if ! "$port" --fixtures "$fixtures" --defect "$d" \
            --trace "$tmp/$d.safetensors" >"$tmp/$d.out" 2>&1; then
        fail "melflow_port --defect $d: $(cat "$tmp/$d.out")"
        return 1
    fi
    "$PARITY" diff "$ref" "$tmp/$d.safetensors" --domain ln-mag \
        --format json >"$tmp/$d.json" 2>"$tmp/$d.err"
    local rc=$?
    if [ "$rc" -ge 2 ]; then
        fail "parity diff exit $rc for --defect $d: $(cat "$tmp/$d.err")"
        return 1
    fi
    echo "$rc" >"$tmp/$d.rc"
}

if run none; then
    "$py" "$tmp/check.py" "$ref" "$tmp/none.safetensors" "$tmp/none.json" none \
        || fail "--defect none does not match the reference"
    rc=$(cat "$tmp/none.rc")
    [ "$rc" = 0 ] || fail "parity diff exit $rc for --defect none, expected 0"
    trace_run none none
    "$port" --fixtures "$fixtures" --trace "$tmp/again.safetensors" >/dev/null 2>&1
    cmp -s "$tmp/none.safetensors" "$tmp/again.safetensors" \
        || fail "two runs of --defect none give different traces"
fi

while read -r defect stage margin; do
    [ -n "$defect" ] || continue
    run "$defect" || continue
    "$py" "$tmp/check.py" "$ref" "$tmp/$defect.safetensors" "$tmp/$defect.json" \
        "$defect" "$stage" "$margin" || fail "--defect $defect"
    rc=$(cat "$tmp/$defect.rc")
    [ "$rc" = 1 ] || fail "parity diff exit $rc for --defect $defect, expected 1"
    trace_run "$defect" "$stage"
done <<<"$expected"

"$port" --fixtures "$fixtures" --defect no-such-bug >/dev/null 2>&1
rc=$?
[ "$rc" = 2 ] || fail "unknown defect: exit $rc, expected 2"

[ "$status" = 0 ] &&
    echo "ok: the port matches with --defect none; each defect shows where it acts"
exit $status
