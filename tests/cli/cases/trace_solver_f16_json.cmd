# the agreement tolerance follows the coarsest stored dtype: F16 storage
# alone agrees; a linear schedule and w = -0.7 stored as F16 still differ
for port in f16 solver_f16 same; do
  parity trace trace/ref.safetensors trace/port_$port.safetensors --format json |
  /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
s, g = d["schedule"], d["guidance"]
print(json.dumps({"port": sys.argv[1],
                  "schedule": [s["precision"], s["tolerance"], s["differ"]],
                  "guidance": [g["precision"], g["tolerance"], g["differ"]],
                  "largest_dt_gap": round(max(abs(a - b) for a, b in zip(s["dt_ref"], s["dt_port"]))
                                          / max(map(abs, s["dt_ref"] + s["dt_port"])), 5)}))
' "$port"
done
