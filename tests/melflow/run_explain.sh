#!/bin/bash
# parity explain on the melflow case study: each planted defect of the C
# port (examples/melflow) must be named at its first divergence, by
# `parity explain REF PORT` (the trace walk) in JSON and text:
#   attn-scale     ode.step1.est.attn.scores: first a scale of sqrt(48)
#                  (the missing 1/sqrt(d), d = 48), within 1%
#   db-patch       mel: first a constant offset +2.0 (within 1%), 17.37 dB
#                  with --domain ln-mag
#   half           ode.step1.est.time_mlp: first "precision only" (f16)
#   norm-identity  ode.step1.est.block1.norm: first a per-index affine
#                  along the channel axis (1 of [1,C,T]), or, fitted against
#                  the stage's input (the previous stage), the LayerNorm
#                  over that axis whose affine the port leaves out
#   gelu-tanh      ode.step1.est.ff.gelu: first a value-dependent residual,
#                  described as like tanh-GELU vs erf-GELU
#   conv-layout    ode.step1.est.block1.conv: no transformation of the
#                  stage's output names the bug (its inputs match: the
#                  text says so), or at most a region of the frames the
#                  padding leaves (the mask zeroes the last 10 input frames,
#                  so the causal conv's output differs on frames < 72 only).
#                  The weight itself is named: the port's own dump
#                  (melflow_port --dump-weights) holds the [out,in,k] bytes
#                  as [out,k,in], a reshape where a transpose was meant, and
#                  `parity explain weights.safetensors DUMP -t <conv weight>`
#                  must call it a layout problem: a memory-order scramble,
#                  the reshape-for-transpose, or a permutation. With
#                  --defect none the same dump is the true transpose, and
#                  parity diff finds it MATCH after the layout alignment.
# Skipped (77) when the port binary, the fixtures or NumPy are missing.
set -u
: "${PARITY_SRC:?}" "${PARITY_BUILD:?}" "${PARITY:?}"
py=${PARITY_PYTHON:-/usr/bin/python3}
port=$PARITY_BUILD/melflow_port
fixtures=$PARITY_SRC/examples/melflow/fixtures
ref=$fixtures/reference.safetensors

[ -x "$port" ] || { echo "melflow_port not built; skipped"; exit 77; }
[ -f "$ref" ] || { echo "melflow fixtures missing; skipped"; exit 77; }
"$py" -c 'import numpy' >/dev/null 2>&1 || { echo "NumPy not available; skipped"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# check DEFECT STAGE KIND PYTHON-CONDITION-ON-h (the first hypothesis)
check() {
    local defect=$1 stage=$2 kind=$3 cond=$4 out=$tmp/$1.safetensors
    "$port" --defect "$defect" --trace "$out" --fixtures "$fixtures" >/dev/null ||
        { fail "$defect: melflow_port failed"; return; }
    "$PARITY" explain "$ref" "$out" --domain ln-mag --format json >"$tmp/$defect.json"
    local rc=$?
    [ "$rc" = 1 ] || fail "$defect: exit $rc, expected 1"
    "$py" - "$tmp/$defect.json" "$stage" "$kind" "$cond" <<'PY' || fail "$defect: see above"
import json, sys
path, stage, kind, cond = sys.argv[1:]
objs = [json.loads(l) for l in open(path) if l.strip()]
first = objs[0] if objs else None
if not first or first["tensor"] != stage:
    sys.exit("first explained tensor %s, expected %s" % (first and first["tensor"], stage))
hs = first["hypotheses"]
h = hs[0] if hs else None
if kind == "axis-affine-or-op":
    ok = h is not None and eval(cond)
elif kind == "none-or-region":
    ok = (first["none_explains"] and not hs) or (h["kind"] == "region" and eval(cond))
elif kind == "none":
    ok = first["none_explains"] and not hs
    h = None
else:
    h = hs[0] if hs else None
    ok = h is not None and h["kind"] == kind and eval(cond)
if not ok:
    sys.exit("%s: got %s" % (stage, json.dumps(hs[:2])))
print("ok: %s -> %s" % (stage, h["text"] if h else "no simple transformation"))
PY
}

check attn-scale ode.step1.est.attn.scores scale 'abs(h["params"][0] / 48 ** 0.5 - 1) < 0.01 and "sqrt(48)" in h["text"]'
check db-patch mel offset 'abs(h["params"][0] / 2.0 - 1) < 0.01 and abs(h["params"][1] / 17.372 - 1) < 0.01'
check half ode.step1.est.time_mlp precision 'h["params"][0] == 3 and "f16" in h["text"]'
check norm-identity ode.step1.est.block1.norm axis-affine-or-op \
    '(h["kind"] == "axis-affine" and h["params"][0] == 1) or (h["kind"] == "op" and "LayerNorm affine along axis 1" in h["text"] and "missing" in h["text"])'
check gelu-tanh ode.step1.est.ff.gelu value-dependent '"like tanh-GELU vs erf-GELU" in h["text"]'
check conv-layout ode.step1.est.block1.conv none-or-region 'h["params"][0] == 2 and h["params"][2] <= 72'

# The text form of conv-layout points at the stage's own computation when
# nothing explains it.
"$PARITY" explain "$ref" "$tmp/conv-layout.safetensors" >"$tmp/conv.txt"
if ! grep -q "^  1\\. region: axis 2 indices \\[[0-9]*, 7[0-2])" "$tmp/conv.txt"; then
    grep -q "no simple transformation explains the difference" "$tmp/conv.txt" ||
        fail "conv-layout text: no plain statement"
    grep -q "its inputs match" "$tmp/conv.txt" || fail "conv-layout text: no inputs-match note"
fi

# conv-layout, the weight: the port's real dump of the weights it uses.
w=estimator.resnet.block1.conv.weight
for d in conv-layout none; do
    "$port" --fixtures "$fixtures" --defect "$d" \
        --dump-weights "$tmp/weights-$d.safetensors" >/dev/null ||
        fail "melflow_port --defect $d --dump-weights failed"
done
"$PARITY" explain "$fixtures/weights.safetensors" "$tmp/weights-conv-layout.safetensors" \
    -t "$w" >"$tmp/w.txt"
rc=$?
[ "$rc" = 1 ] || fail "explain of the dumped $w: exit $rc, expected 1"
cat "$tmp/w.txt"
grep -Eiq "^  1\. .*(reshape where a transpose was meant|memory-order scramble|permut|layout)" \
    "$tmp/w.txt" || fail "explain does not name a layout problem in the dumped $w"
"$PARITY" explain "$fixtures/weights.safetensors" "$tmp/weights-conv-layout.safetensors" \
    -t "$w" --format json >"$tmp/w.json"
"$py" - "$tmp/w.json" <<'PY' || fail "conv-layout weight not named"
import json, sys
h = json.loads(open(sys.argv[1]).readline())["hypotheses"]
ok = h and h[0]["kind"] in ("scramble", "permute") and h[0]["explained"] > 0.999
if not ok:
    sys.exit("weight: got %s" % json.dumps(h[:2]))
print("ok: dumped conv weight -> %s" % h[0]["text"])
PY
# The correct port's dump: the true transpose, equal after alignment.
"$PARITY" diff "$fixtures/weights.safetensors" "$tmp/weights-none.safetensors" -q \
    >"$tmp/wnone.txt"
rc=$?
[ "$rc" = 0 ] || { fail "--defect none: dumped weights differ (exit $rc)"; cat "$tmp/wnone.txt"; }
exit $status
