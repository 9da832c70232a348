#!/usr/bin/env bash
# run_layers.sh — the architecture check (tools/check_layers.py) passes on
# this build, the public header compiles alone, and the check fails on each kind of violation planted into a copy of
# its objects: a core file calling render, two analysis files calling each
# other, an export without the parity_ prefix, a cli file calling an
# internal parity__ function. Exit 77 (skipped) without Python 3 or nm.
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
build="${PARITY_BUILD:-$src/build}"
py="${PARITY_PYTHON:-/usr/bin/python3}"
command -v "$py" >/dev/null && command -v nm >/dev/null || { echo "skipped: no python3 or nm" >&2; exit 77; }
lib="$build/CMakeFiles/parity_obj.dir" cli="$build/CMakeFiles/parity_cli.dir"
check() { "$py" "$src/tools/check_layers.py" "$@"; }
fail=0

echo "== this build"
check "$lib" "$cli" || fail=1

echo "== include/parity.h stands alone, as C11 (pedantic) and as C++"
printf '#include "parity.h"\nint main(void) { return 0; }\n' > "${TMPDIR:-/tmp}/parity_header_$$.c"
hdr="${TMPDIR:-/tmp}/parity_header_$$.c"
cc -std=c11 -pedantic -Wall -Wextra -Werror -I"$src/include" -fsyntax-only "$hdr" || fail=1
if command -v c++ >/dev/null; then
    c++ -x c++ -std=c++11 -Wall -Wextra -Werror -I"$src/include" -fsyntax-only "$hdr" || fail=1
fi
rm -f "$hdr"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# plant NAME SUBDIR CODE: a copy of the objects plus one compiled file
plant() {
    rm -rf "$tmp/lib" "$tmp/cli"
    cp -r "$lib" "$tmp/lib"
    cp -r "$cli" "$tmp/cli"
    mkdir -p "$tmp/$2"
    printf '%s\n' "$3" > "$tmp/$1.c"
    cc -c -o "$tmp/$2/$1.c.o" "$tmp/$1.c"
}
# expect WHAT: the check must fail and name the violation
expect() {
    local out
    out=$(check "$tmp/lib" "$tmp/cli")
    if [ $? -ne 0 ] && grep -q "$1" <<<"$out"; then
        echo "planted $2: refused ($(grep "$1" <<<"$out" | head -1))"
    else
        echo "FAIL planted $2 was not refused: $out"
        fail=1
    fi
}

plant upcall lib/src/core 'int parity_html_report(void); int parity__planted(void) { return parity_html_report(); }'
expect "^layer: src/core/upcall.c (core) uses src/render/html.c (render)" "core -> render"

plant ping lib/src/analysis 'int parity__pong(void); int parity__ping(void) { return parity__pong(); }'
cp "$tmp/lib/src/analysis/ping.c.o" "$tmp/keep.o"
plant pong lib/src/analysis 'int parity__ping(void); int parity__pong(void) { return parity__ping(); }'
cp "$tmp/keep.o" "$tmp/lib/src/analysis/ping.c.o"
expect "^cycle: src/analysis/ping.c <-> src/analysis/pong.c" "analysis cycle"

plant bare lib/src/core 'int helper(int x) { return x + 1; }'
expect "^export: src/core/bare.c exports 'helper'" "unprefixed export"

plant peek cli/cli 'int parity__set_index(void); int cli_peek(void) { return parity__set_index(); }'
expect "^cli: cli/peek.c uses the internal 'parity__set_index'" "cli -> internal"

exit $fail
