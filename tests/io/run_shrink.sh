#!/usr/bin/env bash
# run_shrink.sh — an input file that shrinks while parity reads it (another
# process truncating a checkpoint being downloaded, say): the kernel
# answers a read of a mapped page past the new end with SIGBUS, which must
# become one line naming the file ("changed while being read") and exit 2,
# never a crash, in every verb that reads tensor data
# (docs/reliability.md). The truncation is made deterministic by an
# LD_PRELOAD shim (shrink_on_map.c) that cuts the file the moment parity
# maps it. A file that changes size without any read past its end is
# caught by the check at the end of the run: the same message.
# Env: PARITY (CLI), PARITY_PYTHON. Skipped (77) without a C compiler or
# NumPy, or when the build is sanitized (ASan must come first in the
# preload list).
set -u
here=$(cd "$(dirname "$0")" && pwd)
PARITY=${PARITY:-$here/../../build/parity}
py=${PARITY_PYTHON:-/usr/bin/python3}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

command -v "$cc" >/dev/null || { echo "run_shrink: no C compiler: skipped"; exit 77; }
"$py" -c "import numpy" 2>/dev/null || { echo "run_shrink: no NumPy: skipped"; exit 77; }
"$cc" -shared -fPIC -O1 -o "$tmp/shrink.so" "$here/shrink_on_map.c" -ldl ||
    fail "cannot build the shim"
# An ASan build refuses a preload that comes before its runtime.
if ! LD_PRELOAD="$tmp/shrink.so" "$PARITY" --help >/dev/null 2>"$tmp/err"; then
    if grep -q "ASan runtime does not come first" "$tmp/err"; then
        echo "run_shrink: sanitized build (ASan must be preloaded first): skipped"
        exit 77
    fi
    fail "parity --help with the shim: $(head -c 300 "$tmp/err")"
fi

# Two files of 4 MiB (far above the size parity reads instead of mapping),
# written by NumPy; a fresh copy of the first for each run.
"$py" - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]
a = np.linspace(-1, 1, 1 << 20, dtype=np.float32)
np.save(d + "/ref.npy", a)
np.save(d + "/port.npy", a + np.float32(1e-3))
PY

n=0
# expect_shrunk NAME VERB-ARGS...: run parity with big.npy cut to 70,000
# bytes at its map; one line on stderr naming it, exit 2.
expect_shrunk() {
    local name=$1
    shift
    cp "$tmp/ref.npy" "$tmp/big.npy"
    (cd "$tmp" && LD_PRELOAD="$tmp/shrink.so" SHRINK_FILE=/big.npy SHRINK_TO=70000 \
        "$PARITY" "$@" >"$tmp/out" 2>"$tmp/err")
    local status=$?
    [ "$(stat -c %s "$tmp/big.npy")" = 70000 ] || fail "$name: the shim did not cut the file"
    [ "$status" = 2 ] || fail "$name: exit $status, expected 2 (stderr: $(head -c 300 "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$name: stderr is not one line: $(cat "$tmp/err")"
    # the SIGBUS handler's words, or the end-of-run check's
    grep -Eq "^parity: big.npy: changed while being read \((it shrank to 70000 bytes from \
4194432 while byte [0-9]+ was being read|4194432 bytes when opened, 70000 now)\)" \
        "$tmp/err" || fail "$name: stderr: $(cat "$tmp/err")"
    echo "$name: $(cat "$tmp/err")"
    n=$((n + 1))
}
expect_shrunk info info big.npy
expect_shrunk diff diff big.npy port.npy
expect_shrunk same same big.npy port.npy
expect_shrunk explain explain big.npy port.npy
expect_shrunk weights weights big.npy port.npy
expect_shrunk report report big.npy port.npy -o r.html
[ ! -e "$tmp/r.html" ] || fail "report: a report was written from a file that changed"

# Without the shim the same runs succeed or find a difference (0 or 1):
# the failures above are the truncation's.
cp "$tmp/ref.npy" "$tmp/big.npy"
(cd "$tmp" && "$PARITY" diff big.npy port.npy >/dev/null 2>&1)
status=$?
[ "$status" -le 1 ] || fail "diff of the intact files: exit $status"
echo "run_shrink: $n verbs named the file that shrank"
