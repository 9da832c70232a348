"""make_pair.py MODE OUTDIR — a small reference/port trace pair standing in
for the melflow example when melflow_port is not built (fixed seed).

Both traces hold the input "noise" and, for steps k = 1..10, the stages
ode.step{k}.est.block1.norm [1, 8, 16], ode.step{k}.dxdt [1, 4, 16] and
ode.step{k}.x = x_{k-1} + dt_k * dxdt (float32), in that order.
  schedule  the reference steps on the cosine schedule
            t = 1 - cos(pi/2 * linspace(0, 1, 11)), the port on the linear one;
  norm      both on the cosine schedule; the port's norm stage is off by a
            per-channel offset (a normalisation whose weights were not loaded).
Writes OUTDIR/ref.safetensors and OUTDIR/port.safetensors.
"""
import json
import struct
import sys

import numpy as np

N = 10


def write(path, tensors, inputs):
    head, blobs, at = {}, [], 0
    for name, a in tensors:
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        head[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    head["__metadata__"] = {"parity.order": json.dumps([n for n, _ in tensors]),
                            "parity.inputs": json.dumps(inputs)}
    h = json.dumps(head, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def trace(rng_seed, ts, norm_offset):
    rng = np.random.default_rng(rng_seed)
    noise = rng.standard_normal((1, 4, 16)).astype(np.float32)
    out, x = [("noise", noise)], noise
    for k in range(1, N + 1):
        norm = rng.standard_normal((1, 8, 16)).astype(np.float32) + norm_offset
        v = rng.standard_normal((1, 4, 16)).astype(np.float32)
        x = (x + np.float32(ts[k] - ts[k - 1]) * v).astype(np.float32)
        out += [(f"ode.step{k}.est.block1.norm", norm), (f"ode.step{k}.dxdt", v),
                (f"ode.step{k}.x", x)]
    return out


def main():
    mode, outdir = sys.argv[1:3]
    cosine = 1 - np.cos(np.pi / 2 * np.linspace(0, 1, N + 1))
    linear = np.linspace(0, 1, N + 1)
    offset = np.linspace(-1, 1, 8, dtype=np.float32).reshape(1, 8, 1)
    port_ts = linear if mode == "schedule" else cosine
    port_off = offset if mode == "norm" else np.float32(0)
    write(f"{outdir}/ref.safetensors", trace(7, cosine, np.float32(0)), ["noise"])
    write(f"{outdir}/port.safetensors", trace(7, port_ts, port_off), ["noise"])


main()
