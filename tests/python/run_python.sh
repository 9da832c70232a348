#!/usr/bin/env bash
# run_python.sh — the Python tracer's tests (tests/python/test_*.py) under
# the interpreter CMake found (PARITY_PYTHON, Debian's /usr/bin/python3 with
# NumPy and, optionally, PyTorch). Exit 77 (skipped) without NumPy.
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
py="${PARITY_PYTHON:-/usr/bin/python3}"
if ! "$py" -c "import numpy" >/dev/null 2>&1; then
    echo "run_python.sh: skipped: '$py' cannot import numpy (set PARITY_PYTHON)" >&2
    exit 77
fi
export PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}"
exec "$py" -m unittest discover -s "$src/tests/python" -v
