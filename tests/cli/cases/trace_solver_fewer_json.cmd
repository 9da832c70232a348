# the schedule in JSON: a row per step either side has, one-sided rows
# marked, each side's step count and end time, differ true
for port in fewer named; do
  parity trace trace/ref.safetensors trace/port_$port.safetensors --map trace/port_named.map --format json |
  /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["schedule"]
print(json.dumps({"n": s["n"], "steps_ref": s["steps_ref"], "steps_port": s["steps_port"],
                  "k": s["k"], "status": s["status"],
                  "dt_port_known": [x is not None for x in s["dt_port"]],
                  "dt_ref_known": [x is not None for x in s["dt_ref"]],
                  "end_ref": round(s["t_ref"][-1], 5), "end_port": round(s["t_port"][-1], 5),
                  "differ": s["differ"]}))
'
done
