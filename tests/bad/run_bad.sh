#!/usr/bin/env bash
# run_bad.sh — the committed bad-input corpus (docs/reliability.md). Every
# tests/bad/<kind>/expected.txt lists "<input>\t<expected substring>" a
# line, optionally followed by "\t<command>"; for each, `$PARITY info
# <input>` (or `$PARITY <command>` run in that directory, "{}" standing for
# the input: a --map file, an option's value; `$PARITY merge <input>` for
# the malformed parts of tests/bad/merge/) must exit 2 and write exactly
# one line on stderr, starting "parity: ", naming the input and containing
# the expected substring: one clean, pinned error, never a crash.
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
case "$PARITY" in # commands run in their input's directory: an absolute path
    /*) ;;
    */*) d=$(cd "$(dirname "$PARITY")" 2>/dev/null && pwd) && PARITY="$d/$(basename "$PARITY")" ;;
    *) PARITY=$(command -v "$PARITY" || echo "$PARITY") ;; # a name on PATH
esac

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

check_one() { # $1 = path of the bad input, $2 = expected substring,
              # $3 = command (optional: run in the input's directory, {} = its name)
    local path=$1 want=$2 cmd=${3:-} name rc lines args=() w
    name=$(basename "$path")
    n=$((n + 1))
    if [ -n "$cmd" ]; then
        read -r -a words <<<"$cmd"
        for w in "${words[@]}"; do args+=("${w//\{\}/$name}"); done
        (cd "$(dirname "$path")" && timeout 60 "${runner[@]}" "$PARITY" "${args[@]}") \
            >/dev/null 2>"$tmp/err" </dev/null
    else
        timeout 60 "${runner[@]}" "$PARITY" info "$path" >/dev/null 2>"$tmp/err" </dev/null
    fi
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
    while IFS=$'\t' read -r file want cmd || [ -n "$file" ]; do
        [ -z "$file" ] && continue
        case "$file" in \#*) continue ;; esac
        if [ -z "$cmd" ] && [ ! -e "$dir/$file" ]; then
            echo "FAIL $dir/$file: listed in expected.txt but missing"
            failed=$((failed + 1)); n=$((n + 1)); continue
        fi
        # the malformed parts of tests/bad/merge/ are read by parity merge
        [ -z "$cmd" ] && [ "$(basename "$dir")" = merge ] && cmd="merge {}"
        check_one "$dir/$file" "$want" "$cmd"
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
    trace_dir_cases
}

# Trace directories whose index.json or stage files are not regular files
# inside the directory (tests/bad/trace_dir/ holds the ones git can).
trace_dir_cases() {
    local s=$tmp/trace good=$here/trace_dir/version_2 d
    local index='{"format":"parity-trace","version":1,"order":["s1","s2"],"files":{"s1":"000001.safetensors","s2":"000002.safetensors"}}'
    for d in index_is_dir index_is_fifo index_is_dev_zero index_dangling stage_links_out stage_is_fifo; do
        mkdir -p "$s/$d"
        cp "$good"/0*.safetensors "$s/$d/"
        case $d in index_*) ;; *) printf '%s\n' "$index" >"$s/$d/index.json" ;; esac
    done
    mkdir "$s/index_is_dir/index.json"
    mkfifo "$s/index_is_fifo/index.json"
    ln -s /dev/zero "$s/index_is_dev_zero/index.json"
    ln -s "$s/nowhere.json" "$s/index_dangling/index.json"
    rm "$s/stage_links_out/000001.safetensors" "$s/stage_is_fifo/000001.safetensors"
    ln -s "$good/000001.safetensors" "$s/stage_links_out/000001.safetensors"
    mkfifo "$s/stage_is_fifo/000001.safetensors"
    check_one "$s/index_is_dir" "index.json: not a regular file (a directory)"
    check_one "$s/index_is_fifo" "index.json: not a regular file (a FIFO)"
    check_one "$s/index_is_dev_zero" "index.json: a symbolic link (a trace directory's"
    check_one "$s/index_dangling" "index.json: a symbolic link (a trace directory's"
    check_one "$s/stage_links_out" "000001.safetensors: a symbolic link (a trace directory's"
    check_one "$s/stage_is_fifo" "000001.safetensors: not a regular file (a FIFO)"
}

if [ $found = 0 ]; then
    echo "run_bad: no tests/bad/*/expected.txt yet: skipped"
    exit 77
fi
special_cases
echo "run_bad: $((n - failed)) of $n bad inputs failed cleanly"
[ $failed = 0 ]
