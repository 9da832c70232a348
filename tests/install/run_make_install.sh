#!/usr/bin/env bash
# run_make_install.sh — `make install PREFIX=/usr DESTDIR=STAGE`, in a
# build directory of its own: every file lands under STAGE where Debian
# puts it for /usr (multiarch libdir, /usr/lib/python3/dist-packages for
# the Python tracer), parity.pc says prefix=/usr, and with pkg-config's
# sysroot set to STAGE a program builds and runs against the staged
# library.
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
for t in make cmake pkg-config cc; do
    command -v "$t" >/dev/null || { echo "skipped: no $t" >&2; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

if ! make -C "$src" install BUILD="$tmp/build" PREFIX=/usr DESTDIR="$stage" JOBS=2 \
        >"$tmp/make.log" 2>&1; then
    tail -30 "$tmp/make.log"
    echo "FAIL: make install PREFIX=/usr DESTDIR=$stage"
    exit 1
fi
libdir=lib/$(cc -print-multiarch)
[ "$libdir" != lib/ ] || libdir=lib
for f in usr/bin/parity usr/include/parity.h "usr/$libdir/libparity.a" "usr/$libdir/libparity.so" \
         "usr/$libdir/pkgconfig/parity.pc" "usr/$libdir/cmake/parity/parityConfig.cmake" \
         usr/lib/python3/dist-packages/parity_trace/__init__.py usr/share/man/man1/parity.1 \
         usr/share/bash-completion/completions/parity; do
    [ -e "$stage/$f" ] || bad "not staged: /$f"
done
[ $fail = 0 ] && ok "staged under DESTDIR at Debian's places for /usr ($libdir, lib/python3/dist-packages)"
n=$(find "$stage" -path "$stage/usr" -prune -o -print | grep -vc "^$stage\$")
[ "$n" = 0 ] && ok "nothing outside DESTDIR/usr" || bad "$n files outside $stage/usr"
grep -qx "prefix=/usr" "$stage/usr/$libdir/pkgconfig/parity.pc" && ok "parity.pc: prefix=/usr" ||
    bad "parity.pc: $(head -3 "$stage/usr/$libdir/pkgconfig/parity.pc")"

printf '#include <parity.h>\n#include <stdio.h>\nint main(void) { return puts(parity_dtype_name(PARITY_DT_F8_E4M3)) < 0; }\n' >"$tmp/p.c"
export PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_PATH="$stage/usr/$libdir/pkgconfig"
if cc -o "$tmp/p" "$tmp/p.c" $(pkg-config --cflags --libs parity) 2>"$tmp/cc.log" &&
    [ "$(LD_LIBRARY_PATH="$stage/usr/$libdir" "$tmp/p")" = F8_E4M3 ]; then
    ok "built with pkg-config --cflags --libs parity against the staged files, runs"
else
    bad "pkg-config with PKG_CONFIG_SYSROOT_DIR: $(cat "$tmp/cc.log")"
fi
exit $fail
