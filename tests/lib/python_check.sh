# python_check.sh — sourced by the tests that hand the command to a Python
# checker: sets PY (PARITY_PYTHON, default /usr/bin/python3) and PARITY
# (default build/parity), made absolute so the checker may change
# directory; needs MODULES exits 77 (skipped) when PY lacks them.
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/parity}
case "$PARITY" in
    /*) ;;
    */*) PARITY="$(cd "$(dirname "$PARITY")" && pwd)/$(basename "$PARITY")" ;;
esac

# needs NAME MODULE...: skip the test NAME unless PY imports every MODULE.
needs() {
    local name=$1
    shift
    local mods
    mods=$(IFS=,; echo "$*")
    if ! "$PY" -c "import $mods" 2>/dev/null; then
        echo "$name: $PY has no ${mods//,/ or }: skipped"
        exit 77
    fi
}
