#!/usr/bin/env bash
# make_doc_images.sh [BUILD] — regenerate the pictures of docs/pictures.md
# with the project's own commands, from a build directory (default: build)
# holding parity and melflow_port:
#   docs/img/heatmap-norm-identity.png  parity plot of the melflow port with
#       the norm-identity defect (LayerNorm left at gamma = 1, beta = 0);
#   docs/img/report-top.png, docs/img/report-schedule.png  screenshots of
#       parity report for the schedule defect (the top of the page at
#       1280 x 900, and its solver section), taken by
#       tests/browser/screenshot.mjs in the same headless Chromium setup as
#       the browser test (tests/browser/chromium.mjs: /usr/bin/chromium
#       through playwright-core; run tests/browser/setup.sh once).
# Usage: make build && tools/make_doc_images.sh build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
img=$root/docs/img
fixtures=$root/examples/melflow/fixtures
for bin in parity melflow_port; do
    [ -x "$build/$bin" ] || { echo "make_doc_images: $build/$bin is missing (make build)" >&2; exit 2; }
done
[ -d "$root/tests/browser/node_modules/playwright-core" ] ||
    { echo "make_doc_images: run tests/browser/setup.sh first (playwright-core)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# parity plot and parity report exit 1 on differences: that is expected here.
expect_1() {
    local rc=0
    "$@" >/dev/null || rc=$?
    [ $rc -eq 1 ] || { echo "make_doc_images: $2 exited $rc, expected 1 (differences)" >&2; exit 1; }
}

# Short names in the pictures' titles: run next to the traces.
cd "$tmp"
ln -s "$fixtures/reference.safetensors" reference.safetensors
"$build/melflow_port" --fixtures "$fixtures" --defect norm-identity --trace norm.safetensors >/dev/null
expect_1 "$build/parity" plot reference.safetensors norm.safetensors \
    -t ode.step1.est.block1.norm -o "$img/heatmap-norm-identity.png" --labels PyTorch,C

"$build/melflow_port" --fixtures "$fixtures" --defect schedule --trace schedule.safetensors >/dev/null
expect_1 "$build/parity" report reference.safetensors schedule.safetensors \
    -o schedule.html --labels PyTorch,C --domain ln-mag
cd "$root/tests/browser"
node screenshot.mjs "$tmp/schedule.html" "$img/report-top.png"
node screenshot.mjs "$tmp/schedule.html" "$img/report-schedule.png" '#solver'
ls -l "$img"
