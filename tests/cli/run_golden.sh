#!/usr/bin/env bash
# run_golden.sh — CLI golden tests: every tests/cli/cases/NAME.cmd is one
# command line, run from tests/cli/data with `parity` meaning $PARITY; its
# stdout, stderr and exit status must equal NAME.out, NAME.err and
# NAME.exit exactly. Lines of a .cmd starting with '#' are comments; the
# rest is shell (so `NO_COLOR=1 parity diff a b` sets the environment).
#
#   PARITY=build/parity tests/cli/run_golden.sh            check
#   PARITY=build/parity tests/cli/run_golden.sh --update   rewrite expected
#   PARITY_UPDATE_GOLDEN=1 ...                              same as --update
#   PARITY_VALGRIND=1 ...        run parity under valgrind (exit 3 on errors)
#
# Regenerate on purpose only, then read the diff of the expected files:
# they are the specification of the output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PARITY=${PARITY:-$here/../../build/parity}
update=${PARITY_UPDATE_GOLDEN:-0}
[ "${1:-}" = "--update" ] && update=1
filter=${PARITY_GOLDEN_ONLY:-}

case "$PARITY" in
    /*) ;;
    */*) PARITY="$(cd "$(dirname "$PARITY")" && pwd)/$(basename "$PARITY")" ;;
esac
if [ ! -x "$PARITY" ]; then
    echo "run_golden: PARITY=$PARITY is not an executable" >&2
    exit 2
fi
if [ "${PARITY_VALGRIND:-0}" = 1 ] && ! command -v valgrind >/dev/null; then
    echo "run_golden: PARITY_VALGRIND=1 but valgrind is not installed: skipped" >&2
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The command under test, optionally under valgrind.
parity() {
    if [ "${PARITY_VALGRIND:-0}" = 1 ]; then
        valgrind -q --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            "$PARITY" "$@"
    else
        "$PARITY" "$@"
    fi
}

run_case() { # $1 = .cmd file; writes $tmp/out $tmp/err $tmp/exit
    local cmd
    cmd=$(grep -v '^#' "$1")
    (
        cd "$here/data" || exit 2
        unset NO_COLOR
        export LC_ALL=C
        eval "$cmd"
    ) >"$tmp/out" 2>"$tmp/err"
    echo $? >"$tmp/exit"
}

# The data directory as it should stay: a case writes only into its own
# temporary directory, so that a parity which writes where it should not
# (an old one given -o -, say) fails the case instead of leaving a file
# in the source tree.
listing() { (cd "$here/data" && find . | LC_ALL=C sort); }
listing >"$tmp/data.before"

n=0
failed=0
for cmdf in "$here"/cases/*.cmd; do
    name=$(basename "$cmdf" .cmd)
    [ -n "$filter" ] && [[ "$name" != $filter ]] && continue
    n=$((n + 1))
    run_case "$cmdf"
    listing >"$tmp/data.after"
    if ! cmp -s "$tmp/data.before" "$tmp/data.after"; then
        echo "FAIL $name: changed tests/cli/data (new or removed paths):"
        diff "$tmp/data.before" "$tmp/data.after" | grep '^[<>]'
        echo "(restore tests/cli/data before running again)"
        failed=$((failed + 1))
        cp "$tmp/data.after" "$tmp/data.before"
        continue
    fi
    if [ "$update" = 1 ]; then
        for k in out err exit; do cp "$tmp/$k" "$here/cases/$name.$k"; done
        continue
    fi
    bad=0
    for k in out err exit; do
        if ! cmp -s "$tmp/$k" "$here/cases/$name.$k"; then
            [ $bad = 0 ] && echo "FAIL $name: $(grep -v '^#' "$cmdf")"
            bad=1
            diff -u "$here/cases/$name.$k" "$tmp/$k" | head -40
        fi
    done
    failed=$((failed + bad))
done

if [ "$update" = 1 ]; then
    echo "run_golden: rewrote the expected output of $n cases"
    [ $failed = 0 ] || echo "run_golden: $failed cases changed tests/cli/data"
    exit $((failed > 0))
fi
echo "run_golden: $((n - failed)) of $n cases passed"
[ $failed = 0 ]
