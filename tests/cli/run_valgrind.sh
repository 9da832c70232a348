#!/usr/bin/env bash
# The CLI golden cases and the whole bad-input corpus again, under valgrind
# (SPEC §10: no leaks, no errors). Skipped when valgrind is absent.
set -euo pipefail
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
export PARITY_VALGRIND=1
bash "$here/run_golden.sh"
bash "$here/../bad/run_bad.sh"
