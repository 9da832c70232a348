#!/usr/bin/env bash
# The CLI golden cases and the whole bad-input corpus again, under valgrind
# (docs/reliability.md: no leaks, no errors). Skipped when valgrind is absent.
# Every verb is covered, parity plot and parity report included: their cases
# (plot_*, report_*, usage_plot_*, usage_report_*) write a PNG and an HTML
# page with heatmaps, explain and --weights under valgrind.
set -euo pipefail
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
for verb in plot report; do
    ls "$here"/cases/${verb}_*.cmd >/dev/null 2>&1 || { echo "FAIL: no $verb cases to run under valgrind"; exit 1; }
done
export PARITY_VALGRIND=1
bash "$here/run_golden.sh"
bash "$here/../bad/run_bad.sh"
