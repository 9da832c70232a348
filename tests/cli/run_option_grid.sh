#!/usr/bin/env bash
# run_option_grid.sh — the option grid of docs/cli.md (between the
# option-grid markers) must be exactly what `parity --option-grid` prints
# from the option table of cli/options.c. To refresh the docs after a
# change to the table, paste the command's output between the markers.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PARITY=${PARITY:-$here/../../build/parity}
doc="$here/../../docs/cli.md"
want=$(mktemp) got=$(mktemp)
trap 'rm -f "$want" "$got"' EXIT
sed -n '/<!-- option-grid:begin/,/<!-- option-grid:end -->/p' "$doc" | sed '1d;$d' > "$want"
"$PARITY" --option-grid > "$got" || { echo "run_option_grid: parity --option-grid failed"; exit 1; }
[ -s "$want" ] || { echo "run_option_grid: no grid between the markers in docs/cli.md"; exit 1; }
if ! diff -u "$want" "$got"; then
    echo "run_option_grid: docs/cli.md's grid differs from the option table (above: - docs, + table)"
    exit 1
fi
echo "run_option_grid: docs/cli.md's grid equals the option table ($(wc -l < "$got") lines)"
