#!/usr/bin/env bash
# parity_slurm.sh — parity diff REF PORT as a Slurm job array of N parts
# (parity diff --slice K/N, one per task: parity_part.sbatch), then the
# parts merged (parity merge) into the report the single run prints.
#
#   parity_slurm.sh [-n N] [-d DIR] [-s 'SBATCH OPTIONS'] REF PORT [DIFF OPTIONS] [-- MERGE OPTIONS]
#
#   -n N      tasks, parts of the run (default 8)
#   -d DIR    where the parts go, on a file system every node sees
#             (default ./parity-parts; its old part-*.json are removed)
#   -s OPTS   more sbatch options, e.g. '-p gpu --time=30'
#   DIFF OPTIONS   parity diff's (--atol, --only, --axis, --map ...), the
#             same for every part
#   MERGE OPTIONS  the report's: --format text|json|md|csv, -v, -q, --labels
#
# PARITY names the parity binary (default: parity on PATH; it must be the
# same version on every node). Exit status: parity merge's (0 every tensor
# MATCH, 1 differences, 2 trouble), or sbatch's when a task failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=8 dir=parity-parts sbatch_opts=""
while getopts "n:d:s:" o; do
    case $o in
    n) n=$OPTARG ;;
    d) dir=$OPTARG ;;
    s) sbatch_opts=$OPTARG ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "usage: parity_slurm.sh [-n N] [-d DIR] [-s OPTS] REF PORT [DIFF OPTIONS] [-- MERGE OPTIONS]" >&2; exit 2; }
diff_args=() merge_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do diff_args+=("$1"); shift; done
[ $# -gt 0 ] && shift
merge_args=("$@")
parity=$(command -v "${PARITY:-parity}") || { echo "parity_slurm.sh: no parity binary (set PARITY)" >&2; exit 2; }
mkdir -p "$dir"
rm -f "$dir"/part-*.json "$dir"/part-*.json.tmp
# shellcheck disable=SC2086  # sbatch_opts is a list of options
sbatch --wait --array="0-$((n - 1))" --output="$dir/part-%a.log" $sbatch_opts \
    "$here/parity_part.sbatch" "$parity" "$dir" "${diff_args[@]}" >&2
exec "$parity" merge "$dir"/part-*.json "${merge_args[@]}"
