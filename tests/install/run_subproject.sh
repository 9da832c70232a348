#!/usr/bin/env bash
# run_subproject.sh — another CMake project uses parity through
# add_subdirectory (docs/install.md): it configures with the consumer's own
# find_package(ZLIB) next to parity's dependencies, builds parity's library
# only (no tests, fuzz replays, examples or command: they are not even
# targets), links parity::parity and runs. The consumer's warnings flags
# are its own (parity's -Werror stays off in a subproject).
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
command -v cmake >/dev/null || { echo "skipped: no cmake" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

mkdir -p "$tmp/app"
cat >"$tmp/app/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(ZLIB REQUIRED)        # the consumer's own, untouched by parity's
add_subdirectory("$src" parity)
add_executable(app main.c)
target_link_libraries(app PRIVATE parity::parity ZLIB::ZLIB)
foreach(t parity parity::parity_static test_diff parity_cli fuzz_npy_replay melflow_port)
  if(TARGET \${t})
    message(STATUS "target: \${t}")
  endif()
endforeach()
get_property(tests DIRECTORY "$src" PROPERTY TESTS)
message(STATUS "parity tests: [\${tests}]")
message(STATUS "zlib: \${ZLIB_FOUND} \${ZLIB_LIBRARIES}")
CM
cat >"$tmp/app/main.c" <<'C'
#include <parity.h>
#include <stdio.h>
#include <zlib.h>
int main(void) {
    printf("parity %s, %s, zlib %s\n", PARITY_VERSION,
           parity_dtype_name(parity_dtype_from_name("BF16")), zlibVersion());
    return parity_dtype_size(PARITY_DT_BF16) == 2 ? 0 : 1;
}
C
if ! cmake -S "$tmp/app" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.log" 2>&1; then
    cat "$tmp/configure.log"
    echo "FAIL: configuring a project that adds parity with add_subdirectory"
    exit 1
fi
targets=$(sed -n 's/^-- target: //p' "$tmp/configure.log" | tr '\n' ' ')
[ "$targets" = "parity parity::parity_static " ] && ok "targets: $targets(no tests, command, fuzz or examples)" ||
    bad "targets defined: $targets"
grep -q '^-- parity tests: \[\]$' "$tmp/configure.log" && ok "no tests added to the consumer's" ||
    bad "$(grep 'parity tests' "$tmp/configure.log")"
grep -q '^-- zlib: TRUE ' "$tmp/configure.log" && ok "the consumer's own find_package(ZLIB) works beside parity's dependencies" ||
    bad "$(grep 'zlib:' "$tmp/configure.log")"
if cmake --build "$tmp/build" -j2 --target app >"$tmp/build.log" 2>&1 && out=$("$tmp/build/app"); then
    ok "built and ran: $out"
else
    tail -30 "$tmp/build.log"
    bad "building or running the consumer"
fi
exit $fail
