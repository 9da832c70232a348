#!/usr/bin/env bash
# Speed and memory of `parity diff` on two large F32 .npy files (docs/performance.md).
# Usage: bench/run_diff_bench.sh [GiB per file, default 1] [build dir]
# Reports, all measured in this run: parity's wall time (median of 3, page
# cache warm), the NumPy baseline's, their ratio; the memory-read bandwidth
# (bench/membw.c) and parity's share of it; peak RSS from /usr/bin/time -v.
# Needs ~2×GiB of free disk in $BENCH_DIR (default /tmp) and /usr/bin/python3
# with NumPy. Never run by the test suite.
set -euo pipefail
gib=${1:-1}
build=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
parity=$top/$build/parity
dir=${BENCH_DIR:-/tmp}/parity_bench_$gib
mkdir -p "$dir"
ref=$dir/ref.npy port=$dir/port.npy
if [ ! -f "$port" ]; then
  /usr/bin/python3 - "$gib" "$ref" "$port" <<'PY'
import sys, numpy as np
gib, ref, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n = gib << 28  # float32 elements
shape = (1, 80, n // 80) if n % 80 == 0 else (n,)
r = np.lib.format.open_memmap(ref, mode="w+", dtype="<f4", shape=shape).reshape(-1)
p = np.lib.format.open_memmap(port, mode="w+", dtype="<f4", shape=shape).reshape(-1)
rng = np.random.default_rng(1)
step = 1 << 24
for lo in range(0, n, step):
    x = rng.standard_normal(min(step, n - lo), dtype=np.float32) * 2 - 6
    r[lo:lo + x.size] = x
    p[lo:lo + x.size] = x - np.float32(1.46) + rng.standard_normal(x.size, dtype=np.float32) * 1e-3
r.flush(); p.flush()
PY
fi
cc -O2 -o "$dir/membw" "$here/membw.c"
cat "$ref" "$port" > /dev/null   # warm the page cache
bw=$("$dir/membw" "$ref" "$port")
median() { sort -g | sed -n 2p; }
time_cmd() { # prints wall seconds of "$@", stdout discarded
  local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null || [ $? -eq 1 ]; t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l; }
pt=$(for i in 1 2 3; do time_cmd "$parity" diff --threads 2 "$ref" "$port"; done | median)
nt=$(for i in 1 2 3; do time_cmd /usr/bin/python3 "$here/diff_baseline.py" "$ref" "$port"; done | median)
rss=$( { /usr/bin/time -v "$parity" diff --threads 2 "$ref" "$port" > /dev/null; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}' || true)
bytes=$(( $(stat -c %s "$ref") + $(stat -c %s "$port") ))
printf 'files:            2 x %s GiB F32 (%s bytes in all)\n' "$gib" "$bytes"
printf 'parity diff:      %.3f s  (%.2f GB/s)\n' "$pt" "$(echo "$bytes / $pt / 1000000000" | bc -l)"
printf 'NumPy baseline:   %.3f s\n' "$nt"
printf 'speed-up:         %.1fx\n' "$(echo "$nt / $pt" | bc -l)"
printf 'memory read bw:   %s GB/s; parity reaches %.0f%%\n' "$bw" "$(echo "100 * $bytes / $pt / 1000000000 / $bw" | bc -l)"
printf 'peak RSS parity:  %s KiB\n' "$rss"
