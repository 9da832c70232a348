#!/usr/bin/env bash
# run_many_files.sh — a folder of more .npy files than the kernel allows a
# process maps (vm.max_map_count, 65,530 by default): parity used to keep
# one map per file and failed near file 65,480 with "cannot map: Cannot
# allocate memory". Small files are now read, not mapped
# (src/core/mapfile.c), so every file is listed. The folder holds
# max_map_count + 4,470 files (70,000 by default), all NumPy's bytes for a
# 3-element float32 array; skipped (77) when that is more than the
# listing limit (max_files, 100,000) or without NumPy.
# Env: PARITY (CLI), PARITY_PYTHON.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PARITY=${PARITY:-$here/../../build/parity}
py=${PARITY_PYTHON:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }
"$py" -c "import numpy" 2>/dev/null || { echo "run_many_files: no NumPy: skipped"; exit 77; }
limit=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 65530)
n=$((limit + 4470))
if [ "$n" -gt 100000 ]; then
    echo "run_many_files: vm.max_map_count is $limit: more files than max_files: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$py" - "$tmp/many" "$n" <<'PY'
import io, os, sys
import numpy as np
d, n = sys.argv[1], int(sys.argv[2])
os.mkdir(d)
buf = io.BytesIO()
np.save(buf, np.array([1.0, 2.0, 3.0], dtype=np.float32))
raw = buf.getvalue()
for k in range(n):
    with open(os.path.join(d, "t%06d.npy" % k), "wb") as f:
        f.write(raw)
PY

"$PARITY" info -q "$tmp/many" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" = 0 ] || fail "info of $n files: exit $status: $(head -c 300 "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "info of $n files said: $(head -c 300 "$tmp/err")"
[ "$(wc -l <"$tmp/out")" = "$n" ] || fail "info listed $(wc -l <"$tmp/out") of $n tensors"
[ "$(sed -n '1p' "$tmp/out")" = "t000000: F32 [3]" ] || fail "first line: $(sed -n 1p "$tmp/out")"
[ "$(tail -n 1 "$tmp/out")" = "$(printf 't%06d: F32 [3]' $((n - 1)))" ] ||
    fail "last line: $(tail -n 1 "$tmp/out")"

# diff reads both sides: twice as many files, still no map each
"$PARITY" diff "$tmp/many" "$tmp/many" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" = 0 ] || fail "diff of $n files with themselves: exit $status: $(head -c 300 "$tmp/err")"
echo "run_many_files: $n files (vm.max_map_count $limit) listed and compared"
