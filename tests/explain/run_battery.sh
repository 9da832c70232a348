#!/bin/bash
# The op-variant battery of parity explain (tools/gen_explain_battery.py):
# one traced pair per bug a port makes, each with the stage's input as its
# recorded parent. For each case `parity explain REF PORT -t STAGE` must
# name, first, the expected kind with the words of the variant and its
# parameter; at least MIN_NAMED of the cases must be named so, and a case
# that is not must have no hypothesis or only one its "allowed" kinds
# (true of the pair, less specific): never one that names something else.
# The cases "unrelated_port" and "noise_port" must say "no simple
# transformation". The text of every case and the JSON of every top
# hypothesis (kind, text, partial) are compared with the golden files
# battery.txt and battery.json.txt beside this script.
#   --update  rewrite the golden files from this run (then read the diff)
# Skipped (77) when PyTorch or NumPy is missing.
set -u
: "${PARITY_SRC:?}" "${PARITY_BUILD:?}" "${PARITY:?}"
py=${PARITY_PYTHON:-/usr/bin/python3}
here=$PARITY_SRC/tests/explain
MIN_NAMED=44
"$py" -c 'import numpy, torch' >/dev/null 2>&1 || { echo "PyTorch or NumPy not available; skipped"; exit 77; }
out=$PARITY_BUILD/explain_battery
rm -rf "$out"
"$py" "$PARITY_SRC/tools/gen_explain_battery.py" "$out" || { echo "FAIL: generator"; exit 1; }
status=0
: >"$out/all.txt"
: >"$out/all.json"
cases=$("$py" -c 'import json,sys; [print(c["case"], c["stage"]) for c in json.load(open(sys.argv[1]))]' "$out/battery.json")
while read -r c stage; do
    d=$out/$c
    "$PARITY" explain "$d/ref.safetensors" "$d/port.safetensors" -t "$stage" >"$d/out.txt" 2>"$d/err.txt"
    rc=$?
    [ "$rc" = 1 ] || { echo "FAIL: $c: exit $rc"; cat "$d/err.txt"; status=1; }
    { echo "== $c"; cat "$d/out.txt"; } >>"$out/all.txt"
    "$PARITY" explain "$d/ref.safetensors" "$d/port.safetensors" -t "$stage" --format json >"$d/out.json"
    { printf '%s ' "$c"; cat "$d/out.json"; } >>"$out/all.json"
done <<<"$cases"
"$py" - "$out" "$MIN_NAMED" <<'PY' || status=1
import json, sys
out, need = sys.argv[1], int(sys.argv[2])
cases = json.load(open(out + "/battery.json"))
named, bad, missed = 0, [], []
for c in cases:
    o = json.loads(open("%s/%s/out.json" % (out, c["case"])).readline())
    hs = o["hypotheses"]
    top = hs[0] if hs else None
    if c["kind"] == "none":
        if o["none_explains"] and not hs:
            named += 1
        else:
            bad.append((c["case"], top["text"]))
        continue
    if top and top["kind"] == c["kind"] and all(w in top["text"] for w in c["words"]):
        named += 1
        print("ok   %-26s %s" % (c["case"], top["text"]))
    elif top is None or top["kind"] in c["allowed"] or (top["kind"] == c["kind"]):
        missed.append((c["case"], top["text"] if top else "no simple transformation"))
        print("miss %-26s %s" % (c["case"], top["text"] if top else "no simple transformation"))
    else:
        bad.append((c["case"], top["text"]))
print("battery: %d of %d named correctly; %d not named; %d named as something else"
      % (named, len(cases), len(missed), len(bad)))
for c, t in bad:
    print("FAIL: %s: named as %s" % (c, t))
if bad or named < need:
    sys.exit(1)
PY
# the golden files: full text, and the top hypothesis of each JSON object
"$py" - "$out/all.json" >"$out/all.json.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    case, obj = line.split(" ", 1)
    o = json.loads(obj)
    h = o["hypotheses"][0] if o["hypotheses"] else None
    print(json.dumps({"case": case, "none_explains": o["none_explains"], "input": o.get("input"),
                      "input_source": o.get("input_source"),
                      "top": h and {k: h[k] for k in ("kind", "text", "partial", "hint")},
                      "params": h and [float("%.4g" % v) if isinstance(v, float) else v for v in h["params"]]}))
PY
if [ "${1:-}" = --update ]; then
    cp "$out/all.txt" "$here/battery.txt"
    cp "$out/all.json.txt" "$here/battery.json.txt"
    echo "golden files rewritten"
else
    diff -u "$here/battery.txt" "$out/all.txt" >"$out/text.diff" ||
        { echo "FAIL: text differs from tests/explain/battery.txt"; head -60 "$out/text.diff"; status=1; }
    diff -u "$here/battery.json.txt" "$out/all.json.txt" >"$out/json.diff" ||
        { echo "FAIL: JSON differs from tests/explain/battery.json.txt"; head -40 "$out/json.diff"; status=1; }
fi
exit $status
