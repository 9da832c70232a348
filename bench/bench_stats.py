#!/usr/bin/env python3
"""NumPy baseline for bench_stats.c: the same metrics on the same kind of
in-memory data (F32, values in [-10, 0], port = ref + 1e-3 noise), written
the way a careful user would (float64 math, nan-aware, ULPs from the bit
patterns). Usage: bench_stats.py [elements]. Prints seconds; never a test."""
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 28
rng = np.random.default_rng(0)
ref = (-10.0 * rng.random(n)).astype(np.float32)
i = np.arange(n, dtype=np.uint64)
port = (ref + 1e-3 * ((i * 2654435761 % 1000) / 1000.0 - 0.5)).astype(np.float32)
del i

t0 = time.perf_counter()
r = ref.astype(np.float64)
p = port.astype(np.float64)
ok = np.isfinite(r) & np.isfinite(p)
stats = [(np.nanmin(x), np.nanmax(x), np.nanargmin(x), np.nanargmax(x),
          np.nanmean(x), np.nanstd(x)) for x in (r, p)]
rv, pv = r[ok], p[ok]
d = pv - rv
ad = np.abs(d)
k = int(np.argmax(ad))
metrics = dict(abs_mean=ad.mean(), abs_max=ad[k], mean_diff=d.mean(),
               rmse=np.sqrt(np.mean(d * d)),
               relative=np.linalg.norm(d) / np.linalg.norm(rv),
               cosine=np.dot(rv, pv) / (np.linalg.norm(rv) * np.linalg.norm(pv)),
               pcc=np.corrcoef(rv, pv)[0, 1])
ir = ref.view(np.int32).astype(np.int64)
ip = port.view(np.int32).astype(np.int64)
ir = np.where(ir < 0, -(ir & 0x7FFFFFFF), ir)
ip = np.where(ip < 0, -(ip & 0x7FFFFFFF), ip)
max_ulp = int(np.abs(ip - ir).max())
print(f"numpy diff n={n}: {time.perf_counter() - t0:.3f} s "
      f"relative={metrics['relative']:.6g} max_ulp={max_ulp}")
