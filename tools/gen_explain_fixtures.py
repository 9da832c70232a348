#!/usr/bin/python3
"""Write the pairs of the `parity explain` CLI golden tests (and the traces
below: explain_ops, explain_inputs, explain_steps, explain_layout):
tests/cli/data/explain/ref/NAME.npy and port/NAME.npy (float32).

usage: gen_explain_fixtures.py [OUTDIR]   (default: tests/cli/data/explain)

One pair per candidate the golden cases show, each port made from its
reference by NumPy with 1e-6 relative noise where noted. The files are
committed; rerun only to change the fixtures on purpose (seeded, so the
bytes repeat).
"""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli", "data", "explain")
rng = np.random.default_rng(20240611)


def noisy(r, p):
    return p + 1e-6 * np.sqrt(np.mean(r ** 2)) * rng.standard_normal(p.shape)


pairs = {}
r = rng.standard_normal((1, 8, 100))
p = r.copy()
p[:, :, :20] += 0.5                       # the prompt frames: +0.5
pairs["region"] = (r, noisy(r, p))
r = rng.standard_normal((1, 8, 64))
p = np.zeros_like(r)
p[:, :, 5:] = r[:, :, :-5]                # lag 5, zeros shifted in
pairs["shift"] = (r, noisy(r, p))
r = rng.standard_normal((1, 8, 64))
pairs["clamp"] = (r, noisy(r, np.minimum(r, 1.0)))
r = rng.standard_normal((1, 8, 64)) - 6.0
pairs["offset"] = (r, noisy(r, r + 2.0))  # a log-mel +2.0 (17.37 dB ln-mag)
r = rng.standard_normal((1, 8, 64))
pairs["uncorr"] = (r, rng.standard_normal(r.shape))   # another RNG
r = rng.standard_normal((1, 8, 64))
pairs["noise"] = (r, r + 0.1 * rng.standard_normal(r.shape))
r = rng.standard_normal((1, 8, 64))
bias = np.arange(8).reshape(1, 8, 1) / 4.0
pairs["chan"] = (r, noisy(r, r + bias))   # a bias per channel
r = rng.standard_normal((1, 8, 32))
perm = np.array([1, 0, 3, 2, 5, 4, 7, 6])
pairs["rows"] = (r, noisy(r, r[:, perm, :]))  # rows swapped in pairs
r = rng.standard_normal((1, 8, 20))       # an activation kept as [B,T,C] in f16
pairs["act"] = (r, r.astype(np.float16).astype(np.float64).transpose(0, 2, 1))
r = rng.standard_normal((4, 6, 3)) * 0.1  # a conv weight [out,in,k] ...
pairs["weight"] = (r, r.reshape(4, 3, 6))  # ... whose bytes are read as [out,k,in]

for side in ("ref", "port"):
    os.makedirs(os.path.join(out, side), exist_ok=True)
for name, (r, p) in pairs.items():
    np.save(os.path.join(out, "ref", name + ".npy"), r.astype(np.float32))
    np.save(os.path.join(out, "port", name + ".npy"), np.ascontiguousarray(p).astype(np.float32))

# A traced pair with data flow (explain_ops/): x -> act -> norm, written as
# the tracers write it ("parity.order", "parity.parents"). The port uses
# ReLU where the reference uses SiLU; its norm inherits the difference.
import json
import struct


def write_trace(path, tensors, parents):
    header, blobs, at = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    header["__metadata__"] = {"parity.order": json.dumps(list(tensors)),
                              "parity.parents": json.dumps(parents)}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


ops = np.random.default_rng(20251202)
x = 2.0 * ops.standard_normal((1, 8, 32))


def rms(v):
    return v / np.sqrt((v ** 2).mean(-1, keepdims=True) + 1e-5)


silu, relu = x / (1 + np.exp(-x)), np.maximum(x, 0)
parents = {"act": ["x"], "norm": ["act"]}
os.makedirs(os.path.join(out, "..", "explain_ops"), exist_ok=True)
write_trace(os.path.join(out, "..", "explain_ops", "ref.safetensors"),
            {"x": x, "act": silu, "norm": rms(silu)}, parents)
write_trace(os.path.join(out, "..", "explain_ops", "port.safetensors"),
            {"x": x, "act": relu, "norm": rms(relu)}, parents)

# A traced pair whose port stores every stage as F16 (explain_inputs/): two
# model inputs of one shape, cond then noise, and mix = tanh(cond + noise)
# with both as its parents. The reference is F32. Every difference is the
# port's own storage rounding: "precision only" for each stage, whatever
# its inputs; noise's input is not cond (a model input has none).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import safetensors_np as st  # noqa: E402  the test suite's safetensors writer

inp = np.random.default_rng(20260310)
cond, noise = inp.standard_normal((1, 8, 32)), inp.standard_normal((1, 8, 32))
stages = {"cond": cond, "noise": noise, "mix": np.tanh(cond + noise)}
meta = {"parity.order": json.dumps(list(stages)), "parity.inputs": json.dumps(["cond", "noise"]),
        "parity.parents": json.dumps({"mix": ["cond", "noise"]})}
os.makedirs(os.path.join(out, "..", "explain_inputs"), exist_ok=True)
for side, dt in (("ref", "F32"), ("port_f16", "F16")):
    st.write(os.path.join(out, "..", "explain_inputs", side + ".safetensors"),
             {n: (dt, v.shape, st.encode(v.astype(np.float32), dt)) for n, v in stages.items()},
             meta)

# A port traced one position per call (explain_steps/): the reference's
# "rope" [1, 6, 8] holds every position along axis 1; the port's "rope",
# "rope#1" .. "rope#5" are [1, 8], one per position, paired step by step
# (rope@k). Position 0 agrees; position k is off by a constant 0.5·k, so
# the series' worst position is @5 and "-t rope" must not stop at @0.
pos = np.random.default_rng(20260311)
rope = pos.standard_normal((1, 6, 8))
os.makedirs(os.path.join(out, "..", "explain_steps"), exist_ok=True)
st.write(os.path.join(out, "..", "explain_steps", "ref.safetensors"),
         {"rope": ("F32", rope.shape, st.encode(rope, "F32"))},
         {"parity.order": json.dumps(["rope"])})
members = {("rope#%d" % k if k else "rope"): rope[:, k] + 0.5 * k for k in range(6)}
st.write(os.path.join(out, "..", "explain_steps", "port.safetensors"),
         {n: ("F32", v.shape, st.encode(v, "F32")) for n, v in members.items()},
         {"parity.order": json.dumps(list(members))})

# A norm whose input is in another layout (explain_layout/): x [1, 16, 40]
# channels-first (a conv's output), norm = LayerNorm over the channels of
# x transposed, [1, 40, 16], as a TTS decoder's first block does. The port
# uses eps 1e-2 where the reference uses 1e-5. The input is brought to the
# stage's layout (permute(0,2,1)) so the norm's eps can be fitted.
lay = np.random.default_rng(20261202)
xl = lay.standard_normal((1, 16, 40)) * 0.3


def layer_norm(v, eps):
    m = v.mean(-1, keepdims=True)
    return (v - m) / np.sqrt(((v - m) ** 2).mean(-1, keepdims=True) + eps)


os.makedirs(os.path.join(out, "..", "explain_layout"), exist_ok=True)
for side, eps in (("ref", 1e-5), ("port", 1e-2)):
    write_trace(os.path.join(out, "..", "explain_layout", side + ".safetensors"),
                {"x": xl, "norm": layer_norm(xl.transpose(0, 2, 1), eps)}, {"norm": ["x"]})
