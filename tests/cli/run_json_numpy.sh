#!/usr/bin/env bash
# run_json_numpy.sh — the numbers of `parity diff --format json` against an
# independent NumPy / math.fsum computation (tests/cli/check_json_numpy.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/python_check.sh"
needs run_json_numpy numpy
exec "$PY" "$here/check_json_numpy.py" "$PARITY" "$here/data"
