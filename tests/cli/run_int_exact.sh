#!/usr/bin/env bash
# run_int_exact.sh — sums and means of integer tensors (info, and each side
# of a diff on 1 and 4 threads) against Python's exact integers
# (tests/cli/check_int_exact.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$here/../../build/parity}
case "$PARITY" in
    /*) ;;
    */*) PARITY="$(cd "$(dirname "$PARITY")" && pwd)/$(basename "$PARITY")" ;;
esac
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "run_int_exact: $PY has no numpy: skipped"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" "$here/check_int_exact.py" "$PARITY" "$work"
