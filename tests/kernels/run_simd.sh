#!/usr/bin/env bash
# run_simd.sh — every kernel choice and thread count gives the same bytes.
# For each dtype pair written by make_kernel_cases.py (random values, +-0,
# subnormals, NaN, +-Inf, extremes, tails, many small tensors), the JSON of
# `parity diff` under PARITY_SIMD=scalar (the portable reference path) with
# one thread is the expectation; PARITY_SIMD=sse2, avx2, avx512 and auto
# (each fused kernel this CPU runs; a level above the CPU's falls back to
# the best it has) with --threads 1, 2 and 8 must print exactly it, and
# so must --axis (profiles take the reference path) against itself.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$here/../../build/parity}
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "run_simd: $PY has no numpy: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" "$here/make_kernel_cases.py" "$tmp" || exit 2
pass=0 fail=0
check() { # name expected actual
    if cmp -s "$2" "$3"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL $1"; diff <(tr ',' '\n' < "$2") <(tr ',' '\n' < "$3") | head -6; fi
}
for ref in "$tmp"/*_ref.safetensors; do
    dt=$(basename "$ref" _ref.safetensors)
    port=$tmp/${dt}_port.safetensors
    PARITY_SIMD=scalar "$PARITY" diff --threads 1 --format json "$ref" "$port" > "$tmp/want.json" 2> "$tmp/want.err"
    rc=$?
    if [ $rc -gt 1 ]; then echo "FAIL $dt: exit $rc: $(cat "$tmp/want.err")"; fail=$((fail + 1)); continue; fi
    for simd in scalar sse2 avx2 avx512 auto; do
        for t in 1 2 8; do
            PARITY_SIMD=$simd "$PARITY" diff --threads $t --format json "$ref" "$port" > "$tmp/got.json" 2>&1
            check "$dt simd=$simd threads=$t" "$tmp/want.json" "$tmp/got.json"
        done
    done
    PARITY_SIMD=scalar "$PARITY" diff --threads 1 --axis -1 --format json "$ref" "$port" > "$tmp/want_axis.json" 2>&1
    for t in 2 8; do
        "$PARITY" diff --threads $t --axis -1 --format json "$ref" "$port" > "$tmp/got.json" 2>&1
        check "$dt --axis -1 threads=$t" "$tmp/want_axis.json" "$tmp/got.json"
    done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
