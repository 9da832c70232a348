#!/usr/bin/env bash
# run_weights_numpy.sh — `parity weights --format json` on the checkpoints of
# tests/cli/data/weights against an independent reading in NumPy and
# PyTorch (tests/cli/check_weights_numpy.py). Exit 77 (skipped) without
# numpy or torch.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$here/../../build/parity}
case "$PARITY" in
    /*) ;;
    */*) PARITY="$(cd "$(dirname "$PARITY")" && pwd)/$(basename "$PARITY")" ;;
esac
if ! "$PY" -c 'import numpy, torch' 2>/dev/null; then
    echo "run_weights_numpy: $PY has no numpy or torch: skipped"
    exit 77
fi
exec "$PY" "$here/check_weights_numpy.py" "$PARITY" "$here/data"
