#!/usr/bin/env bash
# run_port.sh — the C tracer in a port as real ports are written
# (tests/programs/trace_kv.c: weights mapped read-only, a KV cache decoded
# one token at a time, its own stage names, printf names, strided views,
# parents) against a NumPy reference traced by the Python tracer under
# PyTorch names (tests/tracer/kv_reference.py), paired through
# tests/tracer/kv_port.map.
#
# Checks, each trace form exercised (reference and port as a directory and
# as a single file):
# - the weights really are read-only (trace_kv refuses to run otherwise)
#   and are traced from the map, bit for bit, also in inject mode;
# - a plain run pairs every one of the 189 stages with the reference
#   through the map (`parity trace --map`), all MATCH;
# - data flow: the port's parents and order, renamed by the map, are the
#   reference's, read back by the Python reader from both forms;
# - inject without the map: the first stage is not found (one line);
# - blame by data flow on the planted bug without inject: the scores of
#   each position introduce it, every other diverging stage inherits, and
#   the port's graph (under the map) agrees with the reference's;
# - inject with PARITY_MAP and a planted bug (layer 1's attention scale):
#   every stage is found (injected 162 of 162 inject calls), the logits
#   printed at the end are the reference's bit for bit, and the stages not
#   MATCH are exactly layers.1.attention.scores#1..#5 (position 0 has one
#   score: softmax 1 whatever the scale), while without inject the error
#   propagates to later stages.
# Env: PARITY_BUILD (trace_kv), PARITY (CLI), PARITY_PYTHON, PARITY_SRC.
set -u

fail() { echo "run_port.sh: $*" >&2; exit 1; }

. "$(dirname "$0")/kv_env.sh"
"$py" -c 'import numpy' 2>/dev/null || fail "$py: NumPy missing"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || fail "cannot enter $tmp"

"$bin" --make-weights w.bin || fail "cannot write the weights"
for ref in ref ref.safetensors; do
    "$py" "$src/tests/tracer/kv_reference.py" w.bin "$ref" || fail "reference $ref failed"
done

# -- plain runs: every stage pairs through the map, all MATCH ------------
for port in port port.safetensors; do
    PARITY_TRACE=$port "$bin" w.bin >"$port.out" 2>"$port.err" ||
        fail "plain run into $port failed: $(cat "$port.err")"
    "$PARITY" trace ref "$port" --map "$map" --format json >"$port.json"
    rc=$?
    [ "$rc" = 0 ] || fail "parity trace ref $port --map: exit $rc, expected 0 (all MATCH)"
done
cmp -s port.out port.safetensors.out || fail "the two plain runs print different logits"

# -- inject without the map: nothing is found -----------------------------
PARITY_TRACE=nomap PARITY_INJECT=ref "$bin" w.bin >nomap.out 2>nomap.err
rc=$?
[ "$rc" = 2 ] || fail "inject without a map: exit $rc, expected 2"
grep -qx "trace_kv: tracer: stage 'tok_embd': not in the inject reference ref" nomap.err ||
    fail "inject without a map: $(cat nomap.err)"

# -- inject with the map and a planted bug; and the bug without inject ----
PARITY_TRACE=inj PARITY_INJECT=ref PARITY_MAP="$map" "$bin" w.bin --defect >inj.out 2>inj.err ||
    fail "inject run failed: $(cat inj.err)"
PARITY_TRACE=inj.safetensors PARITY_INJECT=ref.safetensors PARITY_MAP="$map" \
    "$bin" w.bin --defect >inj1.out 2>inj1.err || fail "inject run (files) failed: $(cat inj1.err)"
cmp -s inj.out inj1.out || fail "the two inject runs print different results"
PARITY_TRACE=bug "$bin" w.bin --defect >bug.out 2>bug.err || fail "defect run failed: $(cat bug.err)"
for run in inj inj.safetensors bug; do
    "$PARITY" trace ref "$run" --map "$map" --format json >"$run.json"
    rc=$?
    [ "$rc" = 1 ] || fail "parity trace ref $run --map: exit $rc, expected 1"
done

cat >check.py <<'EOF'
import json, re, sys
import numpy as np
import parity_trace as pt

rules = []
for line in open(sys.argv[1]):
    line = line.strip()
    if line and not line.startswith("#"):
        pattern, repl = (s.strip() for s in line.split("=>", 1))
        rules.append((re.compile(pattern), repl))

def rename(name):
    for rx, repl in rules:
        if rx.search(name):
            return rx.sub(repl, name, count=1)
    return name

ref = pt.read_trace("ref")
assert pt.read_trace("ref.safetensors").order == ref.order
weights = np.fromfile("w.bin", dtype="<f4")

# Plain runs: every stage paired, data flow equal under the map.
for port in ("port", "port.safetensors"):
    doc = json.load(open(port + ".json"))
    s = doc["summary"]
    assert (s["stages"], s["match"], s["only_in_port"], s["only_in_ref"]) == (189, 189, 0, 0), s
    tr = pt.read_trace(port)
    assert [rename(n) for n in tr.order] == ref.order, "%s: order differs" % port
    assert tr.inputs == ["tokens"], tr.inputs
    got = {rename(k): [rename(p) for p in v] for k, v in tr.parents.items()}
    assert got == ref.parents, "%s: parents differ from the reference's" % port
    assert len(got) == 189 - 3, len(got)  # all but tokens and the two weights
    assert got["layers.1.attention.scores#3"] == ["layers.1.attention.wq#3",
                                                  "layers.1.attention.cache_k#3"]

# Inject runs: every stage found, the weights traced as mapped, the
# reference's logits at the end, only the planted bug differs.
out = open("inj.out").read().split("\n")
assert out[0] == "stages 189 injected 162 of 162 inject calls", out[0]
logits = np.array([float(v) for v in out[1].split()[1:]], dtype=np.float32)
want = ref["output#5"].astype(np.float32)
assert logits.tobytes() == want.tobytes(), (logits, want)
bad = ["layers.1.attention.scores#%d" % k for k in range(1, 6)]
for run in ("inj", "inj.safetensors"):
    tr = pt.read_trace(run)
    wq = weights[16 * 8 + 8: 16 * 8 + 8 + 64]  # tok_embd [16, 8], attn_norm [8]
    assert tr["blk.0.attn_q.weight"].tobytes() == wq.tobytes(), "the weights as traced"
    doc = json.load(open(run + ".json"))
    differ = [s["name"] for s in doc["stages"] if s["verdict"] != "MATCH"]
    assert differ == bad, "%s: stages not MATCH: %s" % (run, differ)
    assert doc["summary"]["stages"] == 189, doc["summary"]
doc = json.load(open("bug.json"))
differ = [s["name"] for s in doc["stages"] if s["verdict"] != "MATCH"]
assert set(bad) < set(differ) and "output#5" in differ, differ
# Blame by the data flow (the reference's graph, the port's names through
# the map): each position's scores introduce the error (their inputs, q
# and the cache of layer 1, come from the clean layer 0), everything else
# that differs inherits from the scores of its own or an earlier position.
assert doc["rule"] == "dataflow" and doc["graph"] == "ref", doc["rule"]
assert doc["culprit"]["name"] == bad[0], doc["culprit"]
assert [c["name"] for c in doc["culprits"]] == bad, doc["culprits"]
for s in doc["stages"]:
    if s["verdict"] == "MATCH" or s["name"] in bad:
        continue
    assert s["role"] == "inherits" and set(s["inherits_from"]) <= set(bad), s
assert doc["flow_disagree"] == [], doc["flow_disagree"]
print("189 stages paired through the map; data flow equal; inject found all 162 "
      "stages, isolates %d, logits bit-exact; without inject %d stages differ"
      % (len(bad), len(differ)))
EOF
"$py" check.py "$map" || fail "checks failed"
echo "ok"
