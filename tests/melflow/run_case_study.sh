#!/bin/bash
# docs/case-study.md is real output: regenerate it with
# tools/gen_case_study.sh into a temporary file and require it to equal the
# committed page. When it fails, read the diff: either the tools' output
# changed on purpose (regenerate the page and review it, since the prose
# around the blocks may need to follow) or something broke.
set -u
: "${PARITY_SRC:?}" "${PARITY_BUILD:?}"
[ -x "$PARITY_BUILD/melflow_port" ] || { echo "melflow_port not built; skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! bash "$PARITY_SRC/tools/gen_case_study.sh" "$PARITY_BUILD" "$tmp/case-study.md" \
        >"$tmp/log" 2>&1; then
    echo "FAIL: tools/gen_case_study.sh failed:"
    cat "$tmp/log"
    exit 1
fi
if ! diff -u "$PARITY_SRC/docs/case-study.md" "$tmp/case-study.md"; then
    echo "FAIL: docs/case-study.md differs from a fresh run of tools/gen_case_study.sh"
    echo "      (regenerate: tools/gen_case_study.sh build, then review the page)"
    exit 1
fi
echo "ok: docs/case-study.md is what tools/gen_case_study.sh writes"
