#!/usr/bin/env bash
# run_gguf_cli.sh — GGUF and sharded safetensors end to end through the
# CLI, on files written by tools/gen_gguf_fixtures.py and
# tools/gen_st_index_fixtures.py:
#   info on every GGUF type; diff of an F32 tensor against its Q8_0
#   quantization (SMALL DIFF, relative and abs_max equal to NumPy's within
#   1e-12); explain and plot of that quantized pair; same on stored blocks;
#   info and diff through a sharded checkpoint's index.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
PY=${PARITY_PYTHON:-/usr/bin/python3}
PARITY=${PARITY:-$src/build/parity}
if ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "run_gguf_cli: $PY has no numpy: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" "$src/tools/gen_gguf_fixtures.py" "$tmp/g" || { echo "FAIL: gguf generator"; exit 1; }
"$PY" "$src/tools/gen_st_index_fixtures.py" "$tmp/ix" || { echo "FAIL: index generator"; exit 1; }

n=0
failed=0
# run WANT_RC NEEDLE ARGS...: the exit status and a substring of stdout
run() {
    local want=$1 needle=$2 rc
    shift 2
    n=$((n + 1))
    "$PARITY" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL parity $*: exit $rc, expected $want"; sed 's/^/    /' "$tmp/err" | head -3
        failed=$((failed + 1)); return
    fi
    if ! grep -qF -- "$needle" "$tmp/out"; then
        echo "FAIL parity $*: output lacks '$needle'"; head -5 "$tmp/out" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

g=$tmp/g
run 0 "blk.1.q4_k: Q4_K [2, 2, 256]" info "$g/types.gguf"
run 0 "blk.0.attn_v.weight: Q5_0 [2, 2, 64]" info "$g/types.gguf"
run 0 "20 tensors" info "$g/types.gguf"
run 1 "Status: SMALL DIFF" diff "$g/q8_source.safetensors" "$g/q8.gguf" --color never
run 1 "Dtype:  F32 vs Q8_0" diff "$g/q8_source.safetensors" "$g/q8.gguf" --color never
run 1 '"verdict":"SMALL DIFF"' diff "$g/q8_source.safetensors" "$g/q8.gguf" --format json
cp "$tmp/out" "$tmp/q8.json"
n=$((n + 1))
if ! "$PY" - "$tmp/q8.json" "$g/q8_expected.json" <<'EOF'
import json, sys
got = json.load(open(sys.argv[1]))["tensors"][0]
want = json.load(open(sys.argv[2]))
m = got["metrics"]
assert got["port"]["dtype"] == "Q8_0", got["port"]["dtype"]
for k in ("relative", "abs_max", "rmse", "mean_diff"):
    a, b = m[k], want[k]
    assert abs(a - b) <= 1e-12 * max(abs(a), abs(b)), (k, a, b)
print("run_gguf_cli: Q8_0 relative %.17g (NumPy %.17g), abs_max %.17g (NumPy %.17g)"
      % (m["relative"], want["relative"], m["abs_max"], want["abs_max"]))
EOF
then
    echo "FAIL: Q8_0 metrics differ from NumPy's"; failed=$((failed + 1))
fi
run 1 "Explain: blk.0.ffn_up.weight" explain "$g/q8_source.safetensors" "$g/q8.gguf"
run 1 "q8.png" plot "$g/q8_source.safetensors" "$g/q8.gguf" -t blk.0.ffn_up.weight -o "$tmp/q8.png"
n=$((n + 1))
if [ "$(head -c 8 "$tmp/q8.png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
    echo "FAIL: plot wrote no PNG"; failed=$((failed + 1))
fi
# same: stored blocks; one flipped bit in the Q4_K tensor's third block
run 0 "20 of 20 tensors compared: 20 identical" same "$g/types.gguf" "$g/types.gguf"
off=$(awk -F'\t' '$1 == "blk.1.q4_k" { print $4 + 2 * 144 + 20 }' "$g/manifest.txt")
cp "$g/types.gguf" "$tmp/flipped.gguf"
byte=$(od -An -tu1 -j "$off" -N1 "$g/types.gguf" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$tmp/flipped.gguf" bs=1 seek="$off" conv=notrunc status=none
run 1 "blk.1.q4_k: 1 of 4 blocks differ (1 bit); first at [1, 0, 0]" same "$g/types.gguf" "$tmp/flipped.gguf"
# sharded safetensors
run 0 "13 tensors" info "$tmp/ix/model.safetensors.index.json"
run 0 "13 of 13 tensors compared: 13 MATCH" diff "$tmp/ix/single.safetensors" "$tmp/ix/model.safetensors.index.json" --color never

echo "run_gguf_cli: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
