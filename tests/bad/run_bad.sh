#!/usr/bin/env bash
# run_bad.sh — the committed bad-input corpus (docs/reliability.md). Every
# tests/bad/<format>/expected.txt lists "<file>\t<expected substring>" a
# line; for each, `$PARITY info <file>` (`$PARITY merge <file>` for the
# malformed parts of tests/bad/merge/) must exit 2 and write exactly one
# line on stderr, starting "parity: ", naming the file and containing the
# expected substring: one clean, pinned error, never a crash.
# Inputs git cannot hold (a FIFO, a directory where a tensor file is
# expected, a device) are made in a temporary directory by special_cases
# below; a hang counts as a failure (timeout).
#
#   PARITY=build/parity tests/bad/run_bad.sh
#   PARITY_VALGRIND=1 ...   also under valgrind (--error-exitcode=3,
#                           --leak-check=full): any memory error or leak fails
set -u
here=$(cd "$(dirname "$0")" && pwd)
PARITY=${PARITY:-$here/../../build/parity}

if [ ! -x "$PARITY" ]; then
    echo "run_bad: PARITY=$PARITY is not an executable" >&2
    exit 2
fi
runner=()
if [ "${PARITY_VALGRIND:-0}" = 1 ]; then
    if ! command -v valgrind >/dev/null; then
        echo "run_bad: PARITY_VALGRIND=1 but valgrind is not installed: skipped" >&2
        exit 77
    fi
    runner=(valgrind -q --error-exitcode=3 --leak-check=full
            --errors-for-leak-kinds=definite,indirect)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
fail() { echo "FAIL $1: $2"; sed 's/^/    stderr: /' "$tmp/err" | head -5; failed=$((failed + 1)); }

check_one() { # $1 = path of the bad file, $2 = expected substring, $3 = verb (info)
    local path=$1 want=$2 verb=${3:-info} name rc lines
    name=$(basename "$path")
    n=$((n + 1))
    timeout 60 "${runner[@]}" "$PARITY" "$verb" "$path" >/dev/null 2>"$tmp/err" </dev/null
    rc=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" = 124 ]; then fail "$path" "hung (killed after 60 s)"; return; fi
    if [ "$rc" != 2 ]; then fail "$path" "exit status $rc, expected 2"; return; fi
    if [ "$lines" != 1 ]; then fail "$path" "$lines lines on stderr, expected 1"; return; fi
    if ! head -c 8 "$tmp/err" | grep -q '^parity: '; then fail "$path" "no 'parity: ' prefix"; return; fi
    if ! grep -qF -- "$name" "$tmp/err"; then fail "$path" "message does not name the file"; return; fi
    if ! grep -qF -- "$want" "$tmp/err"; then fail "$path" "message lacks '$want'"; return; fi
}

found=0
for list in "$here"/*/expected.txt; do
    [ -f "$list" ] || continue
    found=1
    dir=$(dirname "$list")
    verb=info
    [ "$(basename "$dir")" = merge ] && verb=merge
    while IFS=$'\t' read -r file want || [ -n "$file" ]; do
        [ -z "$file" ] && continue
        case "$file" in \#*) continue ;; esac
        if [ ! -e "$dir/$file" ]; then
            echo "FAIL $dir/$file: listed in expected.txt but missing"
            failed=$((failed + 1)); n=$((n + 1)); continue
        fi
        check_one "$dir/$file" "$want" "$verb"
    done <"$list"
done

# Files that are not regular files, alone or inside a folder of tensors.
special_cases() {
    local s=$tmp/special
    mkdir -p "$s/pipe_dir" "$s/folder_dir/stage1.npy" "$s/empty_dir"
    mkfifo "$s/pipe.npy" "$s/pipe.safetensors" "$s/pipe_dir/stage1.npy"
    : >"$s/empty_dir/stage1.npy"
    check_one "$s/pipe.npy" "not a regular file (a FIFO)"
    check_one "$s/pipe.safetensors" "not a regular file (a FIFO)"
    check_one "$s/pipe_dir" "stage1.npy: not a regular file (a FIFO)"
    check_one "$s/folder_dir" "stage1.npy: not a regular file (a directory)"
    check_one "$s/empty_dir" "stage1.npy"
    if [ -c /dev/null ]; then check_one /dev/null "not a regular file (a character device)"; fi
}

if [ $found = 0 ]; then
    echo "run_bad: no tests/bad/*/expected.txt yet: skipped"
    exit 77
fi
special_cases
echo "run_bad: $((n - failed)) of $n bad inputs failed cleanly"
[ $failed = 0 ]
