#!/usr/bin/python3
"""`parity weights --format json` on the fixtures of tests/cli/data/weights
(tools/gen_weights_fixtures.py) against an independent reading: the
reference through torch.load, the MLX port through tests/lib's NumPy
safetensors reader, the GGUF through a minimal tensor-info parser here and
tools/gguf_np.py's dequantizer; each weight's port values put in the
reference's layout by NumPy (transpose, slices of the fused tensors, the
inverse of llama.cpp's RoPE permutation), then:

  relative = sqrt(fsum(d^2)) / sqrt(fsum(r^2)) and abs_max = max|d| equal
  parity's within 1e-12 (relative); the first and last four values equal;
  each finding is the one the conversion calls for, and its claim holds
  in NumPy (BF16/F16 rounding to nearest by torch and NumPy, overflow
  counts, Q8_0 error within one step per block, the scale of 2, the row
  permutation); the summary counts.

usage: check_weights_numpy.py PARITY DATA_DIR
"""
import json
import math
import os
import struct
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import gguf_np  # noqa: E402
import safetensors_np  # noqa: E402

PARITY, DATA = sys.argv[1], sys.argv[2]
W = os.path.join(DATA, "weights")
failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL " + what)


def close(a, b, tol=1e-12):
    return a == b or abs(a - b) <= tol * max(abs(a), abs(b))


def run(*args):
    p = subprocess.run([PARITY, "weights", *args, "--format", "json"], cwd=DATA,
                       capture_output=True, text=True)
    return json.loads(p.stdout), p.returncode


def by_name(doc):
    return {w["name"]: w for w in doc["weights"]}


def jvals(v):
    """A JSON array of numbers as written: NaN is null, infinities "inf"."""
    return np.array([float("nan") if x is None else float(x) for x in v], np.float64)


def measure(w, r, p):
    """parity's numbers for weight w against NumPy's for r and p (float64,
    the reference's layout)."""
    r, p = np.asarray(r, np.float64), np.asarray(p, np.float64)
    check(r.shape == p.shape, "%s: shapes %s %s" % (w["name"], r.shape, p.shape))
    fin = np.isfinite(r) & np.isfinite(p)
    d = (p - r)[fin]
    rn = math.sqrt(math.fsum((r[fin] ** 2).tolist()))
    rel = math.sqrt(math.fsum((d ** 2).tolist())) / rn
    m = w["metrics"]
    check(close(m["relative"], rel), "%s: relative %r, NumPy %r" % (w["name"], m["relative"], rel))
    check(close(m["abs_max"], float(np.max(np.abs(d)))), "%s: abs_max" % w["name"])
    n = min(4, r.size)
    k = min(4, r.size - n)
    for side, a in (("ref", r), ("port", p)):
        flat = a.reshape(-1)
        check(np.array_equal(jvals(w["first"][side]), flat[:n], equal_nan=True),
              "%s: first values of %s" % (w["name"], side))
        check(np.array_equal(jvals(w["last"][side]), flat[r.size - k:r.size], equal_nan=True),
              "%s: last values of %s" % (w["name"], side))
    return rel


def load_pt():
    sd = torch.load(os.path.join(W, "ref.pt"))
    return {k: v.numpy().astype(np.float64) for k, v in sd.items()}, sd


def check_mlx(ref, sd):
    _, port = safetensors_np.read(os.path.join(W, "mlx.safetensors"))
    doc, rc = run("weights/ref.pt", "weights/mlx.safetensors", "--map", "weights/mlx.map")
    check(rc == 1, "mlx: exit %d" % rc)
    ws = by_name(doc)
    p0, p1 = "model.layers.0.", "model.layers.1."
    qkv, gu = port[p0 + "self_attn.qkv_proj.weight"], port[p1 + "mlp.gate_up_proj.weight"]
    views = {"model.conv.weight": port["model.conv.weight"].transpose(0, 2, 1),
             "model.patch.weight": port["model.patch.weight"].transpose(0, 3, 1, 2),
             p0 + "self_attn.q_proj.weight": qkv[0:32], p0 + "self_attn.k_proj.weight": qkv[32:48],
             p0 + "self_attn.v_proj.weight": qkv[48:64], p1 + "mlp.gate_proj.weight": gu[0:32],
             p1 + "mlp.up_proj.weight": gu[32:64], "model.norm.weight": port["model.norm_f.weight"]}
    special = {p0 + "mlp.up_proj.weight": "rounded", p1 + "self_attn.o_proj.weight": "explained"}
    for name, w in ws.items():
        p = views.get(name, port.get(name))
        measure(w, ref[name], p)
        want = special.get(name, "exact")
        check(w["finding"] == want, "%s: finding %s, expected %s" % (name, w["finding"], want))
    bf = torch.from_numpy(sd[p0 + "mlp.up_proj.weight"].numpy()).to(torch.bfloat16).float().numpy()
    check(np.array_equal(bf, port[p0 + "mlp.up_proj.weight"]), "up_proj: not torch's BF16 rounding")
    check(ws[p0 + "mlp.up_proj.weight"]["rounded_to"] == "BF16", "up_proj: rounded_to")
    o = ws[p1 + "self_attn.o_proj.weight"]
    check(o["text"].startswith("scale 2 "), "o_proj: %s" % o["text"])
    check(np.array_equal(port[p1 + "self_attn.o_proj.weight"], 2 * ref[p1 + "self_attn.o_proj.weight"]),
          "o_proj: the port is not 2 x ref")
    for name, start, stop in ((p0 + "self_attn.q_proj.weight", 0, 32), (p0 + "self_attn.k_proj.weight", 32, 48),
                              (p0 + "self_attn.v_proj.weight", 48, 64)):
        f = ws[name]["fused"]
        check(f and f["tensor"] == p0 + "self_attn.qkv_proj.weight" and f["axis"] == 0 and
              (f["start"], f["stop"]) == (start, stop), "%s: fused %s" % (name, f))
    check(ws["model.conv.weight"]["align"] == "permute(0,2,1)", "conv: align")
    check(ws["model.patch.weight"]["align"] == "permute(0,3,1,2)", "patch: align")
    s = doc["summary"]
    check((s["compared"], s["match"], s["small_diff"], s["large_diff"]) == (22, 20, 1, 1), "mlx: summary %s" % s)
    check([t["name"] for t in doc["only_in_ref"]] == [p1 + "mlp.down_proj.weight"], "mlx: only in ref")
    check(doc["only_in_port"] == [], "mlx: only in port")
    t = doc["tied"]
    check(len(t) == 1 and t[0]["same_storage"] and t[0]["not_missing"] == "lm_head.weight", "mlx: tied %s" % t)
    check(sd["lm_head.weight"].data_ptr() == sd["model.embed_tokens.weight"].data_ptr(),
          "ref.pt: lm_head does not share the embedding's storage")
    print("check_weights_numpy: ref.pt vs mlx.safetensors: %d weights, BF16 up_proj relative %.6g"
          % (len(ws), ws[p0 + "mlp.up_proj.weight"]["metrics"]["relative"]))


def read_gguf(path):
    """{name: (type name, shape in C order, raw bytes)} of a GGUF v3 file
    whose metadata holds strings and u32 only (the fixture's)."""
    raw = open(path, "rb").read()
    _, n_t, n_kv = struct.unpack_from("<IQQ", raw, 4)
    at = 24

    def gstr(at):
        (n,) = struct.unpack_from("<Q", raw, at)
        return raw[at + 8:at + 8 + n].decode(), at + 8 + n
    for _ in range(n_kv):
        _, at = gstr(at)
        (t,) = struct.unpack_from("<I", raw, at)
        at += 4
        at = gstr(at)[1] if t == gguf_np.STR else at + 4
    infos = []
    for _ in range(n_t):
        name, at = gstr(at)
        (nd,) = struct.unpack_from("<I", raw, at)
        ne = struct.unpack_from("<%dQ" % nd, raw, at + 4)
        typ, off = struct.unpack_from("<IQ", raw, at + 4 + 8 * nd)
        at += 4 + 8 * nd + 12
        infos.append((name, typ, tuple(reversed(ne)), off))
    base = at + (-at) % 32
    names = {v[0]: k for k, v in gguf_np.GGML.items()}
    out = {}
    for name, typ, shape, off in infos:
        tn = names[typ]
        _, qk, size = gguf_np.GGML[tn]
        n = int(np.prod(shape))
        out[name] = (tn, shape, raw[base + off:base + off + n // qk * size])
    return out


def unrope(w, n_head):
    """The inverse of llama.cpp's permute: interleaved rows back to half-split
    (row head*h + 2i + k holds reference row head*h + k*h/2 + i)."""
    rows, h = w.shape[0], w.shape[0] // n_head
    out = np.empty_like(w)
    for head in range(n_head):
        for i in range(h // 2):
            for k in range(2):
                out[head * h + k * h // 2 + i] = w[head * h + 2 * i + k]
    return out


GGUF_RENAME = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
               "attn_norm.weight": "input_layernorm.weight", "ffn_norm.weight": "post_attention_layernorm.weight",
               "attn_q.weight": "self_attn.q_proj.weight", "attn_k.weight": "self_attn.k_proj.weight",
               "attn_v.weight": "self_attn.v_proj.weight", "attn_output.weight": "self_attn.o_proj.weight",
               "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight",
               "ffn_down.weight": "mlp.down_proj.weight"}


def ref_name(gname):
    if gname in GGUF_RENAME:
        return GGUF_RENAME[gname]
    if gname.startswith("blk."):
        _, i, rest = gname.split(".", 2)
        return "model.layers.%s.%s" % (i, GGUF_RENAME[rest])
    return gname


def check_gguf(ref):
    g = read_gguf(os.path.join(W, "q8.gguf"))
    doc, rc = run("weights/ref.pt", "weights/q8.gguf", "--map", "weights/gguf.map")
    check(rc == 1, "gguf: exit %d" % rc)
    ws = by_name(doc)
    worst = 0.0
    for gname, (tn, shape, raw) in g.items():
        name = ref_name(gname)
        w = ws.get(name)
        check(w is not None and w["port_name"] == gname, "gguf: %s not paired with %s" % (name, gname))
        if w is None:
            continue
        if tn == "F32":
            p = np.frombuffer(raw, "<f4").reshape(shape)
        else:
            p = gguf_np.dequantize(tn, raw).reshape(shape)
        heads = {"q_proj": 4, "k_proj": 2}
        h = [v for k, v in heads.items() if k in name]
        if h:
            p = unrope(p, h[0])
            check(w["rope"] == {"head": 8, "port": "interleaved"}, "%s: rope %s" % (name, w["rope"]))
        else:
            check(w["rope"] is None, "%s: rope %s" % (name, w["rope"]))
        rel = measure(w, ref[name], p)
        want = "quantized" if tn == "Q8_0" else "exact"
        check(w["finding"] == want, "%s: finding %s, expected %s" % (name, w["finding"], want))
        if tn == "Q8_0":   # the claim: every block's error within one step
            # blocks lie in the port's stored row order: the reference
            # permuted as the converter did (llama.cpp's permute)
            r_store = ref[name]
            if h:
                r_store = (r_store.reshape(h[0], 2, r_store.shape[0] // h[0] // 2, -1)
                           .swapaxes(1, 2).reshape(r_store.shape))
            rb = r_store.reshape(-1, 32)
            pb = np.asarray(gguf_np.dequantize(tn, raw), np.float64).reshape(-1, 32)
            amax = np.max(np.abs(rb), axis=1)
            err = np.max(np.abs(pb - rb), axis=1)
            check(bool(np.all(err <= 1.01 * amax / 127 + amax * 2.0 ** -10)), "%s: a block beyond its step" % name)
            check(w["quant_blocks"] == rb.shape[0] and w["quant_bad"] == 0, "%s: blocks" % name)
            worst = max(worst, rel)
    s = doc["summary"]
    check((s["compared"], s["only_in_ref"], s["only_in_port"], s["tied_ref"]) == (23, 0, 0, 1), "gguf: summary %s" % s)
    print("check_weights_numpy: ref.pt vs q8.gguf: %d weights, Q8_0 relative up to %.6g" % (len(ws), worst))


def check_dtypes():
    _, r = safetensors_np.read(os.path.join(W, "dtypes_ref.safetensors"))
    _, p = safetensors_np.read(os.path.join(W, "dtypes_port.safetensors"))
    doc, rc = run("weights/dtypes_ref.safetensors", "weights/dtypes_port.safetensors")
    check(rc == 1, "dtypes: exit %d" % rc)
    ws = by_name(doc)
    big = ws["big"]
    with np.errstate(over="ignore"):
        check(np.array_equal(r["big"].astype(np.float16), p["big"]), "big: not NumPy's F16 rounding")
    n_over = int(np.sum(np.isfinite(r["big"]) & np.isinf(p["big"].astype(np.float64))))
    check(big["finding"] == "rounded" and big["rounded_to"] == "F16" and big["n_overflow"] == n_over == 3,
          "big: %s %s" % (big["finding"], big["n_overflow"]))
    small = ws["small"]
    measure(small, r["small"], p["small"])
    check(np.array_equal(r["small"].astype(np.float16), p["small"]), "small: not NumPy's F16 rounding")
    check(small["finding"] == "rounded" and small["rounded_to"] == "F16", "small: %s" % small["finding"])
    rows = ws["rows"]
    match = [int(np.flatnonzero((r["rows"] == row).all(axis=1))[0]) for row in p["rows"]]
    check(rows["finding"] == "rows" and rows["rows_moved"] == sum(i != j for i, j in enumerate(match)),
          "rows: %s %s" % (rows["finding"], rows["rows_moved"]))
    check("reference row " + " ".join(map(str, match)) in rows["text"], "rows: %s" % rows["text"])
    check(ws["count"]["finding"] == "exact" and ws["count"]["kind"] == "int", "count")
    print("check_weights_numpy: dtypes: %d values overflowed to inf, rows %s" % (n_over, match))


def check_apart():
    doc, rc = run("weights/apart_ref.safetensors", "weights/apart_port.safetensors")
    s = doc["summary"]
    check(rc == 1 and s["compared"] == 0 and s["ref_weights"] == 2 and s["differs"], "apart: %s" % s)


def check_copies():
    """Ties are what torch.load shares (one storage); equal values are not."""
    sd = torch.load(os.path.join(W, "copies_ref.pt"))
    _, port = safetensors_np.read(os.path.join(W, "copies_port.safetensors"))
    ptr = {k: v.storage().data_ptr() for k, v in sd.items()}
    names = list(sd)
    shared = sorted(sorted([a, b]) for i, a in enumerate(names) for b in names[i + 1:]
                    if ptr[a] == ptr[b])
    for ref in ("weights/copies_ref.pt", "weights/copies_ref.safetensors"):
        pt = ref.endswith(".pt")
        doc, rc = run(ref, "weights/copies_port.safetensors")
        tied = sorted(sorted([t["name"], t["same_as"]]) for t in doc["tied"])
        check(tied == (shared if pt else []), "%s: tied %s, torch shares %s" % (ref, tied, shared))

        def accounted(k):  # a .pt name whose storage another name brings to the port
            return pt and any(o != k and ptr[o] == ptr[k] and o in port for o in sd)
        missing = sorted(k for k in sd if k not in port and not accounted(k))
        only = {t["name"]: t["identical_to"] for t in doc["only_in_ref"]}
        check(sorted(only) == missing and rc == 1, "%s: only in ref %s, expected %s" % (ref, only, missing))
        for k, same in only.items():
            check(same is not None and torch.equal(sd[k], sd[same]) and same in port,
                  "%s: %s identical to %s" % (ref, k, same))
    print("check_weights_numpy: copies: tied %s, deep copies only in ref" % shared)


def check_gpt2():
    """Every part of a fused [in, 3 * out] qkv, square or not, is its slice along
    axis 1 transposed."""
    sd = torch.load(os.path.join(W, "gpt2_ref.pt"))
    _, port = safetensors_np.read(os.path.join(W, "gpt2_port.safetensors"))
    doc, rc = run("weights/gpt2_ref.pt", "weights/gpt2_port.safetensors")
    ws = by_name(doc)
    check(rc == 0 and sorted(ws) == sorted(sd), "gpt2: rc %d, weights %s" % (rc, sorted(ws)))
    for name, w in ws.items():
        f = w["fused"]
        part = port[f["tensor"]][:, f["start"]:f["stop"]].T
        check(f["axis"] == 1 and w["layout"].endswith("; permute(1,0)") and w["verdict"] == "MATCH"
              and np.array_equal(part, sd[name].numpy()), "gpt2: %s %s" % (name, w["layout"]))
    print("check_weights_numpy: gpt2: %d parts of [in, 3 * out] qkv, each its slice transposed" % len(ws))


def main():
    ref, sd = load_pt()
    check_mlx(ref, sd)
    check_gguf(ref)
    check_dtypes()
    check_apart()
    check_copies()
    check_gpt2()
    print("check_weights_numpy: %d of %d checks passed" % (checked - len(failures), checked))
    sys.exit(1 if failures else 0)


main()
