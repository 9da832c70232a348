#!/usr/bin/env python3
"""What a user would write instead of `parity diff`: the metrics parity
prints for every tensor pair (per side mean and std, population; abs_mean,
abs_max, relative = ||d|| / ||r||), in float64, NaN-aware (finite pairs
only), for the same inputs parity takes: two .npy files, two .safetensors
files (F32, F16, BF16, F64; tensors paired by name) or two folders of .npy
files (paired by file name).

Three ways, each the obvious one for its tool:
  whole    NumPy: map both files (np.load mmap_mode / np.memmap), convert
           each tensor whole to float64, compute
  chunked  NumPy: the same, 64 MiB of input at a time per side, partial
           sums combined in float64 (the stronger baseline: no huge
           temporaries)
  torch    PyTorch on the CPU: torch.from_numpy over the memory map, the
           same metrics in float64 tensors, 64 MiB at a time

Prints one line per pair (so no work can be skipped) and exits 0; 3 on
any error (PyTorch missing, memory exhausted...).
Usage: baseline_diff.py whole|chunked|torch REF PORT
"""
import json
import math
import os
import struct
import sys

import numpy as np

CHUNK_BYTES = 64 << 20
ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}


def st_tensors(path):
    """{name: memmap} of a safetensors file (BF16 as its uint16 bits)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        head = json.loads(f.read(n))
    head.pop("__metadata__", None)
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, e in head.items():
        b, end = e["data_offsets"]
        a = mm[8 + n + b:8 + n + end].view(ST_DTYPES[e["dtype"]])
        out[name] = (a.reshape(e["shape"]), e["dtype"] == "BF16")
    return out


def tensors(path):
    if os.path.isdir(path):
        return {f[:-4]: (np.load(os.path.join(path, f), mmap_mode="r"), False)
                for f in sorted(os.listdir(path)) if f.endswith(".npy")}
    if path.endswith(".npy"):
        return {"t": (np.load(path, mmap_mode="r"), False)}
    return st_tensors(path)


def as_f64(a, bf16):
    if bf16:
        return (a.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return np.asarray(a, dtype=np.float64)


class Acc:
    """Partial sums of one pair, combined in float64."""

    def __init__(self):
        self.n = 0
        self.s = dict(r=0.0, p=0.0, r2=0.0, p2=0.0, ad=0.0, d2=0.0)
        self.nr = self.np_ = 0
        self.amax = 0.0

    def add_np(self, r, p):
        fr, fp = np.isfinite(r), np.isfinite(p)
        rr, pp = r[fr], p[fp]
        self.nr += rr.size
        self.np_ += pp.size
        self.s["r"] += rr.sum()
        self.s["p"] += pp.sum()
        self.s["r2"] += np.dot(rr, rr)
        self.s["p2"] += np.dot(pp, pp)
        ok = fr & fp
        d = p[ok] - r[ok]
        ad = np.abs(d)
        self.n += d.size
        self.s["ad"] += ad.sum()
        self.s["d2"] += np.dot(d, d)
        self.amax = max(self.amax, float(ad.max(initial=0.0)))

    def add_torch(self, torch, r, p):
        fr, fp = torch.isfinite(r), torch.isfinite(p)
        rr, pp = r[fr], p[fp]
        self.nr += rr.numel()
        self.np_ += pp.numel()
        self.s["r"] += float(rr.sum())
        self.s["p"] += float(pp.sum())
        self.s["r2"] += float(torch.dot(rr, rr))
        self.s["p2"] += float(torch.dot(pp, pp))
        ok = fr & fp
        d = p[ok] - r[ok]
        ad = d.abs()
        self.n += d.numel()
        self.s["ad"] += float(ad.sum())
        self.s["d2"] += float(torch.dot(d, d))
        if ad.numel():
            self.amax = max(self.amax, float(ad.max()))

    def line(self, name):
        s = self.s

        def mean_std(tot, sq, n):
            if n == 0:
                return math.nan, math.nan
            m = tot / n
            return m, math.sqrt(max(sq / n - m * m, 0.0))

        rm, rs = mean_std(s["r"], s["r2"], self.nr)
        pm, ps = mean_std(s["p"], s["p2"], self.np_)
        n = max(self.n, 1)
        rel = math.sqrt(s["d2"]) / math.sqrt(s["r2"]) if s["r2"] > 0 else math.sqrt(s["d2"])
        return ("%s: ref mean=%.6g std=%.6g port mean=%.6g std=%.6g "
                "abs_mean=%.6g abs_max=%.6g relative=%.6g" %
                (name, rm, rs, pm, ps, s["ad"] / n, self.amax, rel))


def main():
    mode, ref, port = sys.argv[1], sys.argv[2], sys.argv[3]
    torch = None
    if mode == "torch":
        import torch  # noqa: F811  (imported only for this mode)
        torch.set_num_threads(os.cpu_count() or 1)
    a, b = tensors(ref), tensors(port)
    for name in a:
        if name not in b:
            continue
        (r, rbf), (p, pbf) = a[name], b[name]
        r, p = r.reshape(-1), p.reshape(-1)
        acc = Acc()
        if mode == "whole":
            acc.add_np(as_f64(r, rbf), as_f64(p, pbf))
        else:
            step = max(CHUNK_BYTES // r.itemsize, 1)
            for lo in range(0, r.size, step):
                rc, pc = as_f64(r[lo:lo + step], rbf), as_f64(p[lo:lo + step], pbf)
                if mode == "torch":
                    acc.add_torch(torch, torch.from_numpy(rc), torch.from_numpy(pc))
                else:
                    acc.add_np(rc, pc)
        print(acc.line(name))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001  (run_bench.sh reads exit 3 as "failed")
        print("baseline_diff: %s" % e, file=sys.stderr)
        sys.exit(3)
