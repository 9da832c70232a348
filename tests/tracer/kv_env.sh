# kv_env.sh — sourced by the tests of the KV-cache C port (run_port.sh,
# run_whole.sh) after they define fail(): src, the port bin (trace_kv),
# py, its map, both executables checked, PYTHONPATH for the tracer and the
# test helpers.
src="${PARITY_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
bin="${PARITY_BUILD:?PARITY_BUILD is not set}/trace_kv"
py="${PARITY_PYTHON:-/usr/bin/python3}"
map="$src/tests/tracer/kv_port.map"
[ -x "$bin" ] || fail "$bin: not built"
[ -n "${PARITY:-}" ] && [ -x "$PARITY" ] || fail "PARITY (the CLI) is not set"
export PYTHONPATH="$src/python:$src/tests/tracer:$src/tests/lib${PYTHONPATH:+:$PYTHONPATH}"
