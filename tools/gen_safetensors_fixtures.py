#!/usr/bin/python3
"""Write valid safetensors fixtures byte by byte, each tensor with a .npy twin.

Usage: gen_safetensors_fixtures.py OUTDIR
       gen_safetensors_fixtures.py --seeds OUTDIR   (small fuzzing seeds)

The `safetensors` package is not needed: files are assembled per the format
(u64 LE header length, JSON header padded with spaces to a multiple of 8,
then the data buffer). Values come from NumPy with a fixed seed; BF16 bits
come from PyTorch's own float32 -> bfloat16 rounding when torch is present.
Every tensor also goes to OUTDIR/<file>.<name>.npy holding the exact stored
bytes (BF16 and F8 as uint16/uint8 bit patterns, C64 as complex64), and
OUTDIR/manifest.txt lists, one line per tensor:

    file<TAB>name<TAB>dtype parity reports<TAB>shape parity reports<TAB>npy

so the C test checks names, dtypes, shapes and the bytes bit for bit.
"""
import json
import os
import re
import struct
import sys

import numpy as np

try:
    import torch
except ImportError:  # BF16 then falls back to truncation-free rounding below
    torch = None

RNG = np.random.default_rng(20240601)

SPECIAL = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-40, 65504.0,
           3.4e38, -2.5e-8]


def floats(shape, dt):
    """Random values with special ones (NaN, Inf, -0, subnormals) first."""
    n = int(np.prod(shape, dtype=np.int64))
    x = RNG.standard_normal(n) * 10.0 ** RNG.integers(-3, 4, n)
    k = min(n, len(SPECIAL))
    x[:k] = SPECIAL[:k]
    with np.errstate(over="ignore"):
        return x.astype(dt).reshape(shape)


def ints(shape, dt):
    info = np.iinfo(dt)
    n = int(np.prod(shape, dtype=np.int64))
    x = RNG.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    if n >= 2:
        x[0], x[1] = info.min, info.max
    return x.reshape(shape)


def bf16_bits(shape):
    f = floats(shape, np.float32)
    if torch is not None:
        t = torch.from_numpy(f.copy()).to(torch.bfloat16)
        return t.view(torch.int16).numpy().view(np.uint16).reshape(shape)
    u = f.view(np.uint32).astype(np.uint64)  # round to nearest even
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16).reshape(shape)


def bytes8(shape):
    n = int(np.prod(shape, dtype=np.int64))
    x = RNG.integers(0, 256, n, dtype=np.uint8)
    x[: min(n, 4)] = [0x00, 0x80, 0x7F, 0xFF][: min(n, 4)]
    return x.reshape(shape)


def complex64(shape):
    re = floats(shape, np.float32)
    im = floats(shape, np.float32)[..., ::-1].copy() if shape else floats(
        shape, np.float32)
    return (re + 1j * im).astype(np.complex64)


# (safetensors dtype, dtype parity reports, shape, maker)
TENSORS = [
    ("F64", "F64", [3, 4], lambda s: floats(s, np.float64)),
    ("F32", "F32", [2, 3, 5], lambda s: floats(s, np.float32)),
    ("F16", "F16", [17], lambda s: floats(s, np.float16)),
    ("BF16", "BF16", [4, 4], bf16_bits),
    ("F8_E4M3", "F8_E4M3", [2, 8], bytes8),
    ("F8_E5M2", "F8_E5M2", [16], bytes8),
    ("F8_E4M3FNUZ", "F8_E4M3FNUZ", [1, 1, 9], bytes8),
    ("F8_E5M2FNUZ", "F8_E5M2FNUZ", [5], bytes8),
    ("F8_E8M0", "F8_E8M0", [7], bytes8),
    ("I64", "I64", [6], lambda s: ints(s, np.int64)),
    ("I32", "I32", [2, 2], lambda s: ints(s, np.int32)),
    ("I16", "I16", [3], lambda s: ints(s, np.int16)),
    ("I8", "I8", [10], lambda s: ints(s, np.int8)),
    ("U64", "U64", [4], lambda s: ints(s, np.uint64)),
    ("U32", "U32", [4], lambda s: ints(s, np.uint32)),
    ("U16", "U16", [4], lambda s: ints(s, np.uint16)),
    ("U8", "U8", [4], lambda s: ints(s, np.uint8)),
    ("BOOL", "BOOL", [3, 3], lambda s: RNG.integers(0, 2, s).astype(bool)),
    ("C64", "F32", [3], complex64),
]


def write_safetensors(path, entries, metadata=None, reverse_data=False):
    """entries: list of (name, dtype, shape, raw bytes). Header keys keep the
    list order; with reverse_data the data buffer holds them back to front,
    so a reader must really follow data_offsets."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    layout = list(reversed(entries)) if reverse_data else entries
    offsets, at = {}, 0
    for name, _, _, raw in layout:
        offsets[name] = (at, at + len(raw))
        at += len(raw)
    for name, dt, shape, _ in entries:
        header[name] = {"dtype": dt, "shape": shape,
                        "data_offsets": list(offsets[name])}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, raw in layout:
            f.write(raw)


def add(out, manifest, fname, name, pdt, shape, arr):
    npy = "%s.%s.npy" % (fname, re.sub(r"[^A-Za-z0-9_]", "_", name))
    np.save(os.path.join(out, npy), arr)
    pshape = list(shape) + ([2] if arr.dtype == np.complex64 else [])
    manifest.append("\t".join([fname, name, pdt,
                               ",".join(str(d) for d in pshape), npy]))


def raw_file(path, header, data):
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)


def seeds(out):
    """Small, valid inputs covering the reader's accepting paths."""
    os.makedirs(out, exist_ok=True)
    i32 = np.array([1, 2, 3, -4], dtype="<i4").tobytes()
    raw_file(os.path.join(out, "readme_example.safetensors"),
             b'{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]},'
             b'"__metadata__":{"foo":"bar"}}', i32)
    c64 = np.array([1 + 2j, -0.5j], dtype=np.complex64)
    write_safetensors(os.path.join(out, "c64.safetensors"),
                      [("z", "C64", [2], c64.tobytes())])
    write_safetensors(os.path.join(out, "zero_size.safetensors"),
                      [("a", "F16", [0, 3], b""), ("b", "U8", [2], b"\1\0"),
                       ("c", "I64", [4, 0], b"")], {"k": ""})
    raw_file(os.path.join(out, "lenient_whitespace.safetensors"),
             b' \n{"x":{"dtype":"BOOL","shape":[],"data_offsets":[0,1],'
             b'"extra":[1.5]}}\t\r ', b"\2")
    write_safetensors(os.path.join(out, "metadata_only.safetensors"), [],
                      {"parity.order": "[]", "parity.inputs": '["x"]'})


def main():
    if sys.argv[1] == "--seeds":
        seeds(sys.argv[2])
        return
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = []
    entries = []
    for st_dt, pdt, shape, make in TENSORS:
        arr = np.ascontiguousarray(make(shape))
        name = "t_" + st_dt.lower()
        entries.append((name, st_dt, shape, arr.tobytes()))
        add(out, manifest, "all_dtypes.safetensors", name, pdt, shape, arr)
    # Edge shapes: a scalar, zero-size tensors, a name needing JSON escapes.
    for name, shape in [("scalar", []), ("empty", [0]), ("empty2", [3, 0, 2]),
                        ("enc/o\u00e9\"d\\", [2])]:
        arr = floats(shape, np.float32)
        entries.append((name, "F32", shape, arr.tobytes()))
        add(out, manifest, "all_dtypes.safetensors", name, "F32", shape, arr)
    meta = {"format": "pt", "parity.order": json.dumps(
        [e[0] for e in entries]), "note": "caf\u00e9 \u2713"}
    write_safetensors(os.path.join(out, "all_dtypes.safetensors"), entries,
                      meta, reverse_data=True)
    one = floats([2, 3], np.float32)
    write_safetensors(os.path.join(out, "single.safetensors"),
                      [("only", "F32", [2, 3], one.tobytes())])
    add(out, manifest, "single.safetensors", "only", "F32", [2, 3], one)
    write_safetensors(os.path.join(out, "empty.safetensors"), [], {})
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
