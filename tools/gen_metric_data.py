#!/usr/bin/env python3
"""Fixtures for tests/unit/test_stats.c and test_diff.c: pairs of tensor
files and the metrics libparity must report for them, computed here
independently with NumPy and math.fsum (fixed seeds).

Usage: gen_metric_data.py OUTDIR

Writes OUTDIR/<case>.ref.<ext>, OUTDIR/<case>.port.<ext> (.npy for F64, F32,
F16; .safetensors for BF16 and integers, since .npy has no bf16) and
OUTDIR/metrics.json:
  {"cases": {case: {"ref": file, "port": file, "opts": {...},
                    "ref_stats": {...}, "port_stats": {...},
                    "diff": {...}, "profiles": [{"axis": k, ...}]}}}
Every number is written as a string (repr of a float, or an integer) so
NaN, Inf and 64-bit positions survive JSON; "none" marks "no position".

Cases whose values reach DBL_MAX (squares, sums and differences beyond the
double range) are computed with exact rational arithmetic instead
(fractions.Fraction, rounded once to the nearest double; +Inf when the true
value is beyond the range), since NumPy's own squares overflow there.
"""
import json
import math
import os
import struct
import sys
from fractions import Fraction

import numpy as np

NONE = "none"


def fs(x):
    """A float as an exact string (repr round-trips through strtod)."""
    return repr(float(x))


# ---- files ---------------------------------------------------------------

def write_safetensors(path, arr_bytes, dtype, shape):
    header = {"x": {"dtype": dtype, "shape": list(shape),
                    "data_offsets": [0, len(arr_bytes)]}}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        f.write(arr_bytes)


def save(outdir, case, side, arr, st_dtype=None):
    """Write arr (or raw bits for BF16) and return the file name."""
    if st_dtype is None:
        name = f"{case}.{side}.npy"
        np.save(os.path.join(outdir, name), arr)
    else:
        name = f"{case}.{side}.safetensors"
        write_safetensors(os.path.join(outdir, name),
                          np.ascontiguousarray(arr).tobytes(), st_dtype,
                          arr.shape)
    return name


def bf16_bits(x32):
    """Round float32 values to bf16 (ties to even) and return uint16 bits."""
    u = x32.astype(np.float32).view(np.uint32).astype(np.uint64)
    r = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    nan = np.isnan(x32)
    r[nan] = 0x7FC0
    return r.astype(np.uint16)


def bf16_values(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


# ---- exact rational arithmetic for values near DBL_MAX ---------------------

def fl(q):
    """A Fraction rounded to the nearest double; ±inf beyond the range."""
    try:
        return float(q)  # int / int: correctly rounded in CPython
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def fsqrt(q):
    """sqrt of a Fraction >= 0 as a double (relative error ~1e-16)."""
    if q == 0:
        return 0.0
    k = (q.numerator.bit_length() - q.denominator.bit_length()) // 2
    s = q / Fraction(4) ** k if k >= 0 else q * Fraction(4) ** (-k)
    try:
        return math.ldexp(math.sqrt(float(s)), k)
    except OverflowError:
        return math.inf


def flog10(q):
    """log10 of a Fraction > 0."""
    x = fl(q)
    if 0 < x < math.inf and x >= 2.0 ** -1022:
        return math.log10(x)
    return math.log10(q.numerator) - math.log10(q.denominator)


U = 1074  # exact values are integers in units of 2^-1074 (squares: 2^-2148)


def ints(v):
    """Finite doubles as exact integers in units of 2^-1074."""
    out = []
    for x in v:
        num, den = float(x).as_integer_ratio()
        out.append(num << (U - (den.bit_length() - 1)))
    return out


def div(a, b):
    """a / b for integers, correctly rounded; ±inf beyond the range."""
    try:
        return a / b
    except OverflowError:
        return math.inf if (a > 0) == (b > 0) else -math.inf


def exact_side(v):
    """sum, sumsq, mean, std of finite float64 values v, exactly."""
    xs = ints(v)
    n = len(xs)
    s1, s2 = sum(xs), sum(x * x for x in xs)
    out = {"sum": fs(div(s1, 1 << U)), "sumsq": fs(div(s2, 1 << 2 * U))}
    if n:
        out["mean"] = fs(div(s1, n << U))
        out["std"] = fs(fsqrt(Fraction(n * s2 - s1 * s1, n * n << 2 * U)))
    return out


def exact_pair(rv, pv, atol, rtol):
    """The summed pair metrics of finite float64 pairs, exactly."""
    r, p = ints(rv), ints(pv)
    n = len(r)
    d = [b - a for a, b in zip(r, p)]
    ad = [abs(x) for x in d]
    sr, sp = sum(r), sum(p)
    srr, spp = sum(a * a for a in r), sum(b * b for b in p)
    srp = sum(a * b for a, b in zip(r, p))
    sdd = sum(x * x for x in d)
    # n² times the centred sums: n·Σrp - Σr·Σp, ...
    cov, vr, vp = n * srp - sr * sp, n * srr - sr * sr, n * spp - sp * sp
    rel = fsqrt(Fraction(sdd, 1 << 2 * U)) if srr == 0 else fsqrt(Fraction(sdd, srr))
    cos = math.nan
    if srr > 0 and spp > 0:
        cos = fsqrt(Fraction(srp * srp, srr * spp)) * (1 if srp >= 0 else -1)
    pcc = math.nan
    if vr > 0 and vp > 0:
        pcc = fsqrt(Fraction(cov * cov, vr * vp)) * (1 if cov >= 0 else -1)
    # max |d| as a double: the first maximum among the rounded values
    # (+Inf at the first |d| beyond the range)
    adf = [div(x, 1 << U) for x in ad]
    i = max(range(n), key=lambda k: (adf[k], -k))
    q = [div(x, abs(a)) for x, a in zip(ad, r) if a != 0]
    ta, tr = ints([atol])[0], ints([rtol])[0]
    mism = sum(1 for x, a in zip(ad, r) if x << U > (ta << U) + tr * abs(a))
    return {"abs_mean": fs(div(sum(ad), n << U)),
            "mean_diff": fs(div(sp - sr, n << U)),
            "rmse": fs(fsqrt(Fraction(sdd, n << 2 * U))),
            "relative": fs(rel), "ref_zero": str(int(srr == 0)),
            "cosine": fs(cos), "pcc": fs(pcc),
            "snr_db": fs(math.inf if sdd == 0 else 10 * flog10(Fraction(srr, sdd))),
            "abs_max": fs(adf[i]), "needed_atol": fs(adf[i]), "at": i,
            "needed_rtol": fs(max(q) if q else 0.0), "mismatched": mism}


# ---- the independent metrics --------------------------------------------

def first_pos(mask):
    idx = np.flatnonzero(mask)
    return str(int(idx[0])) if len(idx) else NONE


def side_stats(x, exact=False):
    x = x.ravel()
    fin = np.isfinite(x)
    v = x[fin]
    out = {"count": str(x.size), "n_finite": str(v.size),
           "n_nan": str(int(np.isnan(x).sum())),
           "n_posinf": str(int((x == np.inf).sum())),
           "n_neginf": str(int((x == -np.inf).sum())),
           "n_zero": str(int((v == 0).sum()))}
    if exact:  # math.fsum and NumPy's squares overflow here
        out.update(exact_side(v))
    else:
        out.update(sum=fs(math.fsum(v)), sumsq=fs(math.fsum(v * v)))
    if v.size == 0:
        out.update(min="nan", max="nan", argmin=NONE, argmax=NONE,
                   mean="nan", std="nan")
        return out
    xm = np.where(fin, x, np.inf)
    xM = np.where(fin, x, -np.inf)
    out.update(min=fs(v.min()), max=fs(v.max()),
               argmin=str(int(np.argmin(xm))), argmax=str(int(np.argmax(xM))))
    if not exact:
        mean = math.fsum(v) / v.size
        out.update(mean=fs(mean),
                   std=fs(math.sqrt(math.fsum((v - mean) ** 2) / v.size)))
    return out


def ulp_images(vals, dt):
    """Order-preserving integer images of vals rounded to dt (Python ints)."""
    if dt == "F64":
        bits = vals.view(np.int64)
        mag = [int(b) & 0x7FFFFFFFFFFFFFFF for b in bits]
    elif dt == "F32":
        mag = list(vals.astype(np.float32).view(np.uint32).astype(np.int64) & 0x7FFFFFFF)
    elif dt == "F16":
        mag = list(vals.astype(np.float16).view(np.uint16).astype(np.int64) & 0x7FFF)
    elif dt == "BF16":
        mag = list(bf16_bits(vals.astype(np.float32)).astype(np.int64) & 0x7FFF)
    else:
        raise ValueError(dt)
    sign = np.signbit(vals)
    return [-int(m) if s else int(m) for m, s in zip(mag, sign)]


def nonfinite_counts(r, p):
    fr, fp = np.isfinite(r), np.isfinite(p)
    ref_only = ~fr & fp
    port_only = fr & ~fp
    both = ~fr & ~fp
    same = (np.isnan(r) & np.isnan(p)) | (r == p)
    differ = both & ~same
    return ref_only, port_only, differ


def verdict(rel, mism, atol, rtol, mdb, max_db, nf_bad, match_tol, small_tol):
    close = mism == 0 if (atol > 0 or rtol > 0) else rel <= match_tol
    db_ok = not (max_db > 0) or abs(mdb) <= max_db
    if close and db_ok and not nf_bad:
        return "MATCH"
    if rel <= small_tol:
        return "SMALL DIFF"
    return "LARGE DIFF"


DB_PER_UNIT = {"linear": 0.0, "ln-mag": 20 / math.log(10),
               "ln-power": 10 / math.log(10), "log10-mag": 20.0,
               "log10-power": 10.0, "db": 1.0}


def fsum_pair(rv, pv, opts):
    """The summed metrics with NumPy and math.fsum (values far from
    DBL_MAX); the same keys as exact_pair."""
    n = rv.size
    d = pv - rv
    ad = np.abs(d)
    atol, rtol = opts["atol"], opts["rtol"]
    s_r2, s_p2, s_d2 = math.fsum(rv * rv), math.fsum(pv * pv), math.fsum(d * d)
    ref_zero = s_r2 == 0
    rel = math.sqrt(s_d2) if ref_zero else math.sqrt(s_d2) / math.sqrt(s_r2)
    mr, mp = math.fsum(rv) / n, math.fsum(pv) / n
    cov = math.fsum((rv - mr) * (pv - mp))
    vr, vp = math.fsum((rv - mr) ** 2), math.fsum((pv - mp) ** 2)
    pcc = cov / math.sqrt(vr * vp) if vr > 0 and vp > 0 else math.nan
    cos = (math.fsum(rv * pv) / (math.sqrt(s_r2) * math.sqrt(s_p2))
           if s_r2 > 0 and s_p2 > 0 else math.nan)
    i = int(np.argmax(ad))
    nz = rv != 0
    needed_rtol = float((ad[nz] / np.abs(rv[nz])).max()) if nz.any() else 0.0
    return {"abs_mean": fs(math.fsum(ad) / n), "mean_diff": fs(math.fsum(d) / n),
            "rmse": fs(math.sqrt(s_d2 / n)), "relative": fs(rel),
            "ref_zero": str(int(ref_zero)), "cosine": fs(cos), "pcc": fs(pcc),
            "snr_db": fs(math.inf if s_d2 == 0 else 10 * math.log10(s_r2 / s_d2)),
            "abs_max": fs(ad[i]), "needed_atol": fs(ad[i]), "at": i,
            "needed_rtol": fs(needed_rtol),
            "mismatched": int((ad > atol + rtol * np.abs(rv)).sum())}


def pair_metrics(r, p, opts, ulp_dt, exact=False):
    r, p = r.ravel(), p.ravel()
    both = np.isfinite(r) & np.isfinite(p)
    rv, pv = r[both], p[both]
    atol, rtol = opts["atol"], opts["rtol"]
    ref_only, port_only, differ = nonfinite_counts(r, p)
    out = {"n": str(rv.size),
           "nonfinite_ref_only": str(int(ref_only.sum())),
           "nonfinite_port_only": str(int(port_only.sum())),
           "nonfinite_differ": str(int(differ.sum())),
           "first_nonfinite_only": first_pos(ref_only | port_only)}
    x = exact_pair(rv, pv, atol, rtol) if exact else fsum_pair(rv, pv, opts)
    mism = x.pop("mismatched") + int(ref_only.sum() + port_only.sum() + differ.sum())
    i = x.pop("at")
    flat_pos = np.flatnonzero(both)
    mdb = float(x["mean_diff"]) * DB_PER_UNIT[opts["domain"]]
    out.update(x)
    out.update(abs_max_at=str(int(flat_pos[i])), abs_max_ref=fs(rv[i]),
               abs_max_port=fs(pv[i]), mismatched=str(mism),
               mean_diff_db=fs(mdb), ulp_dtype=ulp_dt or "")
    if ulp_dt:
        ir, ip = ulp_images(rv, ulp_dt), ulp_images(pv, ulp_dt)
        u = [abs(a - b) for a, b in zip(ir, ip)]
        k = int(np.argmax(u)) if max(u) > 0 else -1
        out["max_ulp"] = str(max(u))
        out["max_ulp_at"] = str(int(flat_pos[k])) if k >= 0 else NONE
    else:
        out["max_ulp"], out["max_ulp_at"] = "0", NONE
    nf_bad = bool(ref_only.any() or port_only.any() or differ.any())
    out["verdict"] = verdict(float(x["relative"]), mism, atol, rtol, mdb,
                             opts["max_db"], nf_bad, opts["match_tol"],
                             opts["small_tol"])
    return out


def profile(r, p, axis):
    """Per-index metrics along axis over both-finite pairs."""
    both = np.isfinite(r) & np.isfinite(p)
    rows = {"axis": str(axis), "mean_diff": [], "abs_mean": [], "rmse": [],
            "relative": [], "abs_max": []}
    rr, pp, bb = (np.moveaxis(a, axis, 0) for a in (r, p, both))
    for i in range(rr.shape[0]):
        m = bb[i]
        d = (pp[i][m] - rr[i][m]).ravel()
        rv = rr[i][m].ravel()
        n = d.size
        if n == 0:
            for k in ("mean_diff", "abs_mean", "rmse", "relative", "abs_max"):
                rows[k].append("nan")
            continue
        s2, r2 = math.fsum(d * d), math.fsum(rv * rv)
        rows["mean_diff"].append(fs(math.fsum(d) / n))
        rows["abs_mean"].append(fs(math.fsum(np.abs(d)) / n))
        rows["rmse"].append(fs(math.sqrt(s2 / n)))
        rows["relative"].append(fs(math.sqrt(s2) if r2 == 0 else math.sqrt(s2) / math.sqrt(r2)))
        rows["abs_max"].append(fs(np.abs(d).max()))
    return rows


# ---- the cases -------------------------------------------------------------

# Denormal bit patterns of F16 and BF16: the smallest and the largest
# denormal of each sign (tiny / 4 of a 16-bit format rounds to 0).
F16_DENORMALS = (0x0001, 0x8001, 0x03FF, 0x83FF)
BF16_DENORMALS = (0x0001, 0x8001, 0x007F, 0x807F)


def sprinkle(x, rng, k):
    """Put NaN, ±Inf, -0.0 and denormals at k random places of each kind."""
    f = x.reshape(-1)
    if x.dtype == np.float16:
        for val in (np.nan, np.inf, -np.inf, -0.0):
            f[rng.integers(0, f.size, k)] = val
        bits = f.view(np.uint16)
        for b in F16_DENORMALS:
            bits[rng.integers(0, f.size, k)] = b
        return x
    tiny = np.finfo(x.dtype).tiny
    for val in (np.nan, np.inf, -np.inf, -0.0, tiny / 4, -tiny / 8):
        f[rng.integers(0, f.size, k)] = val
    return x


def sprinkle_bf16(bits, rng, k):
    """The same for raw BF16 bit patterns (uint16)."""
    f = bits.reshape(-1)
    for b in (0x7FC0, 0x7F80, 0xFF80, 0x8000) + BF16_DENORMALS:
        f[rng.integers(0, f.size, k)] = b
    return bits


def require_specials(name, vals):
    """The fixture really holds NaN, ±Inf, -0.0 and denormals (of its own
    dtype: vals are the decoded float64 values, tiny its smallest normal)."""
    v, tiny = vals.ravel(), {"F16": 2.0 ** -14, "BF16": 2.0 ** -126}[name[1]]
    fin = v[np.isfinite(v)]
    have = {"nan": np.isnan(v).any(), "+inf": (v == np.inf).any(),
            "-inf": (v == -np.inf).any(),
            "-0.0": ((fin == 0) & np.signbit(fin)).any(),
            "denormal": ((fin != 0) & (np.abs(fin) < tiny)).any()}
    missing = [k for k, ok in have.items() if not ok]
    if missing:
        raise SystemExit(f"gen_metric_data: {name[0]} lacks {missing}")


def default_opts(**kw):
    o = {"atol": 0.0, "rtol": 0.0, "match_tol": 1e-4, "small_tol": 1e-2,
         "domain": "linear", "max_db": 0.0, "axes": []}
    o.update(kw)
    return o


def make_cases(rng):
    cases = []
    shape = (1, 80, 200)
    mel = rng.uniform(-10.4, 0.0, shape).astype(np.float32)
    port = (mel + rng.normal(0, 1e-3, shape)).astype(np.float32)
    mel2, port2 = sprinkle(mel.copy(), rng, 3), sprinkle(port.copy(), rng, 3)
    port2.reshape(-1)[17] = np.nan  # NaN on both sides at one place
    mel2.reshape(-1)[17] = np.nan
    cases.append(("f32_special", mel2, port2, None, "F32",
                  default_opts(axes=[1, -1], atol=1e-3, rtol=1e-3)))
    off = (mel - np.float32(1.46)).astype(np.float32)
    cases.append(("offset", mel, off, None, "F32",
                  default_opts(axes=[1], domain="ln-mag", max_db=0.5)))
    cases.append(("identical", mel, mel.copy(), None, "F32", default_opts()))
    # mixed magnitudes and heavy cancellation in float64
    n = 200_000
    mag = 10.0 ** rng.uniform(-8, 8, n)
    a = np.where(rng.random(n) < 0.5, -mag, mag)
    a[1::2] = -a[0::2] * (1 + rng.normal(0, 1e-9, n // 2))
    b = a + rng.normal(0, 1, n) * np.abs(a) * 1e-7
    cases.append(("f64_adversarial", sprinkle(a, rng, 2), b, None, "F64",
                  default_opts()))
    off8 = 1e8 + rng.normal(0, 1, 300_000)
    cases.append(("f64_offset", off8, off8 + rng.normal(0, 1e-3, off8.size),
                  None, "F64", default_opts()))
    h = rng.normal(0, 100, (64, 300)).astype(np.float16)
    hp = (h.astype(np.float32) * np.float32(1.001)).astype(np.float16)
    h, hp = sprinkle(h, rng, 2), sprinkle(hp, rng, 2)
    h.reshape(-1).view(np.uint16)[[3, 4]] = [0x0001, 0x83FF]  # denormal pairs
    hp.reshape(-1).view(np.uint16)[[3, 4]] = [0x0002, 0x83FE]  # one ULP apart
    for side, arr in (("ref", h), ("port", hp)):
        require_specials(("f16 " + side, "F16"), arr.astype(np.float64))
    cases.append(("f16", h, hp, None, "F16", default_opts(axes=[0])))
    bref = rng.normal(0, 3, (128, 257)).astype(np.float32)
    bb_r = bf16_bits(bref)
    bb_p = bf16_bits((bref * np.float32(0.999) + np.float32(0.01)).astype(np.float32))
    bb_p.reshape(-1)[[5, 900]] = [0x7F80, 0x7FC0]  # +Inf, NaN in the port only
    bb_r, bb_p = sprinkle_bf16(bb_r, rng, 3), sprinkle_bf16(bb_p, rng, 2)
    # agreeing and disagreeing specials at known places, ref side first
    bb_r.reshape(-1)[[20, 21, 22, 23, 24]] = [0x7FC0, 0x7F80, 0xFF80, 0x8000, 0x0001]
    bb_p.reshape(-1)[[20, 21, 22, 23, 24]] = [0x7FC0, 0x7F80, 0x7F80, 0x0000, 0x8001]
    for side, arr in (("ref", bb_r), ("port", bb_p)):
        require_specials(("bf16 " + side, "BF16"), bf16_values(arr))
    cases.append(("bf16", bb_r, bb_p, "BF16", "BF16", default_opts()))
    cases.append(("f32_vs_f16", h.astype(np.float32) * np.float32(1.0001), h,
                  None, "F16", default_opts(rtol=1e-3)))
    ids = rng.integers(-5000, 5000, (3, 1000)).astype(np.int64)
    ids2 = ids.copy()
    ids2[1, 10:20] += 1
    cases.append(("i64", ids, ids2, "I64", None, default_opts()))
    cases.append(("i32", ids.astype(np.int32), ids2.astype(np.int32), "I32",
                  None, default_opts(atol=0.5)))
    # several batches of 65,536 elements with many exact ties (quantized
    # values), so threads race for the same min/max/abs_max/ULP values
    tq = (np.round(rng.normal(0, 4, (4, 100, 1000)) * 2) / 2).astype(np.float32)
    tp = (tq + np.round(rng.normal(0, 1, tq.shape)) / 4).astype(np.float32)
    tq.reshape(-1)[rng.integers(0, tq.size, 50)] = np.nan
    cases.append(("ties", tq, tp, None, "F32", default_opts(axes=[1, -1, 0])))
    u8 = rng.integers(0, 256, 4096).astype(np.uint8)
    cases.append(("u8", u8, u8.copy(), "U8", None, default_opts()))
    cases += huge_cases(rng)
    return cases


# Cases near DBL_MAX: their metrics come from exact_pair / exact_side.
EXACT = {"f64_one_huge", "f64_huge", "f64_huge_cancel"}
DBL_MAX = np.finfo(np.float64).max


def huge_cases(rng):
    """Finite values whose squares, sums or differences leave the double
    range: one 1e200 among ones (relative must not be 0), and 140,000
    elements (three batches: threads merge exact sums) mixing ordinary
    chunks with chunks holding values up to ±DBL_MAX, 1e155..1e160
    (squares overflow), sign flips (p - r overflows) and NaN/Inf."""
    cases = []
    ones = np.ones(100)
    big = ones.copy()
    big[5] = 1e200
    cases.append(("f64_one_huge", ones, big, None, "F64", default_opts()))
    n = 140_000
    r = rng.normal(0, 1, n) * 10.0 ** rng.uniform(-5, 5, n)
    for lo, hi, k in ((0, 4096, 60), (70_000, 74_096, 40), (131_072, n, 200)):
        at = rng.choice(np.arange(lo, hi), k, replace=False)
        r[at] = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 1.0, k) * DBL_MAX
        r[at[:3]] = [DBL_MAX, -DBL_MAX, DBL_MAX]
    at = rng.choice(np.arange(8192, 12288), 100, replace=False)
    r[at] = rng.choice([-1.0, 1.0], 100) * 10.0 ** rng.uniform(155, 160, 100)
    p = r * (1 + rng.normal(0, 1e-6, n))
    p = np.where(np.isfinite(p), p, r)
    flip = np.flatnonzero(np.abs(r) > 1e300)[::4]
    p[flip] = -r[flip]  # d = -2r: beyond the range
    r[70_010:70_013] = [np.nan, np.inf, -np.inf]  # compaction meets overflow
    p[70_020] = np.nan
    cases.append(("f64_huge", r, p, None, "F64", default_opts(rtol=1e-3)))
    # huge values that cancel: the sums overflow on the way, not at the end
    c = np.tile([1e308, 1e308, -1e308, -1e308, 3.0], 2000)
    cases.append(("f64_huge_cancel", c, c * 0.5, None, "F64", default_opts()))
    return cases


def values(arr, st_dtype):
    if st_dtype == "BF16":
        return bf16_values(arr).reshape(arr.shape)
    return arr.astype(np.float64)


def stats_cases(rng, outdir):
    """Adversarial single tensors (10^6 elements) for parity_stats_tensor."""
    n = 1_000_000
    mag = 10.0 ** rng.uniform(-8, 8, n)
    mixed = np.where(rng.random(n) < 0.5, -mag, mag)
    cancel = mixed.copy()
    cancel[1::2] = -cancel[0::2] * (1 + rng.normal(0, 1e-12, n // 2))
    offset = 1e8 + rng.normal(0, 1, n)
    f32 = (rng.normal(0, 1, n) * 10.0 ** rng.integers(-6, 6, n)).astype(np.float32)
    f32 = sprinkle(f32, rng, 5)
    ramp = np.arange(n, dtype=np.float64) * 1e-3 + 5e7  # trending offset
    # near DBL_MAX: partial sums, squares and x - mean overflow
    huge = rng.normal(0, 1, 20_000) * 10.0 ** rng.uniform(-3, 3, 20_000)
    huge[rng.integers(0, huge.size, 300)] = rng.uniform(-1, 1, 300) * DBL_MAX
    huge[7] = np.nan
    out = {}
    for name, x in (("mixed", mixed), ("cancel", cancel), ("offset", offset),
                    ("f32", f32), ("ramp", ramp),
                    ("max3", np.array([1e308, 1e308, -1e308])),
                    ("allmax", np.full(5000, DBL_MAX)), ("huge", huge)):
        exact = name in ("max3", "allmax", "huge")
        out[name] = {"file": save(outdir, "stats_" + name, "x", x),
                     "stats": side_stats(x.astype(np.float64), exact)}
    return out


def xsum_cases(rng, outdir):
    """Random arrays across the whole exponent range and their fsum."""
    arrays, sums = [], []
    for k in range(60):
        m = int(rng.integers(1, 2000))
        e = rng.integers(-1074, 900, m) if k % 3 else rng.integers(-60, 60, m)
        x = np.ldexp(rng.uniform(0.5, 1, m), e) * rng.choice([-1.0, 1.0], m)
        if k % 4 == 0:  # exact cancellation leaving a tiny remainder
            x = np.concatenate([x, -x, [np.ldexp(1.0, int(rng.integers(-1074, 0)))]])
        rng.shuffle(x)
        arrays.append(x)
        sums.append(fs(math.fsum(x)))
    lens = [str(len(a)) for a in arrays]
    np.concatenate(arrays).tofile(os.path.join(outdir, "xsum_values.bin"))
    return {"lens": lens, "sums": sums}


def main():
    outdir = sys.argv[1]
    part = sys.argv[2] if len(sys.argv) > 2 else "all"
    os.makedirs(outdir, exist_ok=True)
    np.seterr(all="ignore")
    rng = np.random.default_rng(20240611)
    out = {"cases": {}}
    if part in ("all", "stats"):
        out["stats"] = stats_cases(np.random.default_rng(7), outdir)
        out["xsum"] = xsum_cases(np.random.default_rng(8), outdir)
    for name, r, p, st, ulp_dt, opts in make_cases(rng):
        if part not in ("all", "diff"):
            break
        st_r = st
        rv, pv = values(r, st_r), values(p, st_r)
        ex = name in EXACT
        entry = {"ref": save(outdir, name, "ref", r, st_r),
                 "port": save(outdir, name, "port", p, st_r),
                 "opts": {k: (fs(v) if isinstance(v, float) else v)
                          for k, v in opts.items()},
                 "ref_stats": side_stats(rv, ex), "port_stats": side_stats(pv, ex),
                 "diff": pair_metrics(rv, pv, opts, ulp_dt, ex),
                 "profiles": [profile(rv, pv, a) for a in opts["axes"]]}
        out["cases"][name] = entry
    with open(os.path.join(outdir, "metrics.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
