#!/usr/bin/env bash
# run_json_valid.sh — every golden case that asks for --format json must have
# printed valid JSON: one document, or (explain) one document per line. A
# renderer that slips a text line into JSON output fails here, whatever the
# case checks otherwise. Exit 77 (skipped) without a Python 3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
py="${PARITY_PYTHON:-/usr/bin/python3}"
command -v "$py" >/dev/null || { echo "run_json_valid: no $py: skipped" >&2; exit 77; }
exec "$py" - "$here/cases" <<'PY'
import glob, json, os, sys
bad = n = 0
for cmd in sorted(glob.glob(os.path.join(sys.argv[1], "*.cmd"))):
    text = open(cmd).read()
    if "--format json" not in text and "--format=json" not in text:
        continue
    out = open(cmd[:-4] + ".out").read()
    if not out.strip():
        continue
    n += 1
    try:
        json.loads(out)
        continue
    except ValueError:
        pass
    try:
        for line in out.splitlines():
            if line.strip():
                json.loads(line)
    except ValueError as e:
        bad += 1
        print(f"FAIL {os.path.basename(cmd)}: not JSON (nor JSON lines): {e}")
print(f"run_json_valid: {n - bad} of {n} JSON outputs valid")
sys.exit(1 if bad else 0)
PY
