#!/usr/bin/env python3
"""Writes the inputs of bench/run_bench.sh into DIR (skips files already
there). About 4.6 GB in all:
  big_{ref,port}.npy            1 GiB of F32 each (2^28 elements)
  mid_{ref,port}.npy            256 MiB of F32 each
  mid_{f32,bf16,f16}_{ref,port}.safetensors   256 MiB each (F32 2^26
                                elements, BF16/F16 2^27: the same bytes)
  many_{ref,port}.safetensors   10,000 tensors [64, 64] F32 each
  npydir_{ref,port}/            2,000 .npy files [64, 64] F32 each
  small_{ref,port}.npy          1 MB of F32 each ([1, 80, 3276])
The port is the reference plus small noise (and, for big, an offset), so
every metric has work to do. Usage: make_bench_data.py DIR
"""
import json
import os
import struct
import sys

import numpy as np


def write_st(path, tensors):
    header, off = {}, 0
    for name, dt, a in tensors:
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for _, _, a in tensors:
            f.write(a.tobytes())
    os.replace(path + ".tmp", path)


def big_npy(d, name, n, offset):
    ref, port = os.path.join(d, name + "_ref.npy"), os.path.join(d, name + "_port.npy")
    if os.path.exists(port):
        return
    r = np.lib.format.open_memmap(ref + ".tmp", mode="w+", dtype="<f4", shape=(n,))
    p = np.lib.format.open_memmap(port + ".tmp", mode="w+", dtype="<f4", shape=(n,))
    rng = np.random.default_rng(1)
    step = 1 << 24
    for lo in range(0, n, step):
        m = min(step, n - lo)
        x = rng.standard_normal(m, dtype=np.float32) * 2 - 6
        r[lo:lo + m] = x
        p[lo:lo + m] = x - np.float32(offset) + rng.standard_normal(m, dtype=np.float32) * 1e-3
    r.flush(), p.flush()
    del r, p
    os.replace(ref + ".tmp", ref)
    os.replace(port + ".tmp", port)


def bf16_bits(x):
    u = x.astype(np.float32).view(np.uint32)
    return ((u + 0x7fff + ((u >> 16) & 1)) >> 16).astype("<u2")


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    big_npy(d, "big", 1 << 28, 1.46)
    big_npy(d, "mid", 1 << 26, 0.0)
    rng = np.random.default_rng(5)
    if not os.path.exists(os.path.join(d, "mid_f16_port.safetensors")):
        n = 1 << 27
        x = rng.standard_normal(n).astype(np.float32)
        y = x + np.float32(1e-3) * rng.standard_normal(n).astype(np.float32)
        write_st(os.path.join(d, "mid_f32_ref.safetensors"), [("t", "F32", x[: n // 2])])
        write_st(os.path.join(d, "mid_f32_port.safetensors"), [("t", "F32", y[: n // 2])])
        write_st(os.path.join(d, "mid_bf16_ref.safetensors"), [("t", "BF16", bf16_bits(x))])
        write_st(os.path.join(d, "mid_bf16_port.safetensors"), [("t", "BF16", bf16_bits(y))])
        write_st(os.path.join(d, "mid_f16_ref.safetensors"), [("t", "F16", x.astype("<f2"))])
        write_st(os.path.join(d, "mid_f16_port.safetensors"), [("t", "F16", y.astype("<f2"))])
    if not os.path.exists(os.path.join(d, "many_port.safetensors")):
        ref = [("layers.%05d.weight" % i, "F32", rng.standard_normal((64, 64), dtype=np.float32))
               for i in range(10000)]
        port = [(n, dt, a + np.float32(1e-3) * rng.standard_normal((64, 64), dtype=np.float32))
                for n, dt, a in ref]
        write_st(os.path.join(d, "many_ref.safetensors"), ref)
        write_st(os.path.join(d, "many_port.safetensors"), port)
    for side in ("ref", "port"):
        dd = os.path.join(d, "npydir_" + side)
        if os.path.isdir(dd) and len(os.listdir(dd)) == 2000:
            continue
        os.makedirs(dd, exist_ok=True)
        r2 = np.random.default_rng(7)
        for i in range(2000):
            a = r2.standard_normal((64, 64), dtype=np.float32)
            if side == "port":
                a = a + np.float32(1e-3) * np.float32(np.sin(i))
            np.save(os.path.join(dd, "step%04d.npy" % i), a)
    if not os.path.exists(os.path.join(d, "small_port.npy")):
        r = rng.standard_normal((1, 80, 3276)).astype(np.float32)
        np.save(os.path.join(d, "small_ref.npy"), r)
        np.save(os.path.join(d, "small_port.npy"),
                r + np.float32(1e-3) * rng.standard_normal(r.shape).astype(np.float32))


if __name__ == "__main__":
    main()
