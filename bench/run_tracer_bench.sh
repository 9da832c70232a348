#!/usr/bin/env bash
# run_tracer_bench.sh — build and run bench_tracer.c: the cost of a disabled
# tracer, or (--dir) the time of a directory trace.
# Usage: bench/run_tracer_bench.sh [N [reps]]
#        bench/run_tracer_bench.sh --dir PATH [stages [reps]]
#        CC=clang bench/run_tracer_bench.sh   (another compiler)
# Uses $PARITY_BUILD/libparity.a when PARITY_BUILD is set, else builds the
# library in build-bench/ (Release). The loops are compiled with -O2.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build="${PARITY_BUILD:-$src/build-bench}"
if [ ! -f "$build/libparity.a" ]; then
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target parity -j2 >/dev/null
fi
cc="${CC:-cc}"
out="$build/bench_tracer"
# shellcheck disable=SC2046
"$cc" -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
    -I"$src/include" "$src/bench/bench_tracer.c" "$src/bench/bench_tracer_off.c" \
    "$build/libparity.a" \
    $(pkg-config --libs libcjson zlib) $(pkg-config --libs spng 2>/dev/null || true) \
    -lpthread -lm -o "$out"
echo "compiler: $("$cc" --version | head -1)"
"$out" "$@"
