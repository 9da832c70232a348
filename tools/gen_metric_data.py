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
"""
import json
import math
import os
import struct
import sys

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


# ---- the independent metrics --------------------------------------------

def first_pos(mask):
    idx = np.flatnonzero(mask)
    return str(int(idx[0])) if len(idx) else NONE


def side_stats(x):
    x = x.ravel()
    fin = np.isfinite(x)
    v = x[fin]
    out = {"count": str(x.size), "n_finite": str(v.size),
           "n_nan": str(int(np.isnan(x).sum())),
           "n_posinf": str(int((x == np.inf).sum())),
           "n_neginf": str(int((x == -np.inf).sum())),
           "n_zero": str(int((v == 0).sum())),
           "sum": fs(math.fsum(v)), "sumsq": fs(math.fsum(v * v))}
    if v.size == 0:
        out.update(min="nan", max="nan", argmin=NONE, argmax=NONE,
                   mean="nan", std="nan")
        return out
    xm = np.where(fin, x, np.inf)
    xM = np.where(fin, x, -np.inf)
    mean = math.fsum(v) / v.size
    out.update(min=fs(v.min()), max=fs(v.max()),
               argmin=str(int(np.argmin(xm))), argmax=str(int(np.argmax(xM))),
               mean=fs(mean),
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


def pair_metrics(r, p, opts, ulp_dt):
    r, p = r.ravel(), p.ravel()
    both = np.isfinite(r) & np.isfinite(p)
    rv, pv = r[both], p[both]
    n = rv.size
    d = pv - rv
    ad = np.abs(d)
    atol, rtol = opts["atol"], opts["rtol"]
    ref_only, port_only, differ = nonfinite_counts(r, p)
    mism = int((ad > atol + rtol * np.abs(rv)).sum())
    mism += int(ref_only.sum() + port_only.sum() + differ.sum())
    out = {"n": str(n), "mismatched": str(mism),
           "nonfinite_ref_only": str(int(ref_only.sum())),
           "nonfinite_port_only": str(int(port_only.sum())),
           "nonfinite_differ": str(int(differ.sum())),
           "first_nonfinite_only": first_pos(ref_only | port_only)}
    s_r2, s_p2, s_d2 = math.fsum(rv * rv), math.fsum(pv * pv), math.fsum(d * d)
    ref_zero = s_r2 == 0
    rel = math.sqrt(s_d2) if ref_zero else math.sqrt(s_d2) / math.sqrt(s_r2)
    mean_diff = math.fsum(d) / n
    mr, mp = math.fsum(rv) / n, math.fsum(pv) / n
    cov = math.fsum((rv - mr) * (pv - mp))
    vr, vp = math.fsum((rv - mr) ** 2), math.fsum((pv - mp) ** 2)
    pcc = cov / math.sqrt(vr * vp) if vr > 0 and vp > 0 else math.nan
    cos = (math.fsum(rv * pv) / (math.sqrt(s_r2) * math.sqrt(s_p2))
           if s_r2 > 0 and s_p2 > 0 else math.nan)
    flat_pos = np.flatnonzero(both)
    i = int(np.argmax(ad))
    nz = rv != 0
    needed_rtol = float((ad[nz] / np.abs(rv[nz])).max()) if nz.any() else 0.0
    mdb = mean_diff * DB_PER_UNIT[opts["domain"]]
    out.update(abs_mean=fs(math.fsum(ad) / n), abs_max=fs(ad[i]),
               abs_max_at=str(int(flat_pos[i])), abs_max_ref=fs(rv[i]),
               abs_max_port=fs(pv[i]), mean_diff=fs(mean_diff),
               rmse=fs(math.sqrt(s_d2 / n)), relative=fs(rel),
               ref_zero=str(int(ref_zero)), cosine=fs(cos), pcc=fs(pcc),
               snr_db=fs(math.inf if s_d2 == 0 else 10 * math.log10(s_r2 / s_d2)),
               needed_atol=fs(ad[i]), needed_rtol=fs(needed_rtol),
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
    out["verdict"] = verdict(rel, mism, atol, rtol, mdb, opts["max_db"], nf_bad,
                             opts["match_tol"], opts["small_tol"])
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

def sprinkle(x, rng, k):
    """Put NaN, ±Inf, -0.0 and denormals at k random places of each kind."""
    f = x.reshape(-1)
    tiny = np.finfo(x.dtype).tiny if x.dtype != np.float16 else np.float16(6e-8)
    for val in (np.nan, np.inf, -np.inf, -0.0, tiny / 4, -tiny / 8):
        f[rng.integers(0, f.size, k)] = val
    return x


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
    cases.append(("f16", sprinkle(h, rng, 2), sprinkle(hp, rng, 2), None, "F16",
                  default_opts(axes=[0])))
    bref = rng.normal(0, 3, (128, 257)).astype(np.float32)
    bb_r = bf16_bits(bref)
    bb_p = bf16_bits((bref * np.float32(0.999) + np.float32(0.01)).astype(np.float32))
    bb_p.reshape(-1)[[5, 900]] = [0x7F80, 0x7FC0]  # +Inf, NaN in the port only
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
    out = {}
    for name, x in (("mixed", mixed), ("cancel", cancel), ("offset", offset),
                    ("f32", f32), ("ramp", ramp)):
        out[name] = {"file": save(outdir, "stats_" + name, "x", x),
                     "stats": side_stats(x.astype(np.float64))}
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
        entry = {"ref": save(outdir, name, "ref", r, st_r),
                 "port": save(outdir, name, "port", p, st_r),
                 "opts": {k: (fs(v) if isinstance(v, float) else v)
                          for k, v in opts.items()},
                 "ref_stats": side_stats(rv), "port_stats": side_stats(pv),
                 "diff": pair_metrics(rv, pv, opts, ulp_dt),
                 "profiles": [profile(rv, pv, a) for a in opts["axes"]]}
        out["cases"][name] = entry
    with open(os.path.join(outdir, "metrics.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
