#!/bin/bash
# The committed melflow fixtures are what reference.py makes: regenerate
# them with PyTorch into a temporary directory and require byte-identical
# files (weights, inputs, reference trace); also keep them under 6 MiB.
# Exit 77 (skipped) when $PARITY_PYTHON cannot import torch.
set -u
src=${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
py=${PARITY_PYTHON:-/usr/bin/python3}
fixtures=$src/examples/melflow/fixtures

if ! "$py" -c 'import numpy, torch' >/dev/null 2>&1; then
    echo "PyTorch not available: $py cannot import torch (and numpy); skipped"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make=$src/examples/melflow/make_fixtures.sh
if ! PARITY_PYTHON=$py sh "$make" "$tmp" >"$tmp/log" 2>&1; then
    echo "FAIL: make_fixtures.sh failed:"
    cat "$tmp/log"
    exit 1
fi

status=0
for f in weights inputs reference; do
    if cmp -s "$tmp/$f.safetensors" "$fixtures/$f.safetensors"; then
        echo "ok: $f.safetensors is reproduced byte for byte"
    else
        echo "FAIL: $f.safetensors differs from a fresh run of reference.py"
        status=1
    fi
done

limit=$((6 * 1024 * 1024))
total=$(cat "$fixtures"/*.safetensors | wc -c)
if [ "$total" -lt "$limit" ]; then
    echo "ok: fixtures total $total bytes < $limit"
else
    echo "FAIL: fixtures total $total bytes, limit $limit"
    status=1
fi
exit $status
