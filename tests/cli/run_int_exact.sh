#!/usr/bin/env bash
# run_int_exact.sh — sums and means of integer tensors (info, and each side
# of a diff on 1 and 4 threads) against Python's exact integers
# (tests/cli/check_int_exact.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/python_check.sh"
needs run_int_exact numpy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" "$here/check_int_exact.py" "$PARITY" "$work"
