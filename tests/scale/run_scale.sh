#!/usr/bin/env bash
# run_scale.sh — inputs built to cost quadratic work or to blow memory up
# before a limit refuses them (docs/reliability.md, "Limits"), made by
# tools/gen_scale_fixtures.py in a temporary directory (too big to commit):
#   - 20,000 tensors whose names collide in a fixed hash and an order list
#     of 1,000,000 such names (safetensors parity.order, trace index.json):
#     they open like any others (a hang past 60 s fails);
#   - an order list of 1,000,001 names: one clean limit error;
#   - a safetensors of 1,000,001 tensors: refused by its count before any
#     JSON tree is built, so the process peaks under 256 MiB (it took
#     805 MiB when the tree came first).
# No timing is asserted beyond the 60 s that marks a hang.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$src/build/parity}
gen=$src/tools/gen_scale_fixtures.py
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "run_scale: $PY has no numpy: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
fail() { echo "FAIL $1: $2"; sed 's/^/    stderr: /' "$tmp/err" | head -3; failed=$((failed + 1)); }

# check WANT_RC NEEDLE MAX_MIB PATH: parity info PATH exits WANT_RC within
# 60 s, stderr holds NEEDLE on one line when WANT_RC is 2, and the peak RSS
# stays under MAX_MIB (0: not checked).
check() {
    local want=$1 needle=$2 max=$3 path=$4 rc peak lines
    n=$((n + 1))
    peak=$("$PY" - "$PARITY" "$path" "$tmp/err" <<'EOF'
import resource, subprocess, sys
with open(sys.argv[3], "wb") as err:
    try:
        rc = subprocess.run([sys.argv[1], "info", sys.argv[2]], stdout=subprocess.DEVNULL,
                            stderr=err, timeout=60).returncode
    except subprocess.TimeoutExpired:
        rc = 124
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
EOF
)
    rc=${peak% *}
    peak=${peak#* }
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" = 124 ]; then fail "$path" "hung (killed after 60 s)"; return; fi
    if [ "$rc" != "$want" ]; then fail "$path" "exit status $rc, expected $want"; return; fi
    if [ "$want" = 2 ] && [ "$lines" != 1 ]; then fail "$path" "$lines lines on stderr"; return; fi
    if [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/err"; then
        fail "$path" "stderr lacks '$needle'"; return
    fi
    if [ "$max" != 0 ] && [ "$peak" -ge "$max" ]; then
        fail "$path" "peak RSS $peak MiB, expected under $max MiB"; return
    fi
    echo "ok $(basename "$path"): exit $rc, peak $peak MiB"
}

"$PY" "$gen" order-file "$tmp/order.safetensors" 20000 1000000 &&
    "$PY" "$gen" order-dir "$tmp/order_trace" 20000 1000000 &&
    "$PY" "$gen" order-file "$tmp/order_1000001.safetensors" 10 1000001 &&
    "$PY" "$gen" many "$tmp/tensors_1000001.safetensors" 1000001 ||
    { echo "FAIL: tools/gen_scale_fixtures.py"; exit 1; }

check 0 "" 0 "$tmp/order.safetensors"
check 0 "" 0 "$tmp/order_trace"
check 2 "the order lists 1000001 names, more than the limit of 1000000" 0 \
    "$tmp/order_1000001.safetensors"
check 2 "1000001 tensors exceed the limit of 1000000" 256 "$tmp/tensors_1000001.safetensors"

echo "run_scale: $((n - failed)) of $n cases passed"
[ $failed = 0 ]
