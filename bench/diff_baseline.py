#!/usr/bin/env python3
"""NumPy baseline for `parity diff`: the same per-tensor report a careful
user would write by hand (float64 math, NaN-aware, the seed plan's metrics)
on two .npy files, read through np.load(mmap_mode='r') and processed in
64 Mi-element slices so it fits in memory like parity does. Prints the
metrics so the work cannot be skipped. Usage: diff_baseline.py REF PORT"""
import math
import sys

import numpy as np

ref = np.load(sys.argv[1], mmap_mode="r").reshape(-1)
port = np.load(sys.argv[2], mmap_mode="r").reshape(-1)
step = 1 << 26
acc = dict(n=0, sd=0.0, sad=0.0, sd2=0.0, sr2=0.0, sp2=0.0, srp=0.0,
           sr=0.0, sp=0.0, amax=0.0, rmin=math.inf, rmax=-math.inf,
           pmin=math.inf, pmax=-math.inf)
for lo in range(0, ref.size, step):
    r = np.asarray(ref[lo:lo + step], dtype=np.float64)
    p = np.asarray(port[lo:lo + step], dtype=np.float64)
    ok = np.isfinite(r) & np.isfinite(p)
    r, p = r[ok], p[ok]
    d = p - r
    ad = np.abs(d)
    acc["n"] += r.size
    acc["sd"] += d.sum()
    acc["sad"] += ad.sum()
    acc["sd2"] += np.dot(d, d)
    acc["sr2"] += np.dot(r, r)
    acc["sp2"] += np.dot(p, p)
    acc["srp"] += np.dot(r, p)
    acc["sr"] += r.sum()
    acc["sp"] += p.sum()
    acc["amax"] = max(acc["amax"], float(ad.max(initial=0)))
    acc["rmin"] = min(acc["rmin"], float(r.min(initial=math.inf)))
    acc["rmax"] = max(acc["rmax"], float(r.max(initial=-math.inf)))
    acc["pmin"] = min(acc["pmin"], float(p.min(initial=math.inf)))
    acc["pmax"] = max(acc["pmax"], float(p.max(initial=-math.inf)))
n = acc["n"]
print("abs_mean=%.6g abs_max=%.6g mean_diff=%.6g relative=%.6g cosine=%.9g" % (
    acc["sad"] / n, acc["amax"], acc["sd"] / n,
    math.sqrt(acc["sd2"] / acc["sr2"]),
    acc["srp"] / math.sqrt(acc["sr2"] * acc["sp2"])))
