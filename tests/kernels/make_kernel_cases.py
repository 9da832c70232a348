#!/usr/bin/env python3
"""Writes the inputs of run_simd.sh into DIR: pairs of safetensors files
whose tensors exercise every path of parity diff's kernels.

Per dtype (F64, F32, F16, BF16, the five F8 variants, I64, I32, I16, I8,
U8, BOOL) one file per side holding:
  - 'random':   a few chunks plus a tail (3 * 4096 + 13 elements) of
                random values, the port a perturbed copy;
  - 'special':  the same length, with +-0, subnormals, NaN, +-Inf and the
                dtype's extremes placed in some chunks only (so chunks go
                the fused way and the reference way in one tensor), and
                ties of the extrema in different lanes;
  - 'big':      three batches and a tail (3 * 65536 + 4099 elements), so
                several workers share it;
  - 'small.K':  40 tensors of 5..300 elements (parity_diff_many's groups);
  - 'growing':  magnitudes growing fourfold per lane step, restarting
                (the fused kernel's Fast2Sum blocks summed again);
  - 'zero':     all zeros on both sides (ties everywhere, r = 0).
F64 adds 'huge': values near DBL_MAX whose lane sums overflow (the exact
path of src/analysis/exact.c).
Usage: make_kernel_cases.py DIR
"""
import json
import os
import struct
import sys

import numpy as np

CHUNK = 4096
F8 = ["F8_E4M3", "F8_E5M2", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F8_E8M0"]
INTS = {"I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
        "U8": np.uint8, "BOOL": np.bool_}


def write(path, tensors):
    header, blobs, off = {}, [], 0
    for name, (dt, arr) in tensors.items():
        b = arr.tobytes()
        header[name] = {"dtype": dt, "shape": list(arr.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def bits_of(dt, x):
    """float64 values -> the stored array of dtype dt (F8/BF16 as patterns)."""
    if dt == "F64":
        return x.astype("<f8")
    if dt == "F32":
        return x.astype("<f4")
    if dt == "F16":
        return x.astype("<f2")
    if dt == "BF16":
        u = x.astype("<f4").view("<u4")
        return ((u + 0x7fff + ((u >> 16) & 1)) >> 16).astype("<u2")  # nearest even
    raise ValueError(dt)


def specials(dt):
    """float64 values including the dtype's special ones."""
    if dt == "F64":
        tiny, big = 5e-324, 1.7976931348623157e308
        return [0.0, -0.0, tiny, -tiny, 2.2250738585072014e-308, big / 2, -big / 4,
                np.nan, np.inf, -np.inf, 1e300, -1e-300]
    if dt == "F32":
        return [0.0, -0.0, 1e-45, -1e-45, 1.17549435e-38, 3.4028235e38, -3.4028235e38,
                np.nan, np.inf, -np.inf, 1e30, -1e-30]
    if dt == "F16":
        return [0.0, -0.0, 6e-8, -6e-8, 6.1035e-05, 65504.0, -65504.0,
                np.nan, np.inf, -np.inf, 1000.0, -1e-3]
    return [0.0, -0.0, 9.2e-41, -9.2e-41, 1.1754944e-38, 3.38e38, -3.38e38,
            np.nan, np.inf, -np.inf, 1e30, -1e-30]


def float_side(dt, rng, n, special, port_of=None):
    x = rng.standard_normal(n) * 3.0
    if port_of is not None:
        x = port_of + rng.standard_normal(n) * 1e-3
        x[::17] = port_of[::17]          # equal elements: d = 0, ULP 0
    if special:
        sp = specials(dt)
        for c in (1, 3):                 # chunks 1 and 3 only
            lo = c * CHUNK if c * CHUNK < n else n - 64
            pos = lo + (rng.permutation(min(CHUNK, n - lo))[:len(sp)])
            x[pos] = sp if port_of is None else sp[::-1]
        x[5] = x[13] = -0.0              # extrema ties with signed zeros
        x[6] = 0.0
    return x


def float_tensors(dt, rng):
    ref, port = {}, {}
    for name, n, special in (("random", 3 * CHUNK + 13, False),
                             ("special", 3 * CHUNK + 13, True),
                             ("big", 3 * 16 * CHUNK + 4099, False)):
        r = float_side(dt, rng, n, special)
        p = float_side(dt, rng, n, special, port_of=r)
        if special:
            p[7] = r[7]                  # same NaN/Inf on both sides somewhere
        ref[name], port[name] = (dt, bits_of(dt, r)), (dt, bits_of(dt, p))
    for k in range(40):
        n = 5 + (k * 37) % 300
        r = rng.standard_normal(n)
        p = r + rng.standard_normal(n) * 1e-2
        ref["small.%02d" % k], port["small.%02d" % k] = (dt, bits_of(dt, r)), (dt, bits_of(dt, p))
    # magnitudes growing fourfold per lane step, restarting every 15 or 30
    # steps: many of the fused kernel's Fast2Sum blocks see a term larger
    # than its sum and are summed again, some are not
    cap = 14 if dt == "F16" else 60
    n = 2 * CHUNK + 21
    i = np.arange(n)
    g = (1 + rng.random(n)) * np.exp2((i // 8 * 2) % cap) * np.where(rng.random(n) < 0.5, -1, 1)
    h = g * (1 + rng.standard_normal(n) * 1e-3)
    ref["growing"], port["growing"] = (dt, bits_of(dt, g)), (dt, bits_of(dt, h))
    z = np.zeros(2 * CHUNK + 5)
    ref["zero"], port["zero"] = (dt, bits_of(dt, z)), (dt, bits_of(dt, z))
    if dt == "F64":
        h = rng.uniform(0.5, 1.0, 2 * CHUNK + 3) * 1.7e308
        g = -h.copy()
        g[::3] = h[::3] * 0.99
        ref["huge"], port["huge"] = (dt, h), (dt, g)
    return ref, port


def byte_tensors(dt, rng):
    ref, port = {}, {}
    for name, n in (("random", 3 * CHUNK + 13), ("big", 3 * 16 * CHUNK + 4099)):
        r = rng.integers(0, 256, n, dtype=np.uint8)
        p = r.copy()
        flip = rng.random(n) < 0.3
        p[flip] = rng.integers(0, 256, int(flip.sum()), dtype=np.uint8)
        ref[name], port[name] = (dt, r), (dt, p)
    return ref, port


def int_tensors(dt, rng):
    t = INTS[dt]
    ref, port = {}, {}
    n = 3 * CHUNK + 13
    if t == np.bool_:
        r = rng.random(n) < 0.5
    else:
        info = np.iinfo(t)
        r = rng.integers(info.min, info.max, n, dtype=t, endpoint=True)
    p = r.copy()
    p[100] = r[101]
    ref["ids"], port["ids"] = (dt, r), (dt, p)
    return ref, port


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(14)
    for dt in ["F64", "F32", "F16", "BF16"] + F8 + list(INTS):
        if dt in F8:
            ref, port = byte_tensors(dt, rng)
        elif dt in INTS:
            ref, port = int_tensors(dt, rng)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                ref, port = float_tensors(dt, rng)
        write(os.path.join(out, dt + "_ref.safetensors"), ref)
        write(os.path.join(out, dt + "_port.safetensors"), port)
    # two dtypes against each other (the reference path and its ULP dtype)
    rng = np.random.default_rng(15)
    r = rng.standard_normal(2 * CHUNK + 7)
    write(os.path.join(out, "mixed_ref.safetensors"), {"t": ("F32", bits_of("F32", r))})
    write(os.path.join(out, "mixed_port.safetensors"), {"t": ("BF16", bits_of("BF16", r))})


if __name__ == "__main__":
    main()
