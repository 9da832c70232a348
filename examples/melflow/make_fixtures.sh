#!/bin/sh
# Regenerate the melflow fixtures with PyTorch: weights.safetensors,
# inputs.safetensors (mu, cond, spks, mask and the initial noise) and
# reference.safetensors (the reference trace), all from fixed seeds.
#
#   examples/melflow/make_fixtures.sh [OUT_DIR]    default: fixtures/ here
#
# PARITY_PYTHON picks the interpreter (default /usr/bin/python3, which has
# NumPy and PyTorch on Debian 12). tests/melflow/run_fixtures.sh checks that
# a fresh run reproduces the committed files byte for byte.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/fixtures}
py=${PARITY_PYTHON:-/usr/bin/python3}
mkdir -p "$out"
exec "$py" "$here/reference.py" --out "$out"
