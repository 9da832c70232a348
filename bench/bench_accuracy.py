#!/usr/bin/env python3
"""Accuracy benchmark data (docs/performance.md): N adversarial float64 values (default
10^8: mixed magnitudes 1e-8..1e8, heavy cancellation, a 1e8 offset plus
noise), the same N as float32 (N(0, 9), where the fused kernel adds the
plain sums, and the mixed magnitudes, where it cannot), and their
statistics by math.fsum. Writes DIR/accuracy_<kind>.npy and
DIR/accuracy.json; bench_accuracy.c checks libparity against them.
Usage: bench_accuracy.py DIR [N]. Fixed seed. Takes minutes at 10^8."""
import json
import math
import os
import sys

import numpy as np


def stats(x):
    x = x.astype(np.float64)  # exact for float32
    n = x.size
    s = math.fsum(x)
    mean = s / n
    # fsum of squared deviations from the correctly rounded mean
    m2 = math.fsum((x - mean) ** 2)
    return {"sum": repr(s), "mean": repr(mean), "std": repr(math.sqrt(m2 / n)),
            "min": repr(float(x.min())), "max": repr(float(x.max())),
            "argmin": int(np.argmin(x)), "argmax": int(np.argmax(x))}


def main():
    out = sys.argv[1]
    n = int(float(sys.argv[2])) if len(sys.argv) > 2 else 10**8
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(99)
    mag = 10.0 ** rng.uniform(-8, 8, n)
    mixed = np.where(rng.random(n) < 0.5, -mag, mag)
    del mag
    cancel = mixed.copy()
    cancel[1::2] = -cancel[0::2][: n // 2] * (1 + rng.normal(0, 1e-12, n // 2))
    offset = 1e8 + rng.normal(0, 1, n)
    normal32 = (rng.standard_normal(n) * 3).astype(np.float32)
    mixed32 = mixed.astype(np.float32)
    res = {}
    for kind, x in (("mixed", mixed), ("cancel", cancel), ("offset", offset),
                    ("normal32", normal32), ("mixed32", mixed32)):
        path = os.path.join(out, f"accuracy_{kind}.npy")
        np.save(path, x)
        res[kind] = dict(stats(x), file=path)
    with open(os.path.join(out, "accuracy.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
