#!/usr/bin/env bash
# run_inject_steps.sh — inject mode for a port that decodes one token per
# call against a reference traced over the whole sequence (docs/tracing.md,
# "Inject mode"): tests/tracer/steps_port.c records tok_emb, tok_emb#1, ...
# ([8] each) where tests/tracer/steps_reference.py (seeded) holds embed
# [1, 6, 8], attn.q [1, 2, 6, 4], attn.scores [1, 2, 6, 6], ...; the port's
# names are paired through tests/tracer/steps_port.map. Call k of a stage
# must receive the reference's position k, in the port's layout.
# Checks, against the reference as a directory and as a single file:
# - a plain run pairs step by step, all MATCH (the baseline inject relies on);
# - inject, no bug: every inject call patched (48 of 48), all MATCH, and the
#   last logits are the reference's position 5 bit for bit;
# - inject with the planted bug (the attention scale): the only stages not
#   MATCH are attn.scores@1..5; checked independently in NumPy, the port's
#   own scores differ from the reference's from position 1 on, and the
#   stages after them, computed from the injected scores, equal the
#   reference's, while without inject the error reaches the logits;
# - a reference of 4 positions: the port's fifth call stops with a one-line
#   error naming the stage and the position.
# Env: PARITY_BUILD (steps_port), PARITY (CLI), PARITY_PYTHON, PARITY_SRC.
set -u

fail() { echo "run_inject_steps.sh: $*" >&2; exit 1; }

src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
bin="${PARITY_BUILD:?PARITY_BUILD is not set}/steps_port"
py="${PARITY_PYTHON:-/usr/bin/python3}"
map="$src/tests/tracer/steps_port.map"
[ -x "$bin" ] || fail "$bin: not built"
[ -n "${PARITY:-}" ] && [ -x "$PARITY" ] || fail "PARITY (the CLI) is not set"
"$py" -c 'import numpy' 2>/dev/null || { echo "skipped: $py lacks numpy" >&2; exit 77; }
export PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"

for ref in ref ref.safetensors; do
    "$py" "$src/tests/tracer/steps_reference.py" w.bin "$ref" || fail "reference $ref failed"
done
"$py" "$src/tests/tracer/steps_reference.py" w4.bin short.safetensors 4 || fail "short reference"
cmp -s w.bin w4.bin || fail "the seeded script wrote different weights twice"

# $1 trace, $2 expected exit of `parity trace ref.safetensors $1 --map`
walk() {
    "$PARITY" trace ref.safetensors "$1" --map "$map" --format json >"$1.json"
    rc=$?
    [ "$rc" = "$2" ] || fail "parity trace ref.safetensors $1 --map: exit $rc, expected $2"
}

PARITY_TRACE=plain.safetensors "$bin" w.bin >plain.out 2>plain.err || fail "plain run: $(cat plain.err)"
walk plain.safetensors 0
PARITY_TRACE=bug.safetensors "$bin" w.bin --bug >bug.out 2>bug.err || fail "bug run: $(cat bug.err)"
walk bug.safetensors 1

# inj-{dir,file}[-bug].safetensors: inject from the reference's two forms
for ref in ref ref.safetensors; do
    form=$([ "$ref" = ref ] && echo dir || echo file)
    for bug in "" --bug; do
        out="inj-$form${bug:+-bug}.safetensors"
        PARITY_TRACE=$out PARITY_INJECT=$ref PARITY_MAP="$map" "$bin" w.bin $bug >"$out.out" \
            2>"$out.err" || fail "inject run $out: $(cat "$out.err")"
        grep -qx "injected 48 of 48" "$out.out" || fail "$out: $(head -1 "$out.out")"
        walk "$out" "$([ -n "$bug" ] && echo 1 || echo 0)"
    done
done
cmp -s inj-dir-bug.safetensors.out inj-file-bug.safetensors.out ||
    fail "the two forms of the reference inject different values"

# -- a reference shorter than the run: one line naming stage and position --
PARITY_TRACE=short_run.safetensors PARITY_INJECT=short.safetensors PARITY_MAP="$map" \
    "$bin" w.bin >short.out 2>short.err
rc=$?
[ "$rc" = 2 ] || fail "inject past the reference: exit $rc, expected 2"
want="steps_port: tracer: stage 'tok_emb#4': position 4 is beyond the reference 'embed' [1, 4, 8] in short.safetensors, which holds positions 0..3"
[ "$(cat short.err)" = "$want" ] || fail "inject past the reference: $(cat short.err)"

cat >check.py <<'EOF'
import json
import numpy as np
import parity_trace as pt

ref = pt.read_trace("ref.safetensors")
T = ref["embed"].shape[1]

def part(name, k):
    """Position k of the reference stage name, as the port holds it."""
    a = ref[name][0]
    if name == "attn.scores":
        return a[:, k, :k + 1]           # [H, pos+1]: the valid prefix
    return a[:, k] if a.ndim == 3 else a[k]   # [H, HD] or [D]

pairs = {"tok_emb": "embed", "blk.q": "attn.q", "blk.k": "attn.k", "blk.v": "attn.v",
         "blk.att": "attn.scores", "blk.ctx": "attn.ctx", "blk.out": "block",
         "logits": "logits"}

def differ(trace):
    """The port stages of trace not within float32 rounding of the reference."""
    tr = pt.read_trace(trace)
    out = []
    for port, name in pairs.items():
        for k in range(T):
            got = tr[port if k == 0 else "%s#%d" % (port, k)]
            if not np.allclose(got, part(name, k), rtol=1e-5, atol=1e-6):
                out.append("%s#%d" % (port, k))
    return out

bad = ["blk.att#%d" % k for k in range(1, T)]
for form in ("dir", "file"):
    clean, buggy = "inj-%s.safetensors" % form, "inj-%s-bug.safetensors" % form
    assert differ(clean) == [], (clean, differ(clean))
    assert differ(buggy) == bad, (buggy, differ(buggy))
    doc = json.load(open(buggy + ".json"))
    names = [s["name"] for s in doc["stages"] if s["verdict"] != "MATCH"]
    assert names == ["attn.scores@%d" % k for k in range(1, T)], names
    assert doc["summary"]["stages"] == 1 + 8 * T, doc["summary"]
    for run in (clean, buggy):
        logits = np.array(open(run + ".out").read().split("\n")[1].split()[1:], dtype=np.float32)
        assert logits.tobytes() == ref["logits"][0, -1].astype(np.float32).tobytes(), run
doc = json.load(open("bug.safetensors.json"))
names = [s["name"] for s in doc["stages"] if s["verdict"] != "MATCH"]
assert "logits@%d" % (T - 1) in names and set(bad) < set(differ("bug.safetensors")), names
print("inject patched every position: %d stages differ, all of them the planted bug's"
      % len(bad))
EOF
"$py" check.py || fail "checks failed"
echo "ok"
