#!/usr/bin/env bash
# Latency targets of docs/performance.md, measured on files this script writes:
#   parity info on a safetensors file of 10,000 tensors (header ~1 MB)
#   parity diff of two 1 MB F32 files (262,144 elements each)
#   parity diff of two 256 MiB pairs in F32, BF16 and F16, in GB/s of input
#     (BF16/F16 must be no slower per byte than F32)
# Each figure is the median of RUNS (default 11) wall times of the whole
# command (date +%s%N around it: /usr/bin/time has 10 ms steps). Usage: bench/run_latency.sh [build dir]
# Needs /usr/bin/python3 with NumPy; never run by the test suite.
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
parity=$top/$build/parity
runs=${RUNS:-11}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 - "$dir" <<'PY'
import json, struct, sys
import numpy as np
d = sys.argv[1]
def write_st(path, tensors):
    header, blobs, off = {}, [], 0
    for name, arr in tensors:
        b = arr.tobytes()
        dt = {"float32": "F32", "float16": "F16", "uint16": "BF16"}[str(arr.dtype)]
        header[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)
rng = np.random.default_rng(5)
write_st(d + "/many.safetensors",
         [("layer%05d.weight" % i, rng.standard_normal(4).astype(np.float32)) for i in range(10000)])
r = rng.standard_normal((1, 80, 3276)).astype(np.float32)   # 1,048,320 bytes
np.save(d + "/small_ref.npy", r)
np.save(d + "/small_port.npy", r + np.float32(1e-3) * rng.standard_normal(r.shape).astype(np.float32))
n = 1 << 26   # 256 MiB of F32
x = rng.standard_normal(n).astype(np.float32)
y = x + np.float32(1e-3) * rng.standard_normal(n).astype(np.float32)
for name, conv in (("f32", lambda a: a), ("f16", lambda a: a.astype(np.float16)),
                   ("bf16", lambda a: (a.view(np.uint32) >> 16).astype(np.uint16))):
    m = n if name == "f32" else 2 * n   # same bytes per file
    a = conv(np.resize(x, m)); b = conv(np.resize(y, m))
    write_st(d + "/%s_ref.safetensors" % name, [("t", a)])
    write_st(d + "/%s_port.safetensors" % name, [("t", b)])
PY
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
wall() { # median wall seconds of "$@" over $runs runs; exit 0 or 1 is fine
  local t0 t1
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N); "$@" > /dev/null || [ $? -eq 1 ]; t1=$(date +%s%N)
    echo "($t1 - $t0) / 1000000000" | bc -l
  done | median; }
printf 'parity info, 10,000 tensors:  %.4f s\n' "$(wall "$parity" info "$dir/many.safetensors")"
printf 'parity diff, two 1 MB files:  %.4f s\n' "$(wall "$parity" diff "$dir/small_ref.npy" "$dir/small_port.npy")"
cat "$dir"/*_ref.safetensors "$dir"/*_port.safetensors > /dev/null
for t in f32 bf16 f16; do
  s=$(wall "$parity" diff "$dir/${t}_ref.safetensors" "$dir/${t}_port.safetensors")
  bytes=$(( $(stat -c %s "$dir/${t}_ref.safetensors") + $(stat -c %s "$dir/${t}_port.safetensors") ))
  printf 'parity diff, 2 x 256 MiB %-5s %.3f s  (%.2f GB/s of input)\n' "$t:" "$s" \
    "$(echo "$bytes / $s / 1000000000" | bc -l)"
done
