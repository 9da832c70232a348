"""kv_whole.py — the whole-sequence PyTorch reference of tests/programs/trace_kv.c.

    kv_whole.py WEIGHTS TRACE

The same decoder (see trace_kv.c) run the way a PyTorch reference runs it:
every position at once, causal attention, float32, traced with the Python
tracer under PyTorch-style names (tests/tracer/kv_port.map renames the
port's to these). Each stage holds every position along its token axis:
tok_embeddings [1, 6, 8], attention.cache_k [1, 2, 6, 4] (the keys per
head), attention.scores [1, 2, 6, 6] (zero above the diagonal), ... where
the C port, decoding one token at a time, records name, name#1, ...,
name#5, each one position (its cache and scores growing with it). parity
pairs them step by step (docs/matching.md): no conversion script.
"""
import sys

import numpy as np
import torch

import parity_trace as pt
from kv_reference import D, F, H, HD, NL, TOKENS, V, load  # noqa: F401

T = len(TOKENS)


def rmsnorm(x, w):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-5) * w


def main(weights, trace):
    m = load(weights)
    W = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    tokens = torch.from_numpy(TOKENS).reshape(1, T)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    with torch.no_grad(), pt.Tracer(trace) as t:
        t.add("tokens", tokens, input=True)
        for l in range(NL):
            t.add("layers.%d.attention.wq.weight" % l, m["layers"][l]["wq"])
        x = W(m["tok_embd"])[tokens]                       # [1, T, D]
        t.add("tok_embeddings", x)
        for l in range(NL):
            w, p = m["layers"][l], "layers.%d." % l
            xb = rmsnorm(x, W(w["attn_norm"]))
            t.add(p + "attention_norm", xb)
            q, k, v = (xb @ W(w[n]).T for n in ("wq", "wk", "wv"))
            t.add(p + "attention.wq", q)
            t.add(p + "attention.wk", k)
            t.add(p + "attention.wv", v)
            heads = lambda a: a.reshape(1, T, H, HD).transpose(1, 2)  # noqa: E731
            qh, kh, vh = heads(q), heads(k), heads(v)       # [1, H, T, HD]
            t.add(p + "attention.cache_k", kh)
            t.add(p + "attention.cache_v", vh)
            s = qh @ kh.transpose(-1, -2) / np.sqrt(np.float32(HD))
            att = torch.softmax(s.masked_fill(~causal, float("-inf")), dim=-1)
            t.add(p + "attention.scores", att)              # [1, H, T, T]
            ctx = (att @ vh).transpose(1, 2).reshape(1, T, D)
            t.add(p + "attention.context", ctx)
            o = ctx @ W(w["wo"]).T
            t.add(p + "attention.wo", o)
            x = x + o
            t.add(p + "h", x)
            xb = rmsnorm(x, W(w["ffn_norm"]))
            t.add(p + "ffn_norm", xb)
            a = torch.nn.functional.silu(xb @ W(w["w1"]).T)
            t.add(p + "feed_forward.act", a)
            y = a @ W(w["w2"]).T
            t.add(p + "feed_forward.w2", y)
            x = x + y
            t.add("layers.%d" % l, x)
        xb = rmsnorm(x, W(m["output_norm"]))
        t.add("norm", xb)
        t.add("output", xb @ W(m["output"]).T)


if __name__ == "__main__":
    main(*sys.argv[1:3])
