#!/usr/bin/env bash
# run_pip_install.sh — python/ installs with pip, offline, as docs/python.md
# says: into a throwaway venv that sees Debian's site-packages (NumPy,
# setuptools, wheel), with --no-build-isolation --no-index, then imports
# parity_trace from the venv and traces a tensor. The package is copied
# first, so the build leaves nothing in the checkout. Exit 77 (skipped)
# without python3-venv, pip, setuptools, wheel or NumPy.
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
py="${PARITY_PYTHON:-/usr/bin/python3}"
skip() { echo "run_pip_install.sh: skipped: $*" >&2; exit 77; }
"$py" -c "import numpy, setuptools, wheel" >/dev/null 2>&1 ||
    skip "'$py' lacks numpy, setuptools or wheel (python3-numpy python3-setuptools python3-wheel)"
"$py" -c "import ensurepip, venv" >/dev/null 2>&1 || skip "no venv module (python3-venv)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv --system-site-packages "$tmp/venv" >"$tmp/venv.log" 2>&1 ||
    { cat "$tmp/venv.log" >&2; skip "python3 -m venv failed (python3-venv)"; }
[ -x "$tmp/venv/bin/pip" ] || skip "the venv has no pip (python3-pip-whl)"
cp -r "$src/python" "$tmp/pkg"
rm -rf "$tmp/pkg/build" "$tmp/pkg"/*.egg-info
if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$tmp/venv/bin/pip" install -q \
        --no-build-isolation --no-index "$tmp/pkg" >"$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log" >&2
    echo "run_pip_install.sh: FAIL: pip install --no-build-isolation --no-index" >&2
    exit 1
fi
# Import from the venv, not from the copy or the checkout.
cd "$tmp" || exit 1
env -u PYTHONPATH "$tmp/venv/bin/python" - "$tmp/venv" "$tmp/t.safetensors" <<'PY' || exit 1
import os, sys
import numpy as np
import parity_trace as pt
venv, out = os.path.realpath(sys.argv[1]), sys.argv[2]
where = os.path.realpath(pt.__file__)
assert where.startswith(venv + os.sep), "parity_trace imported from %s" % where
with pt.Tracer(out) as t:
    t.add("x", np.arange(6, dtype=np.float32), input=True)
tr = pt.read_trace(out)
assert tr.order == ["x"] and tr["x"].tolist() == list(range(6)), tr.order
print("run_pip_install.sh: parity_trace installed in a venv and imported from", where)
PY
"$tmp/venv/bin/pip" show parity-trace 2>/dev/null | grep -q "^Name: parity-trace" ||
    { echo "run_pip_install.sh: FAIL: pip does not list parity-trace" >&2; exit 1; }
echo "run_pip_install.sh: ok"
