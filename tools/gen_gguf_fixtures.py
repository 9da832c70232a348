#!/usr/bin/python3
"""Write GGUF v3 fixtures with tools/gguf_np.py, and what parity must read
back from them, computed here in NumPy.

usage: gen_gguf_fixtures.py OUTDIR            (test fixtures)
       gen_gguf_fixtures.py --seeds OUTDIR    (small fuzzing seeds)

OUTDIR gets (fixed seeds, so every run writes the same bytes):
  types.gguf        one tensor of every type parity reads (F32, F16, BF16,
                    F64, I8..I64, Q4_0..Q8_0 quantized from random values
                    with ggml's reference quantizers, Q2_K..Q6_K random
                    blocks), a scalar (n_dims 0) and an empty tensor;
                    alignment 64; metadata of every value type, nested
                    arrays and a 150,000-token vocabulary
  <name>.f64        each tensor's values as parity must read them (f64 LE,
                    C order), dequantized from the definition in NumPy
  manifest.txt      name<TAB>dtype<TAB>shape (C order, comma-separated, "-"
                    for a scalar)<TAB>file offset<TAB>stored bytes
  meta.txt          gguf.<key><TAB>the text parity must show (one line per
                    key; values have no tabs or newlines)
  q8_source.safetensors  an F32 tensor [64, 256] (normal, seed fixed)
  q8.gguf           the same tensor in Q8_0 (default alignment 32)
  q8_expected.json  {"relative", "abs_max", "rmse", "mean_diff"} of
                    q8 - source, in f64 with math.fsum
"""
import json
import math
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_np as g  # noqa: E402

RNG = np.random.default_rng(20250112)


def safetensors_bytes(tensors):
    """A safetensors file of F32 tensors {name: array}."""
    header, data, off = {}, b"", 0
    for name, a in tensors.items():
        raw = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + len(raw)]}
        data += raw
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + data


# ---- types.gguf ------------------------------------------------------------

PLAIN = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I8": "i1", "I16": "<i2",
         "I32": "<i4", "I64": "<i8"}


def plain_tensor(tn, shape):
    n = int(np.prod(shape))
    if tn.startswith("I"):
        info = np.iinfo(PLAIN[tn])
        a = RNG.integers(info.min, info.max, size=n, endpoint=True, dtype=np.int64)
        a[:2] = [info.min, info.max][:n]
        return a.astype(PLAIN[tn]).tobytes(), a.astype(np.float64)
    if tn == "BF16":
        bits = RNG.integers(0, 1 << 16, size=n, dtype=np.uint32)
        bits[:4] = [0x0000, 0x8000, 0x7f80, 0x3f80][:n]  # 0, -0, Inf, 1
        vals = (bits << 16).view(np.float32).astype(np.float64)
        return bits.astype("<u2").tobytes(), vals
    a = RNG.standard_normal(n).astype(PLAIN[tn])
    a[:3] = [0.0, -0.0, np.inf][:n]
    return a.tobytes(), a.astype(np.float64)


def quant_tensor(tn, shape):
    n = int(np.prod(shape))
    if tn in g.QUANTIZE:
        x = (RNG.standard_normal(n) * 0.5).astype(np.float32)
        raw = g.QUANTIZE[tn](x)
    else:
        raw = g.random_blocks(tn, n // g.GGML[tn][1], RNG)
    return raw, g.dequantize(tn, raw).astype(np.float64)


TENSORS = [  # name, type, PyTorch shape
    ("token_embd.weight", "F32", (5, 8)),
    ("blk.0.attn_norm.weight", "F16", (16,)),
    ("blk.0.bf16", "BF16", (2, 3, 4)),
    ("blk.0.f64", "F64", (3, 2)),
    ("blk.0.i8", "I8", (7,)),
    ("blk.0.i16", "I16", (2, 5)),
    ("blk.0.i32", "I32", (4, 1, 3)),
    ("blk.0.i64", "I64", (6,)),
    ("blk.0.attn_q.weight", "Q4_0", (4, 64)),
    ("blk.0.attn_k.weight", "Q4_1", (3, 96)),
    ("blk.0.attn_v.weight", "Q5_0", (2, 2, 64)),
    ("blk.0.attn_output.weight", "Q5_1", (5, 32)),
    ("blk.0.ffn_up.weight", "Q8_0", (6, 64)),
    ("blk.1.q2_k", "Q2_K", (3, 256)),
    ("blk.1.q3_k", "Q3_K", (2, 512)),
    ("blk.1.q4_k", "Q4_K", (2, 2, 256)),
    ("blk.1.q5_k", "Q5_K", (3, 256)),
    ("blk.1.q6_k", "Q6_K", (1, 768)),
    ("scalar", "F32", ()),
    ("empty", "F32", (0, 4)),
]


def metadata():
    """(key, type, value) of every kind parity must show."""
    tokens = ["tok%d" % i for i in range(150000)]
    return [
        ("general.architecture", g.STR, "llama"),
        ("general.name", g.STR, "parity fixture \u00fc\u00df \u6f22"),
        ("general.alignment", g.U32, 64),
        ("general.quantization_version", g.U32, 2),
        ("test.u8", g.U8, 200), ("test.i8", g.I8, -100),
        ("test.u16", g.U16, 60000), ("test.i16", g.I16, -30000),
        ("test.u32", g.U32, 4000000000), ("test.i32", g.I32, -2000000000),
        ("test.u64", g.U64, (1 << 63) + 5), ("test.i64", g.I64, -(1 << 62) - 7),
        ("test.f32", g.F32, 0.1), ("test.f32_small", g.F32, -1.5e-5),
        ("test.f64", g.F64, 1.0 / 3.0), ("test.f64_inf", g.F64, float("-inf")),
        ("test.bool_t", g.BOOL, 1), ("test.bool_f", g.BOOL, 0),
        ("test.str_empty", g.STR, ""),
        ("test.arr_i32", g.ARR, (g.I32, [1, -2, 3])),
        ("test.arr_f32", g.ARR, (g.F32, [0.5, -0.25, 0.1])),
        ("test.arr_bool", g.ARR, (g.BOOL, [1, 0])),
        ("test.arr_str", g.ARR, (g.STR, ["a", 'b"c\\', "\u00e9", "tab\there"])),
        ("test.arr_nested", g.ARR, (g.ARR, [(g.U8, [1, 2]), (g.U8, [3]), (g.U8, [])])),
        ("test.arr_deep", g.ARR, (g.ARR, [(g.ARR, [(g.I16, [-1])])])),
        ("test.arr_empty", g.ARR, (g.U8, [])),
        ("test.arr_64", g.ARR, (g.U16, list(range(64)))),
        ("test.arr_65", g.ARR, (g.U16, list(range(65)))),
        ("test.arr_nested_long", g.ARR, (g.ARR, [(g.U8, list(range(70)))])),
        ("test.arr_long_text", g.ARR, (g.STR, ["x" * 100] * 50)),
        ("tokenizer.ggml.tokens", g.ARR, (g.STR, tokens)),
        ("tokenizer.ggml.scores", g.ARR, (g.F32, [float(-i) for i in range(150000)])),
    ]


def write_types(out):
    w = g.GGUFWriter(alignment=64)
    meta_lines = []
    for key, t, v in metadata():
        if t == g.ARR and len(v[1]) > 1000:
            w.add_raw(key, t, g.array_fast(*v))
        else:
            w.add(key, t, v)
        meta_lines.append("gguf.%s\t%s\n" % (key, g.meta_text(t, v)))
    manifest = []
    for name, tn, shape in TENSORS:
        maker = quant_tensor if g.GGML[tn][1] > 1 else plain_tensor
        raw, vals = maker(tn, shape)
        w.tensor(name, tn, shape, raw)
        vals.astype("<f8").tofile(os.path.join(out, name + ".f64"))
        manifest.append([name, tn, ",".join(map(str, shape)) or "-", raw])
    data = w.bytes()
    with open(os.path.join(out, "types.gguf"), "wb") as f:
        f.write(data)
    with open(os.path.join(out, "meta.txt"), "w", encoding="utf-8") as f:
        f.writelines(meta_lines)
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        for (name, tn, shape, raw), off in zip(manifest, w.offsets):
            f.write("%s\t%s\t%s\t%d\t%d\n" % (name, tn, shape, off, len(raw)))


# ---- the Q8_0 round trip --------------------------------------------------

def write_q8(out):
    name = "blk.0.ffn_up.weight"
    src = RNG.standard_normal((64, 256)).astype(np.float32)
    src[0, :32] *= 100.0  # one block of large values: a larger scale
    raw = g.quantize_q8_0(src.reshape(-1))
    deq = g.dequantize("Q8_0", raw).astype(np.float64).reshape(src.shape)
    r = src.astype(np.float64)
    d = deq - r
    w = g.GGUFWriter()
    w.add("general.architecture", g.STR, "llama")
    w.add("general.quantization_version", g.U32, 2)
    w.add("general.file_type", g.U32, 7)  # LLAMA_FTYPE_MOSTLY_Q8_0
    w.tensor(name, "Q8_0", src.shape, raw)
    with open(os.path.join(out, "q8.gguf"), "wb") as f:
        f.write(w.bytes())
    with open(os.path.join(out, "q8_source.safetensors"), "wb") as f:
        f.write(safetensors_bytes({name: src}))
    n = d.size
    sd2 = math.fsum((d * d).ravel())
    expected = {
        "name": name,
        "relative": math.sqrt(sd2) / math.sqrt(math.fsum((r * r).ravel())),
        "abs_max": float(np.max(np.abs(d))),
        "rmse": math.sqrt(sd2 / n),
        "mean_diff": math.fsum(d.ravel()) / n,
    }
    with open(os.path.join(out, "q8_expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


# ---- fuzzing seeds ----------------------------------------------------------

def write_seeds(out):
    """Small valid files: every type, metadata of every kind, v2, lenient
    layouts; each under a few KiB so mutations stay fast."""
    def small(name, tensors, meta=(), alignment=32, version=3):
        w = g.GGUFWriter(alignment=alignment, version=version)
        for key, t, v in meta:
            w.add(key, t, v)
        for tname, tn, shape in tensors:
            maker = quant_tensor if g.GGML[tn][1] > 1 else plain_tensor
            w.tensor(tname, tn, shape, maker(tn, shape)[0])
        with open(os.path.join(out, name), "wb") as f:
            f.write(w.bytes())
    meta = [m for m in metadata() if not m[0].startswith("tokenizer")]
    small("seed_meta_only.gguf", [], meta)
    small("seed_v2.gguf", [("a", "F32", (2, 2))], meta[:3], version=2)
    small("seed_align8.gguf", [("a", "F16", (3,)), ("b", "I32", (2,))],
          [("general.alignment", g.U32, 8)], alignment=8)
    for name, tn, shape in TENSORS:
        if g.GGML[tn][1] > 1:
            small("seed_%s.gguf" % tn.lower(), [(name, tn, shape[-1:])],
                  [("general.architecture", g.STR, "llama")])
    small("seed_plain.gguf", [t for t in TENSORS if g.GGML[t[1]][1] == 1][:8])
    small("seed_empty.gguf", [])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        os.makedirs(sys.argv[2], exist_ok=True)
        write_seeds(sys.argv[2])
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_types(out)
    write_q8(out)


if __name__ == "__main__":
    main()
