#!/usr/bin/env bash
# run_progress.sh — the progress line (docs/cli.md): on a terminal
# (script(1) gives parity one) a run shows "parity VERB: ..." lines on
# stderr, each redrawn in place with '\r', and erases the last one; what
# the terminal shows in the end is the report alone, exactly as a pipe
# gets it, error lines included. A pipe never sees the line, nor does a
# terminal with --no-progress or before the delay; --progress draws it on
# a pipe too. PARITY_PROGRESS_AFTER_MS=0 (the delay: 0 ms instead of 1 s)
# makes these short runs show it. Exit 77 (skipped) without script or
# python3.
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
PARITY=${PARITY:-$src/build/parity}
case "$PARITY" in /*) ;; *) PARITY="$(pwd)/$PARITY" ;; esac
py="${PARITY_PYTHON:-/usr/bin/python3}"
command -v script >/dev/null || { echo "skipped: no script (bsdutils)" >&2; exit 77; }
command -v "$py" >/dev/null || { echo "skipped: no python3" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

# Two folders of 40 stages (.npy, float32), the port off from stage 20 on.
"$py" - <<'PY' || exit 2
import os, struct
def npy(path, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(values), *values))
for side in ("ref", "port"):
    os.mkdir(side)
    for k in range(40):
        x = [float((k * 31 + i) % 17) for i in range(1000)]
        if side == "port" and k >= 20:
            x = [v * 1.01 for v in x]
        npy("%s/step%d.npy" % (side, k), x)
PY

# term CMD: run CMD on a terminal; its screen bytes go to tty.raw
term() { script -qec "$1" /dev/null >tty.raw 2>&1 </dev/null; }
# screen FILE: what a terminal shows after those bytes ('\r' returns to the
# start of the line, later characters overwrite), trailing blanks dropped
screen() {
    "$py" - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace").replace("\r\n", "\n")
for line in data.split("\n")[:-1] if data.endswith("\n") else data.split("\n"):
    cells, col = [], 0
    for ch in line:
        if ch == "\r":
            col = 0
            continue
        if col < len(cells):
            cells[col] = ch
        else:
            cells.append(ch)
        col += 1
    print("".join(cells).rstrip())
PY
}
# drawn FILE: how many progress lines FILE holds ('\r' + "parity VERB: ")
drawn() { tr '\r' '\n' <"$1" | grep -c '^parity [a-z]*: '; }

export PARITY_PROGRESS_AFTER_MS=0
"$PARITY" trace ref port >pipe.out 2>pipe.err
rc=$?
[ $rc = 1 ] || bad "trace ref port: exit $rc, expected 1"

term "'$PARITY' trace ref port >tty.out; echo \"exit \$?\" >tty.rc"
n=$(drawn tty.raw)
if [ "$n" -ge 1 ] && grep -q $'\rparity trace: ' tty.raw; then ok "a terminal shows the line ($n draws), e.g. '$(tr '\r' '\n' <tty.raw | grep '^parity trace: ' | tail -1)'"
else bad "a terminal shows no progress line: $(od -c tty.raw | head -5)"; fi
if [ -z "$(screen tty.raw | tr -d '\n')" ]; then ok "the line is erased at the end"
else bad "the terminal still shows: $(screen tty.raw)"; fi
cmp -s tty.out pipe.out && grep -qx "exit 1" tty.rc && ok "the report and the exit status are the pipe's" ||
    bad "the report or exit status changed with a terminal on stderr"

[ ! -s pipe.err ] && ok "a pipe never sees it" || bad "a pipe got: $(od -c pipe.err | head -3)"

# stdout and stderr on one terminal: the report is all that stays
term "'$PARITY' diff ref port --color never"
if screen tty.raw | diff - <("$PARITY" diff ref port --color never) >screen.diff && [ "$(drawn tty.raw)" -ge 1 ]; then
    ok "report and line on one terminal: the screen shows the report, as a pipe gets it"
else
    bad "report and line on one terminal: the screen differs from the report"; cat screen.diff
fi

# an error: one clean line
term "'$PARITY' trace ref missing"
want="parity: missing: no such file or directory"
if screen tty.raw | grep -qx "$want" && [ "$(drawn tty.raw)" -ge 1 ]; then ok "an error line stays whole: $want"
else bad "the error line on the terminal: $(screen tty.raw)"; fi

term "'$PARITY' trace ref port --no-progress >/dev/null"
[ "$(drawn tty.raw)" = 0 ] && ok "--no-progress: no line on a terminal" || bad "--no-progress drew a line"

PARITY_PROGRESS_AFTER_MS=600000 term "'$PARITY' trace ref port >/dev/null"
[ "$(drawn tty.raw)" = 0 ] && ok "no line before the delay" || bad "a line before the delay had passed"

"$PARITY" info ref --progress >/dev/null 2>forced.err
n=$(drawn forced.err)
[ "$n" -ge 1 ] && ok "--progress: $n lines on a pipe" || bad "--progress drew nothing on a pipe"

for v in "info ref" "same ref port" "explain ref port" "weights ref port" "match ref port" "plot ref port -t step30 -o p.png" "report ref port -o r.html"; do
    term "'$PARITY' $v >/dev/null"
    verb=${v%% *}
    tr '\r' '\n' <tty.raw | grep -q "^parity $verb: " && ok "parity $verb shows the line" ||
        bad "parity $verb shows no line"
done
exit $fail
