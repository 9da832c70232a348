#!/usr/bin/env bash
# run_replay_valgrind.sh — every fuzz target replays its whole corpus
# (fuzz/corpus/<target>/) under valgrind: no invalid read or write, no use
# of uninitialised memory, no leak (docs/reliability.md). The sanitizer
# replay is tools/fuzz_all.sh's; this one runs on the plain build, as
# `ctest` does (skipped when valgrind is absent).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${PARITY_BUILD:-$src/build}
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
n=0
failed=0
for target in "$src"/fuzz/fuzz_*.c; do
    name=$(basename "$target" .c)
    exe=$build/${name}_replay
    corpus=$src/fuzz/corpus/${name#fuzz_}
    n=$((n + 1))
    if [ ! -x "$exe" ]; then echo "FAIL $name: $exe not built"; failed=$((failed + 1)); continue; fi
    if ! valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            "$exe" "$corpus" >/dev/null 2>"$build/$name.valgrind.txt"; then
        echo "FAIL $name: valgrind reports (first lines of $build/$name.valgrind.txt):"
        head -12 "$build/$name.valgrind.txt" | sed 's/^/    /'
        failed=$((failed + 1))
        continue
    fi
    echo "ok $name: $(ls "$corpus" | wc -l) inputs"
done
echo "run_replay_valgrind: $((n - failed)) of $n corpora clean"
[ $failed = 0 ]
