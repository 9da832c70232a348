#!/usr/bin/env bash
# bench_rss.sh — peak memory of explain, plot and report on one large tensor
# (issue 13: RSS bounded whatever the tensor size; docs/performance.md#memory).
#
# Writes two traces REF and PORT in a fresh directory under $BENCH_DIR
# (default /tmp), each one F32 .npy of RSS_BENCH_MIB MiB (default 3072:
# [196608, 4096]), the port 1.01·ref + 0.17 plus noise on a band of rows; runs
# `parity diff`, `explain`, `plot` and `report` on the pair once each under
# /usr/bin/time -v and bench/runstat.c, prints per verb the wall and CPU
# seconds, the peak RSS (file pages included) and the peak RssAnon (what the
# process allocated, beyond the mapped files) and the explanation's first
# line; then deletes the data.
# Usage: bench/bench_rss.sh [PATH/TO/parity]
#   RSS_BENCH_MIB=256 bench/bench_rss.sh   # a quick run on 256 MiB per side
# Needs 2 × RSS_BENCH_MIB of free disk and /usr/bin/python3 with NumPy. Never
# run by the test suite.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
parity=${1:-$here/../build/parity}
mib=${RSS_BENCH_MIB:-3072}
py=${PARITY_PYTHON:-/usr/bin/python3}
[ -x "$parity" ] || { echo "no parity binary at $parity (build first)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/parity_rss.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/runstat" "$here/runstat.c"

"$py" - "$tmp" "$mib" <<'PY'
import os, sys
import numpy as np
tmp, mib = sys.argv[1], int(sys.argv[2])
cols = 4096
rows = max(1, (mib << 20) // (4 * cols))
os.makedirs(tmp + "/ref"); os.makedirs(tmp + "/port")
r = np.lib.format.open_memmap(tmp + "/ref/h.npy", mode="w+", dtype="<f4", shape=(rows, cols))
p = np.lib.format.open_memmap(tmp + "/port/h.npy", mode="w+", dtype="<f4", shape=(rows, cols))
rng = np.random.default_rng(0)
band = (rows // 3, rows // 3 + max(1, rows // 10))
step = max(1, (64 << 20) // (4 * cols))  # 64 MiB of rows at a time
for lo in range(0, rows, step):
    hi = min(rows, lo + step)
    x = rng.standard_normal((hi - lo, cols), dtype=np.float32)
    r[lo:hi] = x
    y = np.float32(1.01) * x + np.float32(0.17)
    a, b = max(lo, band[0]), min(hi, band[1])
    if a < b:
        y[a - lo:b - lo] += np.float32(0.05) * rng.standard_normal((b - a, cols), dtype=np.float32)
    p[lo:hi] = y
r.flush(); p.flush()
print(f"data: 2 x [{rows}, {cols}] F32, {rows * cols * 4 / 2**20:.0f} MiB per side")
PY

cat "$tmp/ref/h.npy" "$tmp/port/h.npy" > /dev/null # warm the page cache

# run VERB ARGS...: one line of figures; parity's stdout in $tmp/out
run() {
  local verb=$1
  # runstat sends its command's stdout to /dev/null: the shell it runs
  # keeps parity's in $tmp/out, then becomes parity (same process, sampled)
  OUT=$tmp/out /usr/bin/time -v -o "$tmp/time" "$tmp/runstat" \
    sh -c 'exec "$0" "$@" > "$OUT"' "$parity" "$@" 2> "$tmp/stat"
  local wall user sys maxrss anon
  wall=$(grep -o 'wall=[0-9.]*' "$tmp/stat" | cut -d= -f2)
  user=$(grep -o 'user=[0-9.]*' "$tmp/stat" | cut -d= -f2)
  sys=$(grep -o 'sys=[0-9.]*' "$tmp/stat" | cut -d= -f2)
  anon=$(grep -o 'rssanon_kib=[0-9-]*' "$tmp/stat" | cut -d= -f2)
  maxrss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
  printf '%-8s wall %7.2f s  CPU %7.2f s  peak RSS %7.1f MiB  peak RssAnon %6.1f MiB  exit %s\n' \
    "$verb" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $maxrss / 1024" | bc)" \
    "$(echo "scale=1; $anon / 1024" | bc)" "$(grep -o 'exit=[0-9]*' "$tmp/stat" | cut -d= -f2)"
}

echo "parity: $parity"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run diff "$tmp/ref" "$tmp/port"
run explain "$tmp/ref" "$tmp/port" -t h
echo "         explain: $(grep -m1 '^ *1\. ' "$tmp/out" | sed 's/  */ /g' | cut -c1-110)"
run plot "$tmp/ref" "$tmp/port" -t h -o "$tmp/h.png"
run report "$tmp/ref" "$tmp/port" -o "$tmp/r.html"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "outputs: $(stat -c '%n %s B' "$tmp/h.png" "$tmp/r.html" | sed "s|$tmp/||g" | paste -sd, -)"
