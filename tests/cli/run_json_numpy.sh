#!/usr/bin/env bash
# run_json_numpy.sh — the numbers of `parity diff --format json` against an
# independent NumPy / math.fsum computation (tests/cli/check_json_numpy.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$here/../../build/parity}
case "$PARITY" in
    /*) ;;
    */*) PARITY="$(cd "$(dirname "$PARITY")" && pwd)/$(basename "$PARITY")" ;;
esac
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "run_json_numpy: $PY has no numpy: skipped"
    exit 77
fi
exec "$PY" "$here/check_json_numpy.py" "$PARITY" "$here/data"
