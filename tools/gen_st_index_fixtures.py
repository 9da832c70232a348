#!/usr/bin/python3
"""Write a sharded safetensors checkpoint as Hugging Face's save_pretrained
lays it out, and the same tensors in one file.

usage: gen_st_index_fixtures.py OUTDIR           (test fixtures)
       gen_st_index_fixtures.py --seeds CORPUS SHARDS
                                                 (fuzzing seeds: index JSON
                                                 texts into CORPUS, the
                                                 shards they name into
                                                 SHARDS)

OUTDIR gets model-0000K-of-00003.safetensors (each with __metadata__
{"format": "pt"}, as transformers writes them), model.safetensors.index.json
(json.dumps(index, indent=2, sort_keys=True) + "\\n", transformers' own
spelling: {"metadata": {"total_size": N}, "weight_map": {...}}, total_size
the sum of the tensors' bytes), and single.safetensors with every tensor.
The safetensors package is not needed: files are assembled per the format.
Values come from NumPy with a fixed seed.
"""
import json
import os
import struct
import sys

import numpy as np

RNG = np.random.default_rng(20250113)
DT = {"F32": "<f4", "F16": "<f2", "I64": "<i8", "U8": "u1", "BF16": "<u2"}


def st_bytes(tensors, meta=None):
    """A safetensors file: tensors is [(name, dtype, shape, raw bytes)]."""
    header, off = {}, 0
    if meta is not None:
        header["__metadata__"] = meta
    for name, dt, shape, raw in tensors:
        header[name] = {"dtype": dt, "shape": list(shape),
                        "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(t[3] for t in tensors)


def tensor(name, dt, shape):
    n = int(np.prod(shape))
    if dt == "BF16":
        raw = (RNG.standard_normal(n).astype("<f4").view("<u4") >> 16).astype("<u2")
    elif dt in ("I64", "U8"):
        raw = RNG.integers(0, 200, size=n).astype(DT[dt])
    else:
        raw = RNG.standard_normal(n).astype(DT[dt])
    return (name, dt, shape, raw.tobytes())


def checkpoint():
    """Three shards of a tiny decoder, as save_pretrained splits it."""
    layers = []
    for i in range(2):
        p = "model.layers.%d." % i
        layers += [tensor(p + "self_attn.q_proj.weight", "BF16", (8, 8)),
                   tensor(p + "self_attn.k_proj.weight", "BF16", (4, 8)),
                   tensor(p + "mlp.up_proj.weight", "F16", (16, 8)),
                   tensor(p + "input_layernorm.weight", "F32", (8,))]
    return [
        [tensor("model.embed_tokens.weight", "F32", (32, 8)),
         tensor("model.position_ids", "I64", (1, 16))] + layers[:4],
        layers[4:],
        [tensor("model.norm.weight", "F32", (8,)),
         tensor("lm_head.weight", "F32", (32, 8)),
         tensor("model.mask", "U8", (3, 3))],
    ]


def write_sharded(out, shards, index_name="model.safetensors.index.json",
                  pattern="model-%05d-of-%05d.safetensors"):
    weight_map, total = {}, 0
    for k, ts in enumerate(shards):
        fname = pattern % (k + 1, len(shards))
        with open(os.path.join(out, fname), "wb") as f:
            f.write(st_bytes(ts, {"format": "pt"}))
        for name, _, _, raw in ts:
            weight_map[name] = fname
            total += len(raw)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(out, index_name), "w") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return index


def seeds(corpus, shard_dir):
    """Two small shards and index texts naming them: valid, lenient-only,
    and a few near misses, so mutations reach every check."""
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(shard_dir, exist_ok=True)
    a = [tensor("w1", "F32", (2, 2)), tensor("w2", "F16", (3,))]
    b = [tensor("b1", "I64", (2,))]
    for fname, ts in (("a.safetensors", a), ("b.safetensors", b)):
        with open(os.path.join(shard_dir, fname), "wb") as f:
            f.write(st_bytes(ts, {"format": "pt"}))
    total = sum(len(t[3]) for t in a + b)
    wm = {"w1": "a.safetensors", "w2": "a.safetensors", "b1": "b.safetensors"}
    texts = {
        "valid": json.dumps({"metadata": {"total_size": total}, "weight_map": wm},
                            indent=2, sort_keys=True) + "\n",
        "valid_compact": json.dumps({"weight_map": wm}, separators=(",", ":")),
        "extra_metadata": json.dumps({"metadata": {"total_size": total,
                                                   "format": "pt"},
                                      "weight_map": wm}),
        "wrong_total": json.dumps({"metadata": {"total_size": total + 1},
                                   "weight_map": wm}),
        "unlisted": json.dumps({"weight_map": {"w1": "a.safetensors"}}),
        "wrong_shard": json.dumps({"weight_map": dict(wm, w1="b.safetensors")}),
        "traversal": json.dumps({"weight_map": dict(wm, w1="../a.safetensors")}),
        "missing": json.dumps({"weight_map": dict(wm, w1="c.safetensors")}),
        "extra_key": json.dumps({"weight_map": wm, "other": 1}),
    }
    for name, text in texts.items():
        with open(os.path.join(corpus, "seed_%s.json" % name), "w") as f:
            f.write(text)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--seeds":
        seeds(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    shards = checkpoint()
    write_sharded(out, shards)
    with open(os.path.join(out, "single.safetensors"), "wb") as f:
        f.write(st_bytes([t for s in shards for t in s]))


if __name__ == "__main__":
    main()
