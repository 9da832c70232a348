#!/usr/bin/env bash
# Listing at scale (issue 13, acceptance 4): `parity info` on a folder of
# .npy files and on one safetensors file, at two sizes ten times apart,
# must take time linear in the count: the larger over the smaller under
# 15x (10x is linear; the slack is for caches and page tables).
#
#   NPY_SIZES   folders of that many one-element .npy files
#               (default "10000 100000")
#   ST_SIZES    safetensors files of that many one-element F32 tensors
#               (default "100000 1000000")
#   RUNS        runs per input; the median is kept (default 3)
#   SCALE_DIR   where the inputs are written (default: a temporary
#               directory, removed at the end); 100,000 .npy files take
#               about 400 MB of disk, a million tensors 75 MB
#
# Inputs come from tools/gen_scale_fixtures.py (np.save, and the
# safetensors layout). Each figure is bench/runstat.c's: wall, user + sys
# CPU, peak RSS (the mapped files included) and peak RssAnon (what the
# process allocated). The ratio is taken on CPU time (user + sys), which a
# shared machine inflates less than wall time; both are printed.
# Usage: bench/run_scale_bench.sh [build dir]. Never run by the test suite.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
parity=$top/$build/parity
runs=${RUNS:-3}
npy_sizes=${NPY_SIZES:-"10000 100000"}
st_sizes=${ST_SIZES:-"100000 1000000"}
if [ -n "${SCALE_DIR:-}" ]; then
    dir=$SCALE_DIR
    mkdir -p "$dir"
else
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
fi
cc -O2 -o "$dir/runstat" "$top/bench/runstat.c"
gen() { [ -e "$2" ] || /usr/bin/python3 "$top/tools/gen_scale_fixtures.py" "$@"; }

# median of "$runs" runstat lines for `parity info PATH`:
# prints "wall cpu maxrss_mib rssanon_mib exit"
measure() {
    local line
    for _ in $(seq "$runs"); do
        line=$("$dir/runstat" "$parity" info "$1" 2>&1 >/dev/null | tail -1)
        echo "$line" | awk '{for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
            printf "%.4f %.4f %.1f %.1f %s\n", v["wall"], v["user"] + v["sys"],
                   v["maxrss_kib"] / 1024, v["rssanon_kib"] / 1024, v["exit"]}'
    done | sort -g -k2 | awk -v n="$runs" 'NR == int((n + 1) / 2)'
}

# row KIND N PATH: one line of the table; remembers the CPU time of the
# first size of each kind for the ratio
declare -A first_cpu first_n
row() {
    local kind=$1 n=$2 path=$3 wall cpu rss anon rc ratio=""
    read -r wall cpu rss anon rc < <(measure "$path")
    if [ "$rc" != 0 ]; then
        printf '%-12s %9s  exit %s: %s\n' "$kind" "$n" "$rc" \
            "$("$parity" info "$path" 2>&1 >/dev/null | head -1)"
        return
    fi
    if [ -z "${first_cpu[$kind]:-}" ]; then
        first_cpu[$kind]=$cpu
        first_n[$kind]=$n
    else
        ratio=$(awk -v a="$cpu" -v b="${first_cpu[$kind]}" -v m="$n" -v k="${first_n[$kind]}" \
            'BEGIN {r = a / b; printf "%.1fx CPU for %gx the count: %s", r, m / k,
                    (r < 1.5 * m / k ? "linear" : "NOT linear")}')
    fi
    printf '%-12s %9s  %8.3f s  %8.3f s  %8.1f MiB  %8.1f MiB  %s\n' "$kind" "$n" "$wall" \
        "$cpu" "$rss" "$anon" "$ratio"
}

for n in $npy_sizes; do gen npy-dir "$dir/npy_$n" "$n"; done
for n in $st_sizes; do gen many "$dir/st_$n.safetensors" "$n"; done
cat /proc/loadavg | awk '{print "load average before: " $1 ", " $2 ", " $3}'
printf '%-12s %9s  %10s  %10s  %12s  %12s  %s\n' input count wall cpu "peak RSS" RssAnon \
    "ratio to the first size"
for n in $npy_sizes; do row ".npy folder" "$n" "$dir/npy_$n"; done
for n in $st_sizes; do row safetensors "$n" "$dir/st_$n.safetensors"; done
cat /proc/loadavg | awk '{print "load average after: " $1 ", " $2 ", " $3}'
