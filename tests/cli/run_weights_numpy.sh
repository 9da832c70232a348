#!/usr/bin/env bash
# run_weights_numpy.sh — `parity weights --format json` on the checkpoints of
# tests/cli/data/weights against an independent reading in NumPy and
# PyTorch (tests/cli/check_weights_numpy.py). Exit 77 (skipped) without
# numpy or torch.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/python_check.sh"
needs run_weights_numpy numpy torch
exec "$PY" "$here/check_weights_numpy.py" "$PARITY" "$here/data"
