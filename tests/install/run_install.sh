#!/usr/bin/env bash
# run_install.sh — parity installs like a library (docs/install.md):
# `cmake --install` of this build into a temporary prefix, then, against
# the installed files only:
#   a. a C program built with `pkg-config --cflags --libs parity` links
#      and runs against libparity.so, and with `--static` against
#      libparity.a (no libparity.so needed);
#   b. a CMake project with find_package(parity REQUIRED) builds and runs
#      with parity::parity (shared), parity::parity_static, and
#      parity::parity when PARITY_USE_STATIC_LIBS is on;
#   d. man opens the installed page (man -l, and by MANPATH);
#   e. import parity_trace from the installed directory, which Debian's
#      python3 reads for the configured prefix;
#   g. the installed bash completion completes a verb and an option;
# and the shared library: its SONAME, and it exports the API of parity.h
# (every function the header declares and the library defines; of the
# internal parity__ names only those the header's inline functions call)
# and nothing else. (c, the subproject, is run_subproject.sh; make install
# with PREFIX and DESTDIR, run_make_install.sh; pip install,
# tests/python/run_pip_install.sh; the progress line, tests/cli/run_progress.sh.)
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
build="${PARITY_BUILD:-$src/build}"
py="${PARITY_PYTHON:-/usr/bin/python3}"
for t in cmake pkg-config cc nm readelf; do
    command -v "$t" >/dev/null || { echo "skipped: no $t" >&2; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
libdir=$prefix/$(cache CMAKE_INSTALL_LIBDIR)
version=$("$build/parity" --version | awk '{print $2}')
for f in bin/parity include/parity.h share/man/man1/parity.1 \
         share/bash-completion/completions/parity; do
    [ -f "$prefix/$f" ] || bad "not installed: $f"
done
for f in libparity.a libparity.so pkgconfig/parity.pc cmake/parity/parityConfig.cmake \
         cmake/parity/parityConfigVersion.cmake cmake/parity/parityTargets.cmake; do
    [ -e "$libdir/$f" ] || bad "not installed: $libdir/$f"
done
[ "$("$prefix/bin/parity" --version)" = "parity $version" ] && ok "bin/parity runs: parity $version" ||
    bad "bin/parity --version"

# ---- the shared library ----------------------------------------------------
major=${version%%.*} rest=${version#*.} minor=${rest%%.*}
[ "$major" = 0 ] && soname=libparity.so.$major.$minor || soname=libparity.so.$major
got=$(readelf -d "$libdir/libparity.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$got" = "$soname" ] && ok "SONAME $got" || bad "SONAME '$got', expected $soname"
[ -e "$libdir/$soname" ] || bad "no $soname link"
nm -D --defined-only "$libdir/libparity.so" | awk '{print $3}' | sort -u >"$tmp/exported"
grep -o '\bparity_[a-z0-9_]*[ ]*(' "$src/include/parity.h" | tr -d ' (' | sort -u >"$tmp/declared"
nm --defined-only "$libdir/libparity.a" 2>/dev/null | awk '$2 == "T" {print $3}' | sort -u >"$tmp/defined"
comm -12 "$tmp/declared" "$tmp/defined" >"$tmp/api"
missing=$(comm -23 "$tmp/api" "$tmp/exported")
extra=$(comm -13 "$tmp/api" "$tmp/exported")
[ -z "$missing" ] && ok "libparity.so exports the $(wc -l <"$tmp/api") functions parity.h declares" ||
    bad "declared in parity.h, defined in libparity.a, not exported: $missing"
[ -z "$extra" ] && ok "and nothing else ($(grep -c '^parity__' "$tmp/api") of them internal, for inline functions)" ||
    bad "libparity.so exports names parity.h does not declare: $extra"

# ---- a. pkg-config -----------------------------------------------------------
cat >"$tmp/prog.c" <<'C'
#include <parity.h>
#include <stdio.h>
/* Writes a tensor (safetensors), reads it back (cJSON), encodes a PNG
 * (libspng, zlib) and diffs on threads: every dependency is used. */
int main(int argc, char **argv) {
    float x[4] = {1, 2, 3, 4};
    int64_t shape[1] = {4};
    unsigned char rgb[3] = {1, 2, 3}, *png = NULL;
    parity_image img = {1, 1, rgb, 0, 0, 0, 0};
    parity_writer *w = NULL;
    parity_set *s = NULL;
    parity_diff d;
    parity_diff_opts o = parity_diff_opts_default();
    size_t n = 0;
    o.threads = 2;
    if (argc < 2 || parity_writer_open(argv[1], &w, NULL) ||
        parity_writer_add(w, "x", PARITY_DT_F32, 1, shape, x, NULL) ||
        parity_writer_close(w, NULL) || parity_set_open(argv[1], NULL, &s, NULL) ||
        parity_png_encode(&img, &png, &n, NULL) ||
        parity_diff_tensors(parity_set_tensor(s, 0), parity_set_tensor(s, 0), &o, &d, NULL))
        return 1;
    printf("parity %s: %zu tensor, relative %g, a %zu-byte PNG\n", PARITY_VERSION,
           parity_set_count(s), d.relative, n);
    parity_free(png);
    parity_set_free(s);
    return 0;
}
C
export PKG_CONFIG_PATH="$libdir/pkgconfig"
want="parity $version: 1 tensor, relative 0, a"
needs_so() { readelf -d "$1" | grep -q "NEEDED.*\[libparity\.so"; }
if cc -o "$tmp/prog_shared" "$tmp/prog.c" $(pkg-config --cflags --libs parity) 2>"$tmp/cc.log" &&
    out=$(LD_LIBRARY_PATH="$libdir" "$tmp/prog_shared" "$tmp/a.safetensors") &&
    [[ $out == "$want"* ]] && needs_so "$tmp/prog_shared"; then
    ok "pkg-config --cflags --libs parity: linked to $soname, runs: $out"
else
    bad "pkg-config, shared: $(cat "$tmp/cc.log") ${out:-}"
fi
# --static: libparity.a (-l:libparity.a, as libparity.so sits beside it)
# and every library it needs, from Requires.private and Libs.private
static_libs=$(pkg-config --static --libs parity | sed 's/-lparity\b/-l:libparity.a/')
if cc -o "$tmp/prog_static" "$tmp/prog.c" $(pkg-config --cflags parity) $static_libs 2>"$tmp/cc.log" &&
    out=$("$tmp/prog_static" "$tmp/b.safetensors") && [[ $out == "$want"* ]] &&
    ! needs_so "$tmp/prog_static"; then
    ok "pkg-config --static: libparity.a and $(pkg-config --static --libs-only-l parity | tr -s ' ' | sed 's/ $//'): runs"
else
    bad "pkg-config --static ($static_libs): $(cat "$tmp/cc.log") ${out:-}"
fi
[ "$(pkg-config --modversion parity)" = "$version" ] || bad "pkg-config --modversion parity"

# ---- b. find_package -------------------------------------------------------
mkdir -p "$tmp/fp"
cp "$tmp/prog.c" "$tmp/fp/prog.c"
cat >"$tmp/fp/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(uses_parity C)
find_package(parity $version REQUIRED)
add_executable(use_default prog.c)
target_link_libraries(use_default PRIVATE parity::parity)
add_executable(use_static prog.c)
target_link_libraries(use_static PRIVATE parity::parity_static)
CM
fp_build() { # $1: build dir, then cmake options
    local b=$1
    shift
    cmake -S "$tmp/fp" -B "$b" -DCMAKE_PREFIX_PATH="$prefix" "$@" >"$tmp/fp.log" 2>&1 &&
        cmake --build "$b" >>"$tmp/fp.log" 2>&1
}
if fp_build "$tmp/fp/b1" && out=$("$tmp/fp/b1/use_default" "$tmp/c.safetensors") &&
    [[ $out == "$want"* ]] && needs_so "$tmp/fp/b1/use_default" &&
    out=$("$tmp/fp/b1/use_static" "$tmp/d.safetensors") && ! needs_so "$tmp/fp/b1/use_static"; then
    ok "find_package(parity): parity::parity is libparity.so, parity::parity_static libparity.a; both run"
else
    bad "find_package(parity): $(tail -20 "$tmp/fp.log") ${out:-}"
fi
if fp_build "$tmp/fp/b2" -DPARITY_USE_STATIC_LIBS=ON && ! needs_so "$tmp/fp/b2/use_default" &&
    "$tmp/fp/b2/use_default" "$tmp/e.safetensors" >/dev/null; then
    ok "PARITY_USE_STATIC_LIBS=ON: parity::parity is libparity.a"
else
    bad "PARITY_USE_STATIC_LIBS: $(tail -20 "$tmp/fp.log")"
fi

# ---- d. man ----------------------------------------------------------------
if command -v man >/dev/null; then
    export MAN_DISABLE_SECCOMP=1 # man-db's sandbox fails in some containers
    page=$(LC_ALL=C MANWIDTH=80 man -l "$prefix/share/man/man1/parity.1" 2>&1 | col -b)
    if grep -q "^NAME" <<<"$page" && grep -q "parity - find where, and why" <<<"$page" &&
        grep -q -- "--no-progress" <<<"$page"; then
        ok "man -l opens the installed page ($(wc -l <<<"$page") lines)"
    else
        bad "man -l: $(head -5 <<<"$page")"
    fi
    found=$(MANPATH="$prefix/share/man" man -w parity 2>&1)
    [ "$found" = "$prefix/share/man/man1/parity.1" ] && ok "MANPATH=PREFIX/share/man man -w parity: $found" ||
        bad "man -w parity with MANPATH: $found"
else
    echo "skipped: man (man-db) is not installed"
fi

# ---- e. Python -------------------------------------------------------------
if [ -x "$py" ]; then
    init=$(find "$prefix" -path '*/parity_trace/__init__.py')
    pydir=${init%/parity_trace/__init__.py}
    rel=${pydir#"$prefix"/}
    configured=$(cache CMAKE_INSTALL_PREFIX)
    if "$py" -c "import site, sys; sys.exit(sys.argv[1] not in site.getsitepackages())" \
        "$configured/$rel"; then
        ok "parity_trace goes to $rel, which $py reads under $configured"
    else
        bad "$configured/$rel is not among $("$py" -c 'import site; print(site.getsitepackages())')"
    fi
    if where=$(cd "$tmp" && env -u PYTHONPATH PYTHONPATH="$pydir" "$py" -c \
        'import parity_trace, os; print(os.path.realpath(parity_trace.__file__))') &&
        [[ $where == "$(realpath "$pydir")"/* ]]; then
        ok "import parity_trace from $rel"
    else
        bad "import parity_trace from the installed directory: ${where:-}"
    fi
fi

# ---- g. bash completion ----------------------------------------------------
got=$(PATH="$prefix/bin:$PATH" bash --norc --noprofile -c '
    source "$1" || exit 1
    COMP_WORDS=(parity ex); COMP_CWORD=1; _parity; echo "${COMPREPLY[*]}"
    COMP_WORDS=(parity trace a b --no-pro); COMP_CWORD=4; _parity; echo "${COMPREPLY[*]}"
' _ "$prefix/share/bash-completion/completions/parity")
[ "$got" = $'explain\n--no-progress' ] && ok "the installed completion completes a verb and an option" ||
    bad "bash completion: '$got'"
exit $fail
