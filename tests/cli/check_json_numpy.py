#!/usr/bin/env python3
"""Check `parity diff --format json` against NumPy and math.fsum, and
against its schema docs/diff.schema.json.

Independent reference for the numbers the CLI reports: every metric of
docs/metrics.md recomputed here in float64 with exactly rounded sums, compared at
1e-12 relative (cosine, pcc at 1e-12 absolute). Usage:
    check_json_numpy.py PARITY DATA_DIR
"""
import decimal
import json
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import safetensors_np  # noqa: E402  (the tests' own reader, tests/lib)

FAILS = []


def read_safetensors(path):
    return safetensors_np.read(path)[1]


def near(what, got, want, rel=1e-12, abs_=0.0):
    if got is None or not math.isfinite(want):
        ok = got is None and not math.isfinite(want)
    else:
        ok = abs(got - want) <= max(rel * abs(want), abs_)
    if not ok:
        FAILS.append(f"{what}: parity {got!r}, numpy {want!r}")


def metrics(r, p):
    r = r.astype(np.float64).ravel()
    p = p.astype(np.float64).ravel()
    d = p - r
    n = d.size
    fs = math.fsum
    ssr, ssd, ssp = fs(r * r), fs(d * d), fs(p * p)
    mr, mp = fs(r) / n, fs(p) / n
    cov = fs((r - mr) * (p - mp))
    nz = r != 0
    return {
        "abs_mean": fs(np.abs(d)) / n, "abs_max": float(np.max(np.abs(d))),
        "mean_diff": fs(d) / n, "rmse": math.sqrt(fs(d * d) / n),
        "relative": math.sqrt(ssd) / math.sqrt(ssr),
        "cosine": fs(r * p) / (math.sqrt(ssr) * math.sqrt(ssp)),
        "pcc": cov / math.sqrt(fs((r - mr) ** 2) * fs((p - mp) ** 2)),
        "snr_db": 10 * math.log10(ssr / ssd) if ssd else math.inf,
        "needed_atol": float(np.max(np.abs(d))),
        "needed_rtol": float(np.max(np.abs(d[nz]) / np.abs(r[nz]))),
    }


def side_stats(what, js, a):
    x = a.astype(np.float64).ravel()
    n = x.size
    mean = math.fsum(x) / n
    near(what + ".min", js["min"], float(x.min()))
    near(what + ".max", js["max"], float(x.max()))
    near(what + ".mean", js["mean"], mean)
    near(what + ".std", js["std"], math.sqrt(math.fsum((x - mean) ** 2) / n), rel=1e-10)
    # positions in the tensor as stored, whatever view was compared (an
    # extreme that occurs once: ties are broken in the compared order)
    for k, f in (("argmin", np.argmin), ("argmax", np.argmax)):
        i = int(f(x))
        if np.count_nonzero(x == x[i]) == 1 and js[k] != i:
            FAILS.append(f"{what}.{k}: {js[k]}, NumPy {i}")


SCHEMA = None
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def type_ok(x, t):
    if t == "integer":
        return isinstance(x, int) and not isinstance(x, bool)
    if t == "number":
        return isinstance(x, (int, float)) and not isinstance(x, bool)
    return isinstance(x, TYPES[t])


def validate(x, sch, path="$"):
    """The JSON Schema subset docs/diff.schema.json uses (no network, no
    third-party package): $ref to $defs, anyOf, type, const, enum, minimum,
    pattern, required, properties, patternProperties, additionalProperties, items."""
    import re
    if "$ref" in sch:
        sch = SCHEMA["$defs"][sch["$ref"].split("/")[-1]]
    if "anyOf" in sch:
        before = len(FAILS)
        for alt in sch["anyOf"]:
            mark = len(FAILS)
            validate(x, alt, path)
            if len(FAILS) == mark:
                del FAILS[before:]
                return
        del FAILS[before:]
        FAILS.append(f"schema: {path}: {x!r} matches none of anyOf")
        return
    t = sch.get("type")
    if t and not any(type_ok(x, k) for k in (t if isinstance(t, list) else [t])):
        FAILS.append(f"schema: {path}: {x!r} is not {t}")
        return
    if "const" in sch and x != sch["const"]:
        FAILS.append(f"schema: {path}: {x!r} != {sch['const']!r}")
    if "enum" in sch and x not in sch["enum"]:
        FAILS.append(f"schema: {path}: {x!r} not in {sch['enum']}")
    if "minimum" in sch and isinstance(x, (int, float)) and x < sch["minimum"]:
        FAILS.append(f"schema: {path}: {x!r} < {sch['minimum']}")
    if "pattern" in sch and isinstance(x, str) and not re.search(sch["pattern"], x):
        FAILS.append(f"schema: {path}: {x!r} does not match {sch['pattern']}")
    if isinstance(x, dict):
        for k in sch.get("required", []):
            if k not in x:
                FAILS.append(f"schema: {path}: missing {k}")
        props, pats = sch.get("properties", {}), sch.get("patternProperties", {})
        for k, v in x.items():
            if k in props:
                validate(v, props[k], f"{path}.{k}")
                continue
            pat = [ps for p, ps in pats.items() if re.search(p, k)]
            if pat:
                validate(v, pat[0], f"{path}.{k}")
            elif sch.get("additionalProperties") is False:
                FAILS.append(f"schema: {path}: unexpected {k}")
    if isinstance(x, list) and "items" in sch:
        for i, v in enumerate(x):
            validate(v, sch["items"], f"{path}[{i}]")


def run(parity, args, cwd):
    res = subprocess.run([parity] + args, cwd=cwd, capture_output=True, text=True)
    if res.returncode not in (0, 1):
        FAILS.append(f"parity {' '.join(args)}: exit {res.returncode}: {res.stderr}")
        return None
    doc = json.loads(res.stdout)
    if doc.get("parity") == "diff":
        validate(doc, SCHEMA)
    return doc


def check_pair(name, t, r, p, db_per_unit=0.0):
    m = metrics(r, p)
    for k, v in m.items():
        loose = k in ("cosine", "pcc")
        near(f"{name}.{k}", t["metrics"][k], v, abs_=1e-12 if loose else 0.0)
    if db_per_unit:
        near(f"{name}.mean_diff_db", t["metrics"]["mean_diff_db"], m["mean_diff"] * db_per_unit)
    side_stats(name + ".ref", t["ref"], r)
    side_stats(name + ".port", t["port"], p)


def check_mel(parity, data):
    ref = read_safetensors(os.path.join(data, "mel_ref.safetensors"))
    port = read_safetensors(os.path.join(data, "mel_port.safetensors"))
    js = run(parity, ["diff", "mel_ref.safetensors", "mel_port.safetensors", "--format",
                      "json", "--axis", "1", "--domain", "ln-mag"], data)
    if js is None:
        return
    by = {t["name"]: t for t in js["tensors"]}
    db = 20 / math.log(10)
    for name in ("flow.mu", "decoder.final_proj"):
        check_pair(name, by[name], ref[name], port[name], db)
    t = by["decoder.final_proj"]
    r = ref["decoder.final_proj"].astype(np.float64)
    p = port["decoder.final_proj"].astype(np.float64)
    prof = t["axes"][0]
    if prof["axis"] != 1 or prof["len"] != 80:
        FAILS.append(f"axis profile: {prof['axis']} {prof['len']}")
    for i in range(80):
        m = metrics(r[:, i, :], p[:, i, :])
        for k in ("mean_diff", "abs_mean", "rmse", "relative"):
            near(f"final_proj axis1[{i}].{k}", prof[k][i], m[k])
        near(f"final_proj axis1[{i}].mean_db", (prof.get("mean_db") or [None] * 80)[i],
             m["mean_diff"] * db)
    check_worst("final_proj axis1", prof)
    if by["tokens"]["ints"]["equal"] is not True:
        FAILS.append("tokens should be equal")
    # a port stored transposed, compared after a permutation
    port_t = read_safetensors(os.path.join(data, "mel_port_T.safetensors"))
    js = run(parity, ["diff", "mel_ref.safetensors", "mel_port_T.safetensors", "--format",
                      "json"], data)
    if js is None:
        return
    t = {t["name"]: t for t in js["tensors"]}["decoder.final_proj"]
    if not t["layout"]:
        FAILS.append("mel_port_T: final_proj compared without a layout")
    stored = port_t["decoder.final_proj"]
    side_stats("final_proj (T).port", t["port"], stored)
    view = stored.astype(np.float64).transpose(0, 2, 1)  # the compared order
    for k, f in (("argmin", np.argmin), ("argmax", np.argmax)):
        a, c, b = np.unravel_index(int(f(view.ravel())), view.shape)
        want = int(np.ravel_multi_index((a, b, c), stored.shape))
        if t["port"][k] != want:  # ties too: the first met in the compared order
            FAILS.append(f"final_proj (T).port.{k}: {t['port'][k]}, want {want}")


def check_worst(what, prof):
    """worst: the 5 largest abs_mean, largest first, ties to the lower index."""
    rows = [(-v, i) for i, v in enumerate(prof["abs_mean"]) if v is not None]
    want = [i for _, i in sorted(rows)[:5]]
    if prof.get("worst") != want:
        FAILS.append(f"{what}.worst: parity {prof.get('worst')}, expected {want}")


def check_edge(parity, data):
    """Exact integers, --axis beyond a rank, values near DBL_MAX."""
    e = os.path.join(data, "edge")
    for ref, port in (("ints_ref", "ints_port"), ("u64_ref", "i64_port")):
        js = run(parity, ["diff", f"edge/{ref}.npy", f"edge/{port}.npy", "--format", "json"],
                 data)
        if js is None:
            continue
        a = [int(x) for x in np.load(os.path.join(e, ref + ".npy"))]
        b = [int(x) for x in np.load(os.path.join(e, port + ".npy"))]
        ints = js["tensors"][0]["ints"]
        first = next(i for i in range(len(a)) if a[i] != b[i])
        got = (ints["equal"], ints["n_differ"], ints["first"], ints["first_ref"],
               ints["first_port"], ints["window_ref"], ints["window_port"])
        want = (False, sum(x != y for x, y in zip(a, b)), first, a[first], b[first], a, b)
        if got != want:
            FAILS.append(f"{ref} vs {port}: parity {got}, exact {want}")
    js = run(parity, ["diff", "edge/rank_ref.safetensors", "edge/rank_port.safetensors",
                      "--format", "json", "--axis", "2", "--domain", "ln-power"], data)
    if js is not None:
        ref = read_safetensors(os.path.join(e, "rank_ref.safetensors"))
        port = read_safetensors(os.path.join(e, "rank_port.safetensors"))
        by = {t["name"]: t for t in js["tensors"]}
        if by["vec"].get("axes") or len(by["vec"].get("notes", [])) != 1 or "notes" in by["cube"]:
            FAILS.append(f"--axis 2 on [4] and [2, 3, 4]: {by['vec']} {by['cube'].get('notes')}")
        prof = by["cube"]["axes"][0]
        r, p = ref["cube"].astype(np.float64), port["cube"].astype(np.float64)
        for i in range(4):
            m = metrics(r[:, :, i], p[:, :, i])
            near(f"cube axis2[{i}].abs_mean", prof["abs_mean"][i], m["abs_mean"])
            near(f"cube axis2[{i}].mean_db", (prof.get("mean_db") or [None] * 4)[i],
                 m["mean_diff"] * 10 / math.log(10))
        check_worst("cube axis2", prof)
    js = run(parity, ["diff", "edge/huge_ref.npy", "edge/huge_port.npy", "--format", "json"],
             data)
    if js is not None:  # ones vs one 1e200: exact in 40-digit decimals
        decimal.getcontext().prec = 40
        r = [decimal.Decimal(float(x)) for x in np.load(os.path.join(e, "huge_ref.npy"))]
        p = [decimal.Decimal(float(x)) for x in np.load(os.path.join(e, "huge_port.npy"))]
        ssr, ssp = sum(x * x for x in r), sum(x * x for x in p)
        ssd = sum((y - x) ** 2 for x, y in zip(r, p))
        want = {"relative": (ssd / ssr).sqrt(), "rmse": (ssd / len(r)).sqrt(),
                "cosine": sum(x * y for x, y in zip(r, p)) / (ssr * ssp).sqrt(),
                "mean_diff": sum(y - x for x, y in zip(r, p)) / len(r)}
        t = js["tensors"][0]
        for k, v in want.items():
            near(f"huge.{k}", t["metrics"][k], float(v))
        if t["verdict"] != "LARGE DIFF":
            FAILS.append(f"huge: verdict {t['verdict']}")


def check_dirs(parity, data):
    js = run(parity, ["diff", "python", "swift", "--format", "json"], data)
    if js is None:
        return
    by = {t["name"]: t for t in js["tensors"]}
    for name in ("step3_mu", "step10_mel"):
        r = np.load(os.path.join(data, "python", name + ".npy"))
        p = np.load(os.path.join(data, "swift", name + ".npy"))
        check_pair(name, by[name], r, p)
    tok = by["step1_tokens"]["ints"]
    if (tok["first"], tok["first_ref"], tok["first_port"]) != (0, 708, 21):
        FAILS.append(f"tokens: {tok}")
    if js["only_in_ref"] != ["step4_x0"] or js["only_in_port"] != ["step11_extra"]:
        FAILS.append(f"unpaired: {js['only_in_ref']} {js['only_in_port']}")


def check_ids(parity, data):
    """Sequences and overlaps (edge/ids_*.safetensors): the edit script and
    the overlap against what NumPy says of the same arrays."""
    js = run(parity, ["diff", "edge/ids_ref.safetensors", "edge/ids_port.safetensors",
                      "--format", "json"], data)
    if js is None:
        return
    ref = read_safetensors(os.path.join(data, "edge", "ids_ref.safetensors"))
    port = read_safetensors(os.path.join(data, "edge", "ids_port.safetensors"))
    by = {t["name"]: t for t in js["tensors"]}
    tok = by["tokens"]["ints"]
    if not np.array_equal(ref["tokens"][1:], port["tokens"].astype(np.int64)):
        FAILS.append("ids fixture: tokens are not ref[1:]")
    want = [{"op": "drop", "ref_at": 0, "ref_n": 1, "port_at": 0, "port_n": 0,
             "ref_values": [int(ref["tokens"][0])], "port_values": []}]
    if tok["hunks"] != want or not tok["port_float"] or tok["ref_float"]:
        FAILS.append(f"tokens: {tok}")
    mel = by["mel"]
    n = ref["mel"].shape[1]
    if mel["overlap"] != {"how": "prefix", "axis": 1, "ref_len": n,
                          "port_len": port["mel"].shape[1], "lag": 0, "len": n}:
        FAILS.append(f"mel overlap: {mel['overlap']}")
    if not np.array_equal(ref["mel"], port["mel"][:, :n]) or mel["metrics"]["abs_max"] != 0:
        FAILS.append(f"mel: {mel['metrics']}")
    au = by["audio"]["overlap"]
    lag = au["lag"]
    if au["how"] != "shifted" or not np.array_equal(ref["audio"][lag:], port["audio"]):
        FAILS.append(f"audio overlap: {au}")


def main():
    global SCHEMA
    parity, data = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "docs", "diff.schema.json")) as f:
        SCHEMA = json.load(f)
    check_mel(parity, data)
    check_dirs(parity, data)
    check_edge(parity, data)
    check_ids(parity, data)
    for f in FAILS:
        print("FAIL", f)
    print(f"check_json_numpy: {len(FAILS)} failures")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
