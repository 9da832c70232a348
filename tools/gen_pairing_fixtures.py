#!/usr/bin/env python3
"""Generate the fixtures of pairing by content (tests/cli/data/pairing/).

    /usr/bin/python3 tools/gen_pairing_fixtures.py [OUTDIR]

A PyTorch model of two nn.TransformerEncoderLayer blocks (d_model 32, 4
heads, feed-forward 64, 10 tokens, batch 1, seed 0) is traced with the
Python tracer under torch.no_grad(), and ported by hand to NumPy the way a
port is written: its own stage names, every [tokens, 1, features] stage
stored channel-major as [features, tokens], no dropout stages. Ports:

ref.safetensors        the reference trace (parity_trace, functional=True)
port_gelu/             a folder of .npy files (no recorded order), the
                       feed-forward activation of block 1 a tanh-GELU where
                       the reference has ReLU (the planted bug)
port_gelu.truth.json   port name -> the reference stage it is
port_wt.safetensors    traced by parity_trace from NumPy (execution order
                       recorded): records q, k and v of each block (stages
                       the reference does not have), omits block 0's norm1,
                       and uses the transposed out_proj weight in block 0
                       (its attention output no longer correlates)
port_wt.truth.json
apart_ref.safetensors  two traces that share no name and hold unrelated
apart_port.safetensors values of other shapes: nothing pairs, by name or
                       by content
"""
import json
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from parity_trace import Tracer  # noqa: E402

T, D, H, FF = 10, 32, 4, 64


def model_and_input():
    torch.manual_seed(0)
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF), 2).eval()
    return model, torch.randn(T, 1, D)


def trace_reference(out):
    model, x = model_and_input()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad(), Tracer(os.path.join(out, "ref.safetensors")) as t:
            t.add("x", x, input=True)
            t.hook(model, functional=True)
            model(x)
    return model, x


def layer_norm(h, g, b):
    m = h.mean(-1, keepdims=True)
    v = ((h - m) ** 2).mean(-1, keepdims=True)
    return (h - m) / np.sqrt(v + 1e-5) * g + b


class Recorder:
    """Where the NumPy port puts its stages: a folder of .npy files, or a
    trace written by parity_trace (execution order recorded)."""

    def __init__(self, out, name, traced):
        self.truth = {}
        self.out, self.name, self.tracer = out, name, None
        if traced:
            self.tracer = Tracer(os.path.join(out, name + ".safetensors"))
        else:
            os.makedirs(os.path.join(out, name), exist_ok=True)

    def __call__(self, stage, h, ref=None):
        a = np.ascontiguousarray(h.T.astype(np.float32))  # [features, tokens]
        if self.tracer:
            self.tracer.add(stage, a)
        else:
            np.save(os.path.join(self.out, self.name, stage.replace("/", "_") + ".npy"), a)
            stage = stage.replace("/", "_")
        if ref:
            self.truth[stage] = ref

    def close(self):
        if self.tracer:
            self.tracer.close()
        with open(os.path.join(self.out, self.name + ".truth.json"), "w") as f:
            json.dump(self.truth, f, indent=1, sort_keys=True)
            f.write("\n")


def numpy_port(model, x, rec, gelu_block=-1, wt_block=-1, extra=False, omit=()):
    w = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    h = x.numpy()[:, 0, :].astype(np.float32)
    hd = D // H
    rec("input", h, "x")
    for i in range(2):
        p = f"layers.{i}."
        q, k, v = np.split(h @ w[p + "self_attn.in_proj_weight"].T + w[p + "self_attn.in_proj_bias"],
                           3, axis=-1)
        if extra:
            rec(f"blk{i}/q", q), rec(f"blk{i}/k", k), rec(f"blk{i}/v", v)
        qh, kh, vh = (a.reshape(T, H, hd).transpose(1, 0, 2) for a in (q, k, v))
        s = qh @ kh.transpose(0, 2, 1) / np.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        o = (s @ vh).transpose(1, 0, 2).reshape(T, D)
        wo = w[p + "self_attn.out_proj.weight"]
        a = o @ (wo if i == wt_block else wo.T) + w[p + "self_attn.out_proj.bias"]
        rec(f"blk{i}/attn", a, p + "self_attn.0")
        h = h + a
        rec(f"blk{i}/res1", h, p + "add")
        h = layer_norm(h, w[p + "norm1.weight"], w[p + "norm1.bias"])
        if (i, "ln1") not in omit:
            rec(f"blk{i}/ln1", h, p + "norm1")
        u = h @ w[p + "linear1.weight"].T + w[p + "linear1.bias"]
        rec(f"blk{i}/ff_up", u, p + "linear1")
        if i == gelu_block:
            u = 0.5 * u * (1 + np.tanh(0.7978845608 * (u + 0.044715 * u ** 3)))
        else:
            u = np.maximum(u, 0)
        rec(f"blk{i}/ff_act", u, p + "relu")
        dn = u @ w[p + "linear2.weight"].T + w[p + "linear2.bias"]
        rec(f"blk{i}/ff_down", dn, p + "linear2")
        h = h + dn
        rec(f"blk{i}/res2", h, p + "add#1")
        h = layer_norm(h, w[p + "norm2.weight"], w[p + "norm2.bias"])
        rec(f"blk{i}/ln2", h, p + "norm2")
    rec.close()


def apart(out):
    rng = np.random.default_rng(3)
    with Tracer(os.path.join(out, "apart_ref.safetensors")) as t:
        for name, shape in (("encoder.embed", (8, 16)), ("encoder.block0", (8, 16)),
                            ("decoder.head", (8, 5))):
            t.add(name, rng.standard_normal(shape).astype(np.float32))
    with Tracer(os.path.join(out, "apart_port.safetensors")) as t:
        for name, shape in (("Embed", (3, 7)), ("Layer0", (3, 7)), ("Out", (2, 9)),
                            ("Extra", (4, 4))):
            t.add(name, rng.standard_normal(shape).astype(np.float32))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "cli", "data",
                                                              "pairing")
    os.makedirs(out, exist_ok=True)
    model, x = trace_reference(out)
    numpy_port(model, x, Recorder(out, "port_gelu", traced=False), gelu_block=1)
    numpy_port(model, x, Recorder(out, "port_wt", traced=True), wt_block=0, extra=True,
               omit={(0, "ln1")})
    apart(out)


if __name__ == "__main__":
    main()
