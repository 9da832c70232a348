#!/usr/bin/env python3
"""Two sharded safetensors checkpoints for the Slurm test (run_slurm.sh):
ref in 4 shards, port in 3 shards cut elsewhere, each with the
model.safetensors.index.json that names a tensor's shard, as Hugging Face
writes them. The port holds the ref's values with a few tensors changed
(noise, a BF16 copy, a NaN, a changed id), one tensor only in the ref and
one only in the port; one tensor has more than 2^20 elements, so
parity diff --slice cuts it into ranges across tasks.

Usage: make_shards.py DIR   (writes DIR/ref/ and DIR/port/)
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from safetensors_np import encode, write  # noqa: E402  (the tests' own, tests/lib)

RNG = np.random.default_rng(1414)


def write_st(path, tensors):
    """A safetensors file of {name: (dtype, shape, values)}, in order."""
    write(path, {k: (dt, shape, encode(x, dt)) for k, (dt, shape, x) in tensors.items()})


def write_sharded(folder, tensors, n_shards):
    """tensors cut into n_shards files in order, and their index."""
    os.makedirs(folder, exist_ok=True)
    names = list(tensors)
    weight_map, total = {}, 0
    for s in range(n_shards):
        part = names[s * len(names) // n_shards:(s + 1) * len(names) // n_shards]
        fname = f"model-{s + 1:05d}-of-{n_shards:05d}.safetensors"
        write_st(os.path.join(folder, fname), {k: tensors[k] for k in part})
        weight_map.update({k: fname for k in part})
        total += sum(len(encode(tensors[k][2], tensors[k][0])) for k in part)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)


def main():
    out = sys.argv[1]
    ref = {"embed.weight": ("F32", (3 << 19, 1), RNG.standard_normal(3 << 19))}
    for i in range(12):
        w = RNG.standard_normal((64, 48 + i))
        ref[f"layers.{i}.attn.weight"] = ("F32", w.shape, w)
        ref[f"layers.{i}.norm.weight"] = ("F16", (64,), 1 + RNG.standard_normal(64) / 8)
    ref["lm_head.weight"] = ("BF16", (96, 64), RNG.standard_normal((96, 64)))
    ref["token_ids"] = ("I64", (40,), RNG.integers(0, 32000, 40))
    ref["only.in.ref"] = ("F32", (8,), np.arange(8.0))

    port = {k: v for k, v in ref.items() if k != "only.in.ref"}
    dt, shape, x = port["embed.weight"]
    x = x.copy()
    x[RNG.choice(x.size, 1000, replace=False)] += 1e-3
    x[777777] = np.nan
    port["embed.weight"] = (dt, shape, x)
    dt, shape, x = port["layers.3.attn.weight"]
    port["layers.3.attn.weight"] = (dt, shape, x * 1.01)
    dt, shape, x = port["layers.7.attn.weight"]
    port["layers.7.attn.weight"] = ("BF16", shape, x)
    ids = port["token_ids"][2].copy()
    ids[5] += 1
    port["token_ids"] = ("I64", (40,), ids)
    port["only.in.port"] = ("F32", (4,), np.ones(4))

    write_sharded(os.path.join(out, "ref"), ref, 4)
    write_sharded(os.path.join(out, "port"), port, 3)


if __name__ == "__main__":
    main()
