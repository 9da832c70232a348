#!/usr/bin/env bash
# run_notrace.sh — -DPARITY_NO_TRACE compiles every tracing call of a
# forward pass out, with no reference to the library left, at -O0 and -O2,
# with every C and C++ compiler present (cc always; clang, c++, clang++ when
# installed): tests/tracer/notrace_calls.c is compiled (not linked) and its
# object must have no undefined parity symbol, while the same file built
# without the macro refers to the library's entry points (so the check can
# fail). In both builds the calls stay type-checked: a format that does not
# match its argument, and a read-only buffer given to inject, fail under
# -Werror.
# Env: PARITY_SRC (the source tree).
set -u

fail() { echo "run_notrace.sh: $*" >&2; exit 1; }

src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
file="$src/tests/tracer/notrace_calls.c"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

compilers="cc"
for c in clang c++ clang++; do
    command -v "$c" >/dev/null 2>&1 && compilers="$compilers $c"
done

for c in $compilers; do
    case "$c" in
        *++) lang="-x c++ -std=c++11" ;;
        *) lang="-std=c11" ;;
    esac
    for opt in -O0 -O2; do
        # shellcheck disable=SC2086
        "$c" $lang $opt -Wall -Wextra -Werror -I"$src/include" -c "$file" \
            -o "$tmp/on.o" || fail "$c $opt: does not compile"
        # shellcheck disable=SC2086
        "$c" $lang $opt -Wall -Wextra -Werror -DPARITY_NO_TRACE -I"$src/include" \
            -c "$file" -o "$tmp/off.o" || fail "$c $opt -DPARITY_NO_TRACE: does not compile"
        on=$(nm -u "$tmp/on.o" | grep -c 'parity' || true)
        off=$(nm -u "$tmp/off.o" | grep 'parity' || true)
        [ "$on" -ge 4 ] || fail "$c $opt: expected references to the library, found $on"
        [ -z "$off" ] || fail "$c $opt -DPARITY_NO_TRACE: still refers to $off"
        for bad in BAD_FORMAT BAD_CONST; do
            for mode in "" -DPARITY_NO_TRACE; do
                # shellcheck disable=SC2086
                if "$c" $lang $opt -Wall -Werror $mode -D$bad -I"$src/include" -c "$file" \
                    -o "$tmp/bad.o" 2>/dev/null; then
                    fail "$c $opt $mode: $bad compiles"
                fi
            done
        done
        echo "$c $opt: $on library references; none with -DPARITY_NO_TRACE"
    done
done
echo "ok"
