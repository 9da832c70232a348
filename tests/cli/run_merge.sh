#!/usr/bin/env bash
# run_merge.sh — a parity diff split 1, 2, 7 and 64 ways (--slice K/N) and
# merged (parity merge) prints what the single run prints, byte for byte,
# in every format; the state's exact sums are the exact sums
# (tests/cli/check_merge.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/python_check.sh"
needs run_merge numpy
exec "$PY" "$here/check_merge.py" "$PARITY"
