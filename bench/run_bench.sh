#!/usr/bin/env bash
# run_bench.sh — parity diff against what a user would write instead, in
# one run on this machine (SPEC §9; docs/performance.md shows the latest
# table). Usage: bench/run_bench.sh [build dir, default build]
#
# Workloads (bench/make_bench_data.py writes them into $BENCH_DIR, default
# /tmp/parity_bench, about 4.6 GB, once): two 1 GiB F32 .npy, two 256 MiB
# F32 .npy, 10,000 tensors [64, 64] F32 per side (safetensors), 2,000 .npy
# files [64, 64] per side (folders), two 1 MB .npy.
# Each is timed for parity diff (default threads) and for
# bench/baseline_diff.py whole (NumPy, both files mapped whole), chunked
# (NumPy, 64 MiB at a time) and torch (PyTorch CPU), each computing the
# metrics parity prints. Also: the memory-read bandwidth with 1 and 2
# threads (bench/membw.c) and parity's share of it, --threads 1 vs 2 on
# the 1 GiB pair, F32 vs BF16 vs F16 per byte (256 MiB files), peak
# RssAnon (bench/runstat.c), and the load average before and after (a
# busy machine is marked as such).
# Every figure is the median of $RUNS runs (default 5; baselines
# $BASE_RUNS, default $RUNS), each after reading its inputs once (warm
# page cache, in the state a read from disk leaves it: see below).
# SKIP_TORCH=1 leaves PyTorch out. The table goes to stdout and to
# $BENCH_DIR/bench.md. Never run by the test suite.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
parity=$top/$build/parity
py=/usr/bin/python3
dir=${BENCH_DIR:-/tmp/parity_bench}
runs=${RUNS:-5}
base_runs=${BASE_RUNS:-$runs}
mkdir -p "$dir"
[ -x "$parity" ] || { echo "run_bench: $parity is not built" >&2; exit 2; }
cc -O2 -o "$dir/runstat" "$here/runstat.c"
cc -O2 -pthread -o "$dir/membw" "$here/membw.c"
"$py" "$here/make_bench_data.py" "$dir"
raw=$dir/raw.txt
: > "$raw"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The page cache as a read from disk leaves it: every input is written
# back, dropped from the cache (POSIX_FADV_DONTNEED) and read once, so
# readahead holds it in large folios. Files written through a memory map
# (make_bench_data.py's .npy) otherwise stay in 4 KiB folios, which makes
# every mapped reader's page faults several times dearer (docs/performance.md).
"$py" - "$dir" <<'PYEOF'
import os, sys
d = sys.argv[1]
for root, _, files in os.walk(d):
    for f in files:
        if not f.endswith((".npy", ".safetensors")):
            continue
        fd = os.open(os.path.join(root, f), os.O_RDONLY)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PYEOF

warm() { # read the inputs once: the page cache holds them
  for f in "$@"; do
    if [ -d "$f" ]; then cat "$f"/* > /dev/null; else cat "$f" > /dev/null; fi
  done; }

# measure RUNS LABEL IN1 IN2 CMD...: median wall, median CPU (user+sys),
# largest peak RssAnon (KiB) of RUNS runs; one line "wall cpu anon", or
# "- - -" when a run failed (exit above 1: parity exits 1 on differences,
# baseline_diff.py 3 on an error; $BENCH_DIR/raw.txt has every run)
measure() {
  local n=$1 label=$2 a=$3 b=$4; shift 4
  local out=""
  for _ in $(seq "$n"); do
    warm "$a" "$b"
    local line
    line=$("$dir/runstat" "$@" 2>&1 >/dev/null | tail -1)
    echo "$label $line" >> "$raw"
    out+="$line"$'\n'
  done
  printf '%s' "$out" | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      w[NR] = v["wall"]; c[NR] = v["user"] + v["sys"]; if (v["rssanon_kib"] > a) a = v["rssanon_kib"]
      if (v["exit"] > 1) bad = 1 }
    function med(x, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
        if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
      return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
    END { if (bad) print "- - -"; else printf "%.4f %.4f %d\n", med(w, NR), med(c, NR), a }'
}

bytes_of() { du -cb "$@" | tail -1 | cut -f1; }

rows=""
row() { # label in1 in2
  local label=$1 a=$2 b=$3 p w c t bytes
  p=$(measure "$runs" "parity:$label" "$a" "$b" "$parity" diff "$a" "$b")
  w=$(measure "$base_runs" "whole:$label" "$a" "$b" "$py" "$here/baseline_diff.py" whole "$a" "$b")
  c=$(measure "$base_runs" "chunked:$label" "$a" "$b" "$py" "$here/baseline_diff.py" chunked "$a" "$b")
  if [ "${SKIP_TORCH:-0}" = 1 ]; then t="- - -"; else
    t=$(measure "$base_runs" "torch:$label" "$a" "$b" "$py" "$here/baseline_diff.py" torch "$a" "$b"); fi
  bytes=$(bytes_of "$a" "$b")
  rows+="$(echo "$label|$bytes|$p|$w|$c|$t" | awk -F'|' '
    function base(s, pw,   x) { split(s, x, " "); if (x[1] == "-") return "-";
      return sprintf("%.2f s (%.1f×)", x[1], x[1] / pw) }
    { split($3, p, " ");
      printf "| %s | %.3f s (%.2f GB/s), CPU %.3f s, RssAnon %.1f MiB | %s | %s | %s |\n",
        $1, p[1], $2 / p[1] / 1e9, p[2], p[3] / 1024, base($4, p[1]), base($5, p[1]), base($6, p[1]) }')"$'\n'
}

row "two 1 GiB F32 (.npy)" "$dir/big_ref.npy" "$dir/big_port.npy"
row "two 256 MiB F32 (.npy)" "$dir/mid_ref.npy" "$dir/mid_port.npy"
row "10,000 tensors [64, 64] F32 per side" "$dir/many_ref.safetensors" "$dir/many_port.safetensors"
row "2,000 .npy files [64, 64] per side" "$dir/npydir_ref" "$dir/npydir_port"
row "two 1 MB F32 (.npy)" "$dir/small_ref.npy" "$dir/small_port.npy"

big=$(bytes_of "$dir/big_ref.npy" "$dir/big_port.npy")
warm "$dir/big_ref.npy" "$dir/big_port.npy"
# the bandwidth a virtual machine gives moves from run to run: the median
# of five readings, each of both files
bw_median() {
  for _ in 1 2 3 4 5; do "$dir/membw" "$@" "$dir/big_ref.npy" "$dir/big_port.npy"; done |
    sort -g | sed -n 3p; }
bw1=$(bw_median)
bw2=$(bw_median -t 2)
t1=$(measure "$runs" "threads1" "$dir/big_ref.npy" "$dir/big_port.npy" "$parity" diff --threads 1 "$dir/big_ref.npy" "$dir/big_port.npy")
t2=$(measure "$runs" "threads2" "$dir/big_ref.npy" "$dir/big_port.npy" "$parity" diff --threads 2 "$dir/big_ref.npy" "$dir/big_port.npy")
per_byte=""
for dt in f32 bf16 f16; do
  a=$dir/mid_${dt}_ref.safetensors b=$dir/mid_${dt}_port.safetensors
  m=$(measure "$runs" "bytes:$dt" "$a" "$b" "$parity" diff "$a" "$b")
  per_byte+="$(echo "$dt $(bytes_of "$a" "$b") $m" | awk '{printf "%s %.2f GB/s (%.3f s, CPU %.3f s); ", toupper($1), $2 / $3 / 1e9, $3, $4}')"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# the load after includes this script's own two-thread runs: only the load
# before says whether other work shared the machine
busy=$(echo "$load_before" | awk '{print ($1 > 0.5) ? "BUSY machine (other work ran: wall times are inflated, CPU times less so)" : "quiet machine"}')

{
  echo "parity diff vs the baselines, $(date -u +%Y-%m-%d), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, kernel $(uname -r)"
  echo "load average before: $load_before, after: $load_after: $busy"
  echo "medians of $runs runs (baselines: $base_runs), warm page cache as read from disk; (N×) = how many times parity's wall time"
  echo
  echo "| work | parity | NumPy whole | NumPy chunked | PyTorch |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  echo "$t1 $t2 $bw1 $bw2 $big" | awk '{
    printf "- threads on the 1 GiB pair: 1 thread %.3f s (CPU %.3f s), 2 threads %.3f s (CPU %.3f s): %.2f× faster\n", $1, $2, $4, $5, $1 / $4
    printf "- memory-read bandwidth (bench/membw.c, mapped files): 1 thread %.2f GB/s, 2 threads %.2f GB/s\n", $7, $8
    printf "- parity on the 1 GiB pair (2 threads): %.2f GB/s = %.0f%% of the 1-thread and %.0f%% of the 2-thread bandwidth\n", $9 / $4 / 1e9, 100 * $9 / $4 / 1e9 / $7, 100 * $9 / $4 / 1e9 / $8 }'
  echo "- per byte, 256 MiB per side: $per_byte"
} | tee "$dir/bench.md"
