#!/usr/bin/env python3
"""Sums and means of integer tensors against Python's exact integers.

A double holds a 64-bit integer only to 53 bits, so summing I64/U64 values
as doubles loses them (the mean of [INT64_MIN, INT64_MAX, -1] came out
-1/3 instead of -2/3). parity sums the stored integers exactly; here every
"sum" and "mean" that `parity info --format json` and `parity diff --format
json` (each side of a float pair, on 1 and 4 threads) print must be the
exact value rounded once: float(Fraction(sum)) and float(Fraction(sum, n)),
bit for bit. Arrays: the extremes of each integer dtype, random values over
the full range in several chunks (4,096 values each), both byte orders, a
Fortran-order matrix (a strided read) and BOOL. The pair's mean_diff comes
from the exact sums too (within 2 ulps of the exact Σd/n: two roundings).

Usage: check_int_exact.py PARITY WORKDIR
"""
import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np

FAILS = []


def parity(exe, *args):
    out = subprocess.run([exe, *args], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        FAILS.append("parity %s: exit %d: %s" % (" ".join(args), out.returncode,
                                                  out.stderr.strip()))
        return None
    return out.stdout


def exact(what, got, want):
    if got != want and not (isinstance(got, float) and math.isnan(got) and math.isnan(want)):
        FAILS.append("%s: parity %r, exact %r" % (what, got, want))


def ints(a):
    return [int(v) for v in np.asarray(a).ravel(order="K")]


def sum_mean(values):
    s = sum(values)
    return float(Fraction(s)), float(Fraction(s, len(values)))


def cases(rng):
    i64, u64 = np.iinfo(np.int64), np.iinfo(np.uint64)
    yield "i64_extremes", np.array([i64.min, i64.max, -1], dtype=np.int64)
    yield "i64_cancel", np.array([i64.max, i64.max, i64.min, i64.min, 3], dtype=np.int64)
    yield "u64_top", np.array([u64.max, u64.max - 1, 1, u64.max], dtype=np.uint64)
    big = rng.integers(i64.min, i64.max, size=10007, dtype=np.int64, endpoint=True)
    big[:4] = [i64.min, i64.max, i64.min, 2**53 + 1]
    yield "i64_random", big
    yield "i64_random_be", big.astype(">i8")
    yield "u64_random", rng.integers(0, u64.max, size=9001, dtype=np.uint64, endpoint=True)
    yield "i64_fortran", np.asfortranarray(big[:6000].reshape(60, 100))
    yield "i32_random", rng.integers(-2**31, 2**31, size=5000, dtype=np.int32)
    yield "u32_top", np.full(4099, 2**32 - 1, dtype=np.uint32)
    yield "i8_mix", rng.integers(-128, 128, size=777, dtype=np.int8)
    yield "bool_mix", rng.integers(0, 2, size=333).astype(bool)


def check_info(exe, work, name, a):
    path = os.path.join(work, name + ".npy")
    np.save(path, a)
    out = parity(exe, "info", path, "--format", "json")
    if out is None:
        return
    st = json.loads(out)["sets"][0]["tensors"][0]["stats"]
    s, m = sum_mean(ints(a))
    exact(name + " info sum", st["sum"], s)
    exact(name + " info mean", st["mean"], m)


def check_diff(exe, work, name, a, threads):
    """a (integers) against a float64 port with fractions: a float pair,
    whose side statistics come from the streaming diff."""
    r = os.path.join(work, name + ".npy")
    p = os.path.join(work, name + "_port.npy")
    flat = np.asarray(a).ravel(order="C")
    port = (flat.astype(np.float64) * 0.5 + 0.25).reshape(np.shape(a))
    np.save(p, port)
    out = parity(exe, "diff", r, p, "--format", "json", "--threads", str(threads))
    if out is None:
        return
    t = json.loads(out)["tensors"][0]
    tag = "%s diff --threads %d" % (name, threads)
    if t.get("kind") != "float":
        FAILS.append("%s: kind %r, expected a float pair" % (tag, t.get("kind")))
        return
    s, m = sum_mean(ints(a))
    exact(tag + " ref sum", t["ref"]["sum"], s)
    exact(tag + " ref mean", t["ref"]["mean"], m)
    d = sum(Fraction(float(y)) - x for x, y in zip(ints(flat), port.ravel()))
    want = float(d / len(flat))
    got = t["metrics"]["mean_diff"]
    if abs(got - want) > 2 * math.ulp(want):
        FAILS.append("%s mean_diff: parity %r, exact %r" % (tag, got, want))


def main():
    exe, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(20241202)
    n = 0
    for name, a in cases(rng):
        check_info(exe, work, name, a)
        if a.dtype.kind in "iu" and a.dtype.itemsize == 8:
            for threads in (1, 4):
                check_diff(exe, work, name, a, threads)
        n += 1
    for f in FAILS:
        print("FAIL", f)
    print("check_int_exact: %d arrays, %d failures" % (n, len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
