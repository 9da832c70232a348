#!/bin/bash
# The HTML report in a real browser: parity report on the melflow case (the
# `schedule` and `norm-identity` defects; a generated trace pair from
# make_pair.py when melflow_port is not built), opened in Debian's headless
# Chromium through playwright-core (report_check.mjs, chromium.mjs): no
# console error, no network request but the file itself and data: URIs,
# skip link first on Tab, j/k between cards, chart layout without overlaps;
# screenshots in $PARITY_BUILD/artifacts/ (viewport, full page, dark) that
# are not blank; and the numbers, highlighted rows, ticks and line contrast
# the DOM shows checked against NumPy (check_report.py).
# A missing chromium, node or playwright-core FAILS the test: `make check`
# installs them (make deps-test runs tests/browser/setup.sh). Set
# PARITY_SKIP_BROWSER=1 to skip it on purpose (exit 77).
set -u
: "${PARITY_SRC:?}" "${PARITY_BUILD:?}" "${PARITY:?}"
py=${PARITY_PYTHON:-/usr/bin/python3}
here=$PARITY_SRC/tests/browser
if [ "${PARITY_SKIP_BROWSER:-0}" = 1 ]; then
    echo "SKIP: PARITY_SKIP_BROWSER=1"
    exit 77
fi
missing() { echo "FAIL: $* (make deps-test installs it; PARITY_SKIP_BROWSER=1 skips this test)"; exit 1; }
[ -x /usr/bin/chromium ] || missing "/usr/bin/chromium is absent (apt-get install chromium)"
command -v node >/dev/null || missing "node is absent (apt-get install nodejs)"
[ -d "$here/node_modules/playwright-core" ] ||
    missing "$here/node_modules/playwright-core is absent (tests/browser/setup.sh)"
"$py" -c 'import numpy, PIL' 2>/dev/null || missing "$py lacks numpy or PIL (python3-numpy python3-pil)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$PARITY_BUILD/artifacts"
port_bin=$PARITY_BUILD/melflow_port
fixtures=$PARITY_SRC/examples/melflow/fixtures
status=0

# run MODE DEFECT: make the pair, the report, open it, check it.
run() {
    local mode=$1 defect=$2 ref port
    if [ -x "$port_bin" ]; then
        ref=$fixtures/reference.safetensors
        port=$tmp/$mode.safetensors
        "$port_bin" --fixtures "$fixtures" --defect "$defect" --trace "$port" >/dev/null ||
            { echo "FAIL: melflow_port --defect $defect"; return 1; }
    else
        echo "note: $port_bin not built; using a generated trace pair"
        mkdir -p "$tmp/$mode"
        "$py" "$here/make_pair.py" "$mode" "$tmp/$mode" || return 1
        ref=$tmp/$mode/ref.safetensors
        port=$tmp/$mode/port.safetensors
    fi
    local html=$tmp/$mode.html shot=$PARITY_BUILD/artifacts/report-$mode.png
    "$PARITY" report "$ref" "$port" -o "$html" --labels PyTorch,C --domain ln-mag >/dev/null
    local rc=$?
    [ $rc -eq 1 ] || { echo "FAIL: parity report exited $rc, expected 1 (differences)"; return 1; }
    (cd "$here" && node report_check.mjs "$html" "$shot" "$tmp/$mode.json") || return 1
    cp "$tmp/$mode.json" "$PARITY_BUILD/artifacts/report-$mode.json"
    "$py" "$here/check_report.py" "$mode" "$ref" "$port" "$tmp/$mode.json" "$shot" || return 1
}

run schedule schedule || status=1
run norm norm-identity || status=1
cp -f "$PARITY_BUILD/artifacts/report-schedule.png" "$PARITY_BUILD/artifacts/report.png" 2>/dev/null
[ $status -eq 0 ] && echo "PASS: report renders in Chromium; schedule and norm checks"
exit $status
