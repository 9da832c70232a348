#!/usr/bin/env bash
# run_zip_cli.sh — .npz and PyTorch checkpoints through the CLI end to end:
# `parity info` lists a checkpoint's tensors, `parity diff a.pt b.npz`
# matches a checkpoint against the same values saved by NumPy (exit 0),
# finds a perturbed tensor (exit 1), and a legacy checkpoint or a
# __reduce__ payload is one line on stderr with exit 2.
set -u
PARITY=${PARITY:?set PARITY to the parity binary}
PY=${PARITY_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import numpy, torch' 2>/dev/null; then
    echo "run_zip_cli: $PY lacks numpy or torch: skipped" >&2
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$tmp" <<'EOF'
import collections, os, sys
import numpy as np
import torch
d = sys.argv[1]
g = torch.Generator().manual_seed(0)
w = torch.randn(4, 3, generator=g)
sd = collections.OrderedDict(
    w=w, t=w.t(), b=torch.randn(3, generator=g).half(),
    n=torch.arange(5), epoch=3)
torch.save(sd, os.path.join(d, "ref.pt"))
arrays = {k: v.numpy() for k, v in sd.items() if isinstance(v, torch.Tensor)}
np.savez_compressed(os.path.join(d, "same.npz"), **arrays)
arrays["w"] = arrays["w"] + np.float32(0.5)
np.savez(os.path.join(d, "other.npz"), **arrays)
torch.save(sd, os.path.join(d, "legacy.pt"),
           _use_new_zipfile_serialization=False)


class Payload:
    def __reduce__(self):
        return (os.system, ("touch " + os.path.join(d, "MARKER"),))


torch.save({"w": w, "x": Payload()}, os.path.join(d, "evil.pt"))
EOF
[ -f "$tmp/ref.pt" ] || { echo "FAIL: fixtures not written"; exit 1; }
failed=0
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }

"$PARITY" info "$tmp/ref.pt" >"$tmp/info.txt" 2>&1 || fail "info ref.pt exit $?"
for want in "ref.pt: 4 tensors" "w: F32 [4, 3]" "t: F32 [3, 4]" "b: F16 [3]" "n: I64 [5]" "metadata: epoch"; do
    grep -qF -- "$want" "$tmp/info.txt" || fail "info lacks '$want'"
done
"$PARITY" info "$tmp/same.npz" >"$tmp/info2.txt" 2>&1 || fail "info same.npz exit $?"
grep -qF "same.npz: 4 tensors" "$tmp/info2.txt" || fail "info same.npz"

"$PARITY" diff "$tmp/ref.pt" "$tmp/same.npz" --color never >"$tmp/diff.txt" 2>&1
rc=$?
[ $rc = 0 ] || fail "diff ref.pt same.npz: exit $rc, expected 0"
[ "$(grep -c '^Status: MATCH' "$tmp/diff.txt")" = 4 ] || fail "diff: not 4 MATCH"

"$PARITY" diff "$tmp/ref.pt" "$tmp/other.npz" --color never >"$tmp/diff2.txt" 2>&1
rc=$?
[ $rc = 1 ] || fail "diff ref.pt other.npz: exit $rc, expected 1"
grep -A4 '^Stage: w$' "$tmp/diff2.txt" | grep -q 'LARGE DIFF' || fail "w not LARGE DIFF"

"$PARITY" info "$tmp/legacy.pt" >/dev/null 2>"$tmp/err.txt"
rc=$?
[ $rc = 2 ] || fail "legacy.pt: exit $rc, expected 2"
grep -qxF "parity: $tmp/legacy.pt: a PyTorch legacy (non-zip) checkpoint: not supported; re-save it with torch.save(..., _use_new_zipfile_serialization=True)" "$tmp/err.txt" || fail "legacy message: $(cat "$tmp/err.txt")"

"$PARITY" diff "$tmp/evil.pt" "$tmp/same.npz" >/dev/null 2>"$tmp/err2.txt"
rc=$?
[ $rc = 2 ] || fail "evil.pt: exit $rc, expected 2"
[ "$(wc -l <"$tmp/err2.txt")" = 1 ] || fail "evil.pt: not one line"
grep -qF "global 'posix.system' refused" "$tmp/err2.txt" || fail "evil.pt message: $(cat "$tmp/err2.txt")"
[ ! -e "$tmp/MARKER" ] || fail "the payload ran"

echo "run_zip_cli: $failed failed checks"
[ $failed = 0 ]
