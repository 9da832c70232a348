#!/usr/bin/env bash
# run_merge.sh — a parity diff split 1, 2, 7 and 64 ways (--slice K/N) and
# merged (parity merge) prints what the single run prints, byte for byte,
# in every format; the state's exact sums are the exact sums
# (tests/cli/check_merge.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$here/../../build/parity}
case "$PARITY" in
    /*) ;;
    */*) PARITY="$(cd "$(dirname "$PARITY")" && pwd)/$(basename "$PARITY")" ;;
esac
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "run_merge: $PY has no numpy: skipped"
    exit 77
fi
exec "$PY" "$here/check_merge.py" "$PARITY"
