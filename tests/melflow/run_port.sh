#!/bin/bash
# melflow_port itself: its weight dump and its failures.
#   --dump-weights  the weights as the port holds them, checked against the
#                   committed PyTorch weights by NumPy: every Conv1d weight
#                   is the transpose [out,k,in] of PyTorch's [out,in,k]
#                   (--defect none), or PyTorch's bytes taken as [out,k,in]
#                   (--defect conv-layout: a reshape where a transpose was
#                   meant); resnet.block1.norm is gamma = 1, beta = 0 under
#                   --defect norm-identity (never loaded); every other weight
#                   equals PyTorch's bit for bit; metadata "defect" names it.
#   failures        one line on stderr and exit 2, never a crash and never
#                   exit 0 with a partial result: missing fixtures, a mask
#                   of the wrong shape, a mask padding the prompt away, a
#                   bad prompt_len, an unwritable dump, and running out of
#                   memory in the estimator (T = 4096 frames under a 150 MB
#                   address-space limit; skipped in sanitizer builds, whose
#                   shadow memory needs far more).
set -u
: "${PARITY_SRC:?}" "${PARITY_BUILD:?}"
py=${PARITY_PYTHON:-/usr/bin/python3}
port=$PARITY_BUILD/melflow_port
fixtures=$PARITY_SRC/examples/melflow/fixtures

[ -x "$port" ] || { echo "melflow_port not built; skipped"; exit 77; }
"$py" -c 'import numpy' >/dev/null 2>&1 || { echo "NumPy not available; skipped"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }

# ---- the weight dump ------------------------------------------------------
for d in none conv-layout norm-identity; do
    "$port" --fixtures "$fixtures" --defect "$d" \
        --dump-weights "$tmp/w-$d.safetensors" >/dev/null 2>"$tmp/err" ||
        fail "--defect $d --dump-weights: exit $?: $(cat "$tmp/err")"
done
PYTHONPATH=$PARITY_SRC/tests/lib "$py" - "$fixtures/weights.safetensors" "$tmp" <<'PY' || fail "weight dump"
import sys
import numpy as np
import safetensors_np as stnp

def load(path):
    meta, out = stnp.read(path)
    for k, a in out.items():
        assert a.dtype == np.float32, (path, k, a.dtype)
    return meta, out

_, ref = load(sys.argv[1])
bad = []
for d in ("none", "conv-layout", "norm-identity"):
    meta, dump = load("%s/w-%s.safetensors" % (sys.argv[2], d))
    if meta.get("defect") != d:
        bad.append("%s: metadata defect %r" % (d, meta.get("defect")))
    if sorted(dump) != sorted(ref):
        bad.append("%s: names differ" % d)
        continue
    for k, r in ref.items():
        if r.ndim == 3:
            o, i, kk = r.shape
            want = r.reshape(o, kk, i) if d == "conv-layout" else r.transpose(0, 2, 1)
        elif d == "norm-identity" and k == "estimator.resnet.block1.norm.weight":
            want = np.ones_like(r)
        elif d == "norm-identity" and k == "estimator.resnet.block1.norm.bias":
            want = np.zeros_like(r)
        else:
            want = r
        got = dump[k]
        if got.shape != want.shape or got.tobytes() != np.ascontiguousarray(want).tobytes():
            bad.append("%s: %s: shape %s, expected %s%s" % (
                d, k, list(got.shape), list(want.shape),
                "" if got.shape != want.shape else ", values differ"))
    print("ok: --defect %s: %d weights as the port uses them" % (d, len(dump))
          if not any(b.startswith(d + ":") for b in bad) else "")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY

# ---- failures: exit 2 and one line naming the file and tensor --------------
# expect_fail NAME GREP-PATTERN ARGS...: exit 2, one stderr line matching.
expect_fail() {
    local name=$1 pattern=$2
    shift 2
    "$port" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" != 2 ]; then
        fail "$name: exit $rc, expected 2 ($(head -c 300 "$tmp/err"))"
    elif [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q -- "$pattern" "$tmp/err"; then
        fail "$name: stderr '$(cat "$tmp/err")', expected one line with '$pattern'"
    elif grep -q '^mel ' "$tmp/out"; then
        fail "$name: printed a mel after failing"
    else
        echo "ok: $name: $(cat "$tmp/err")"
    fi
}

# inputs DIR T P MASK-SPEC: a fixtures dir with the committed weights and
# synthetic inputs of T frames (MASK-SPEC: "pad N", "shape", "zeros").
inputs() {
    mkdir -p "$1"
    ln -sf "$fixtures/weights.safetensors" "$1/weights.safetensors"
    PYTHONPATH=$PARITY_SRC/python "$py" - "$@" <<'PY'
import sys
import numpy as np
from parity_trace import write_safetensors
out, T, P, spec = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
rng = np.random.default_rng(0)
mel = lambda: rng.standard_normal((1, 80, T)).astype(np.float32)
mask = np.ones((1, 1, T), np.float32)
if spec[0] == "pad":
    mask[..., T - int(spec[1]):] = 0
elif spec[0] == "zeros":
    mask[:] = 0
elif spec[0] == "shape":
    mask = np.ones((1, T), np.float32)
write_safetensors(out + "/inputs.safetensors",
                  [("mu", mel()), ("cond", mel()),
                   ("spks", rng.standard_normal((1, 80)).astype(np.float32)),
                   ("mask", mask), ("noise", mel())], {"prompt_len": P})
PY
}

expect_fail "missing fixtures" "$tmp/none/weights.safetensors" --fixtures "$tmp/none"
inputs "$tmp/shape" 40 10 shape
expect_fail "mask of the wrong shape" "inputs.safetensors: tensor 'mask': shape \[1, 40\], expected \[1, 1, 40\]" \
    --fixtures "$tmp/shape"
inputs "$tmp/zeros" 40 10 zeros
expect_fail "mask padding the prompt away" "tensor 'mask': 0 unpadded frames, expected more than prompt_len 10" \
    --fixtures "$tmp/zeros"
inputs "$tmp/prompt" 40 ten pad 5
expect_fail "bad prompt_len" "metadata 'prompt_len' 'ten'" --fixtures "$tmp/prompt"
expect_fail "unwritable dump" "dump-weights: $tmp/no/such/dir/w.safetensors" \
    --fixtures "$fixtures" --dump-weights "$tmp/no/such/dir/w.safetensors"

# A small valid run on synthetic inputs: the mel is cut at the padding.
inputs "$tmp/small" 40 10 pad 5
"$port" --fixtures "$tmp/small" >"$tmp/out" 2>"$tmp/err" || fail "small run: $(cat "$tmp/err")"
grep -q '^mel \[1, 80, 25\]' "$tmp/out" || fail "small run: $(cat "$tmp/out"), expected mel [1, 80, 25]"

if grep -q '^PARITY_SANITIZE:BOOL=ON' "$PARITY_BUILD/CMakeCache.txt" 2>/dev/null; then
    echo "sanitizer build: out-of-memory check skipped"
else
    inputs "$tmp/big" 4096 10 pad 10
    # The estimator needs ~160 MB of scratch at T = 4096; the rest ~30 MB.
    (ulimit -v 150000 && exec "$port" --fixtures "$tmp/big" --trace "$tmp/big.safetensors") \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" != 2 ] || ! grep -q "^melflow_port: out of memory ([0-9]* bytes for the estimator)$" "$tmp/err"; then
        fail "out of memory: exit $rc, stderr '$(cat "$tmp/err")'"
    elif grep -q '^mel ' "$tmp/out"; then
        fail "out of memory: printed a mel"
    else
        echo "ok: out of memory: $(cat "$tmp/err")"
    fi
fi
exit $status
