#!/usr/bin/env bash
# Builds libparity and every fuzz target with clang, libFuzzer, ASan and
# UBSan, replays the committed corpora and the unit tests under the
# sanitizers, then fuzzes each target for SECONDS (default 20) from its
# corpus. New findings fail the run. Usage: tools/fuzz_all.sh [SECONDS]
set -euo pipefail
secs=${1:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build-fuzz
cmake -S "$top" -B "$b" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DPARITY_SANITIZE=ON -DPARITY_FUZZ=ON >/dev/null
cmake --build "$b" -j2 >/dev/null
ctest --test-dir "$b" -j2 -R '^(unit|fuzz|bad)\.' -E valgrind --output-on-failure
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
for src in "$top"/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  corpus=$top/fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  dict=$top/fuzz/${name#fuzz_}.dict
  dictarg=()
  [ -f "$dict" ] && dictarg=(-dict="$dict")
  echo "fuzzing $name for ${secs}s"
  "$b/$name" "${dictarg[@]}" -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=512 \
      -timeout=5 -max_len=1048576 -print_final_stats=1 -artifact_prefix="$b/" "$work" 2>&1 \
      | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY' || true
  ls "$b"/crash-* "$b"/leak-* "$b"/timeout-* "$b"/oom-* 2>/dev/null && { echo "$name: finding"; exit 1; }
  rm -rf "$work"
done
echo "fuzzing: no findings"
