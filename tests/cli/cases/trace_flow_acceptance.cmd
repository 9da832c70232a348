# For each planted bug the culprit is the stage where the bug acts, and every
# other diverging stage inherits from it alone (checked on the JSON; one
# JSON line per bug)
for bug in act:layers.0.feed_forward.gelu wq:layers.1.attention.wq resid:layers.0.attention.wo; do
  parity trace dataflow/ref.safetensors dataflow/port_${bug%%:*}.safetensors --format json |
  /usr/bin/python3 -c '
import json, sys
bug, want = sys.argv[1].split(":")
d = json.load(sys.stdin)
c = d["culprit"]["name"]
differ = [s for s in d["stages"] if s["verdict"] != "MATCH"]
later = [s for s in differ if s["name"] != c]
bad = [s["name"] for s in later if s["role"] != "inherits" or s["inherits_from"] != [c]]
print(json.dumps({"bug": bug, "rule": d["rule"], "culprit": c, "where_the_bug_acts": c == want,
                  "later_diverging": len(later), "not_inheriting_from_it": bad}))
' "$bug"
done
