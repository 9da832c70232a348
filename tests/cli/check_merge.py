#!/usr/bin/env python3
"""parity diff --slice K/N and parity merge: a run split 1, 2, 7 and 64 ways
and merged must print what the single run prints, byte for byte, in every
format (JSON, text, -v, -q, Markdown, CSV), and the state in the JSON must
be the exact sums: checked here against exact rational arithmetic.

The data (written here, in a temporary directory, by this script's own
safetensors writer) covers: float pairs of more than 2^20 elements (cut
into ranges across parts) of every float dtype parity reads in
safetensors, with odd lengths, NaN, infinities on one side and both, zeros
of both signs; small pairs of odd sizes; integer and bool pairs, equal and
not; an id sequence of another length; an overlap; shapes no layout
reconciles; a permuted layout; the same values in another order; empty and
all-NaN tensors; names on one side only; and per-axis profiles (--axis).

Usage: check_merge.py PARITY
"""
import fractions
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from safetensors_np import encode, write  # noqa: E402  (the tests' own, tests/lib)

FAILS = []
RNG = np.random.default_rng(14)
BIG = (1 << 20) + 12345           # above PARITY_SLICE_MIN: cut into ranges


def floats(n, nan=0, inf=0, scale=1.0, offset=0.0):
    x = (RNG.standard_normal(n) * scale + offset)
    if nan:
        x[RNG.choice(n, nan, replace=False)] = np.nan
    if inf:
        x[RNG.choice(n, inf, replace=False)] = np.inf * RNG.choice([-1, 1], inf)
    if n >= 10:
        x[RNG.choice(n, 3, replace=False)] = 0.0
        x[RNG.choice(n, 2, replace=False)] = -0.0
    return x


def f8(n, nan_code):
    """Random F8 bytes, NaN patterns rare (nan_code: the NaN encodings)."""
    b = RNG.integers(0, 256, n, dtype=np.uint8)
    b[np.isin(b, nan_code)] = 0x38
    b[RNG.choice(n, 5, replace=False)] = nan_code[0]
    return b


def perturb(x, eps):
    y = x.copy()
    fin = np.isfinite(y)
    y[fin] = y[fin] + eps * RNG.standard_normal(int(fin.sum()))
    return y


def make_data(d):
    ref, port = {}, {}

    def both(name, dt, shape, r, p):
        ref[name] = (dt, shape, encode(r, dt) if isinstance(r, np.ndarray) and r.dtype == np.float64 else r)
        port[name] = (dt, shape, encode(p, dt) if isinstance(p, np.ndarray) and p.dtype == np.float64 else p)

    # large float pairs: every float dtype, NaN and infinities, odd lengths
    for dt, eps in (("F32", 1e-5), ("F64", 1e-9), ("F16", 1e-2), ("BF16", 1e-2)):
        r = floats(BIG, nan=7, inf=4)
        p = perturb(r, eps)
        p[RNG.choice(BIG, 3, replace=False)] = np.nan          # one-sided non-finite
        both(f"big.{dt.lower()}", dt, (BIG,), r, p)
    r8 = f8(BIG, [0x7F, 0xFF])
    p8 = r8.copy()
    p8[RNG.choice(BIG, 1000, replace=False)] ^= 1
    both("big.f8_e4m3", "F8_E4M3", (BIG,), r8.tobytes(), p8.tobytes())
    r8 = f8(BIG, [0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF, 0x7C, 0xFC])
    p8 = r8.copy()
    p8[RNG.choice(BIG, 1000, replace=False)] ^= 1
    both("big.f8_e5m2", "F8_E5M2", (BIG,), r8.tobytes(), p8.tobytes())
    # a large 3-D one for --axis, offset so the shifts matter
    shp = (3, 37, 9587)                      # 1,064,157 elements
    r = floats(int(np.prod(shp)), nan=2, scale=3.0, offset=1e4)
    both("big.cube", "F32", shp, r, perturb(r, 1e-2))
    # large and identical
    r = floats(BIG + 1)
    both("big.same", "F32", (BIG + 1,), r, r)
    # small float pairs of odd sizes
    for n in (1, 7, 4097, 65537):
        r = floats(n, nan=1 if n > 7 else 0)
        both(f"small.{n}", "F32", (n,), r, perturb(r, 1e-3))
    r = floats(5000)
    both("small.scrambled", "F32", (50, 100), r, r.reshape(50, 100).T.copy().ravel())
    r = floats(80 * 50).reshape(1, 80, 50)
    ref["layout"] = ("F32", (1, 80, 50), encode(r.ravel(), "F32"))
    port["layout"] = ("F32", (1, 50, 80), encode(np.transpose(r, (0, 2, 1)).ravel(), "F32"))
    r = floats(80 * 50).reshape(1, 80, 50)
    ref["overlap"] = ("F32", (1, 80, 50), encode(r.ravel(), "F32"))
    port["overlap"] = ("F32", (1, 80, 48), encode(r[:, :, :48].ravel(), "F32"))
    ref["shapes"] = ("F32", (2, 3, 5), encode(floats(30), "F32"))
    port["shapes"] = ("F32", (2, 4, 4), encode(floats(32), "F32"))
    both("empty", "F32", (0,), b"", b"")
    both("nan", "F32", (9,), np.full(9, np.nan), np.full(9, np.nan))
    # integers and bools
    ids = RNG.integers(0, 50000, 300)
    both("ids.equal", "I64", (300,), ids.astype("<i8").tobytes(), ids.astype("<i8").tobytes())
    other = ids.copy()
    other[17] += 1
    both("ids.differ", "I32", (300,), ids.astype("<i4").tobytes(), other.astype("<i4").tobytes())
    ref["ids.seq"] = ("I64", (1, 300), ids.astype("<i8").tobytes())
    port["ids.seq"] = ("I64", (1, 297), np.delete(ids, [3, 4, 200]).astype("<i8").tobytes())
    mask = RNG.integers(0, 2, 1000).astype(np.uint8)
    both("mask", "BOOL", (1000,), mask.tobytes(), mask.tobytes())
    u = RNG.integers(0, 1 << 63, 40, dtype=np.uint64)
    v = u.copy()
    v[5] = (1 << 64) - 1
    both("u64", "U64", (40,), u.astype("<u8").tobytes(), v.astype("<u8").tobytes())
    ref["only.ref"] = ("F32", (3,), encode(floats(3), "F32"))
    port["only.port"] = ("F32", (3,), encode(floats(3), "F32"))
    write(os.path.join(d, "ref.safetensors"), ref)
    write(os.path.join(d, "port.safetensors"), port)
    return ref


def run(parity, args, cwd, want=(0, 1)):
    res = subprocess.run([parity] + args, cwd=cwd, capture_output=True)
    if res.returncode not in want:
        FAILS.append(f"parity {' '.join(args)}: exit {res.returncode}: "
                     f"{res.stderr.decode(errors='replace')[:400]}")
    return res


FORMATS = (["--format", "json"], [], ["-v"], ["-q"], ["--format", "md"], ["--format", "csv"],
           ["--labels", "Py,Swift", "-v"])


def check_schema(doc, opts):
    """The single run's JSON, every pair kind's state included, against
    docs/diff.schema.json (check_json_numpy.py's validator)."""
    import check_json_numpy as cj
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                           "diff.schema.json")) as f:
        cj.SCHEMA = json.load(f)
    del cj.FAILS[:]
    cj.validate(doc, cj.SCHEMA)
    kinds = {t["state"]["kind"] for t in doc["tensors"] if "state" in t}
    if not opts and kinds != {"float", "int", "sequence", "overlap", "shapes"}:
        cj.FAILS.append(f"the data lacks a pair kind: states of {sorted(kinds)}")
    FAILS.extend(f"{opts}: {m}" for m in cj.FAILS)


def check_splits(parity, d, opts, ways):
    """Split each of ways, merge: every format as the single run prints it."""
    single = [run(parity, ["diff", "ref.safetensors", "port.safetensors"] + opts + f, d)
              for f in FORMATS]
    check_schema(json.loads(single[0].stdout), opts)
    for n in ways:
        parts = []
        for k in range(n):
            res = run(parity, ["diff", "ref.safetensors", "port.safetensors", "--slice",
                               f"{k}/{n}"] + opts, d, want=(0,))
            parts.append(f"part{k:03d}.json")
            with open(os.path.join(d, parts[-1]), "wb") as f:
                f.write(res.stdout)
        ranged = sum(b'"range":' in open(os.path.join(d, p), "rb").read() for p in parts)
        if n > 1 and ranged < 2:
            FAILS.append(f"{n} ways {opts}: only {ranged} parts hold a share of a large pair")
        for fmt, one in zip(FORMATS, single):
            got = run(parity, ["merge"] + parts[::-1] + fmt, d)
            if one.stdout != got.stdout or one.returncode != got.returncode:
                FAILS.append(f"{n} ways {opts} {fmt}: merge differs from the single run "
                             f"(exit {got.returncode} vs {one.returncode}): "
                             f"{first_diff(one.stdout, got.stdout)}")
        for p in parts:
            os.unlink(os.path.join(d, p))


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            k = next(j for j in range(min(len(x), len(y)) + 1) if j == min(len(x), len(y)) or x[j] != y[j])
            return f"line {i + 1}, byte {k}: {x[max(0, k - 60):k + 60]!r} vs {y[max(0, k - 60):k + 60]!r}"
    return f"lengths {len(a)} vs {len(b)}"


# ---- the exact sums of the state, against rational arithmetic -------------

def exact(text):
    """The value of an exact sum as parity writes it: 0x<odd hex>p<exp>."""
    if text == "0":
        return fractions.Fraction(0)
    m = re.fullmatch(r"(-?)0x([0-9a-f]+)p(-?[0-9]+)", text)
    assert m, text
    v = fractions.Fraction(int(m.group(2), 16)) * fractions.Fraction(2) ** int(m.group(3))
    assert int(m.group(2), 16) % 2 == 1, text
    return -v if m.group(1) else v


def fsum_exact(x):
    return sum((fractions.Fraction(float(v)) for v in x), fractions.Fraction(0))


def check_state(parity, d, ref):
    """Σx of each side of two large pairs: the state's exact sum is the
    exact rational sum of the finite values, and Σx² the exact sum of the
    squares each rounded to a double (docs/json-schema.md)."""
    res = run(parity, ["diff", "ref.safetensors", "port.safetensors", "--format", "json",
                       "--only", "big.f64", "--only", "big.f16"], d)
    doc = json.loads(res.stdout)
    for t in doc["tensors"]:
        dt, _, raw = ref[t["name"]]
        x = np.frombuffer(raw, {"F64": "<f8", "F16": "<f2"}[dt]).astype(np.float64)
        x = x[np.isfinite(x)]
        st = t["state"]["r"]
        if exact(st["sum"]) != fsum_exact(x):
            FAILS.append(f"{t['name']}: state.r.sum is not the exact sum")
        if st["n_finite"] != x.size or st["count"] != t["ref"]["count"]:
            FAILS.append(f"{t['name']}: state.r counts")
        if t["name"] == "big.f16" and exact(st["sumsq"]) != fsum_exact(x * x):
            FAILS.append(f"{t['name']}: state.r.sumsq is not the exact sum of the squares")
        if float(exact(st["sum"])) != t["ref"]["sum"]:
            FAILS.append(f"{t['name']}: ref.sum is not the state's sum rounded once")


def main():
    parity = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        check_state(parity, d, make_data(d))
        check_splits(parity, d, [], (1, 2, 7, 64))
        check_splits(parity, d, ["--axis", "1", "--axis", "2", "--threads", "2"], (2, 7))
        check_splits(parity, d, ["--atol", "1e-3", "--rtol", "1e-3", "--domain", "ln-mag",
                                 "--only", "big.*", "--skip", "big.same"], (3,))
    for f in FAILS:
        print("FAIL", f)
    print(f"check_merge: {'FAILED' if FAILS else 'ok'} ({len(FAILS)} failures)")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
