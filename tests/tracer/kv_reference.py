"""kv_reference.py — the NumPy reference of tests/programs/trace_kv.c.

    kv_reference.py WEIGHTS TRACE

The same decoder (see trace_kv.c), in float32 NumPy, traced with the Python
tracer under PyTorch-style names (Meta's llama: "layers.0.attention.wq"),
one call per position ("name", then "name#k"), with the same data flow
recorded as parents. tests/tracer/kv_port.map renames the port's names to
these.
"""
import sys

import numpy as np

import parity_trace as pt

V, D, H, HD, NL, F, MAXLEN = 16, 8, 2, 4, 2, 16, 8
TOKENS = np.array([1, 5, 9, 3, 7, 2], dtype=np.int64)
f32 = np.float32


def load(path):
    w = np.fromfile(path, dtype="<f4")
    at = 0

    def take(*shape):
        nonlocal at
        n = int(np.prod(shape))
        a = w[at:at + n].reshape(shape)
        at += n
        return a

    m = {"tok_embd": take(V, D), "layers": []}
    for _ in range(NL):
        m["layers"].append({"attn_norm": take(D), "wq": take(D, D), "wk": take(D, D),
                            "wv": take(D, D), "wo": take(D, D), "ffn_norm": take(D),
                            "w1": take(F, D), "w2": take(D, F)})
    m["output_norm"], m["output"] = take(D), take(V, D)
    assert at == w.size, (at, w.size)
    return m


def rmsnorm(x, w):
    return (x * (f32(1) / np.sqrt(np.mean(x * x, dtype=f32) + f32(1e-5))) * w).astype(f32)


class Ref:
    def __init__(self, tracer, m):
        self.t, self.m = tracer, m
        self.k = np.zeros((NL, H, MAXLEN, HD), f32)
        self.v = np.zeros((NL, H, MAXLEN, HD), f32)
        self.cache = {}

    def rec(self, name, x, *parents):
        self.t.add(name, x, parents=list(parents))
        return self.t.order[-1]

    def attention(self, l, pos, x, xn):
        w, p = self.m["layers"][l], "layers.%d." % l
        xb = rmsnorm(x, w["attn_norm"])
        norm = self.rec(p + "attention_norm", xb, xn)
        q, k, v = (w[n] @ xb for n in ("wq", "wk", "wv"))
        qn = self.rec(p + "attention.wq", q, norm)
        kn = self.rec(p + "attention.wk", k, norm)
        vn = self.rec(p + "attention.wv", v, norm)
        self.k[l, :, pos], self.v[l, :, pos] = k.reshape(H, HD), v.reshape(H, HD)
        for c, new in (("k", kn), ("v", vn)):
            cache = self.k if c == "k" else self.v
            prev = [self.cache[l, c]] if pos else []
            self.cache[l, c] = self.rec(p + "attention.cache_" + c, cache[l, :, :pos + 1],
                                        new, *prev)
        s = np.einsum("hi,hti->ht", q.reshape(H, HD), self.k[l, :, :pos + 1]) / np.sqrt(f32(HD))
        e = np.exp(s - s.max(axis=1, keepdims=True))
        att = (e / e.sum(axis=1, keepdims=True)).astype(f32)
        sn = self.rec(p + "attention.scores", att, qn, self.cache[l, "k"])
        ctx = np.einsum("ht,hti->hi", att, self.v[l, :, :pos + 1]).reshape(D).astype(f32)
        cn = self.rec(p + "attention.context", ctx, sn, self.cache[l, "v"])
        o = w["wo"] @ ctx
        on = self.rec(p + "attention.wo", o, cn)
        x = (x + o).astype(f32)
        return x, self.rec(p + "h", x, xn, on)

    def mlp(self, l, x, xn):
        w, p = self.m["layers"][l], "layers.%d." % l
        xb = rmsnorm(x, w["ffn_norm"])
        norm = self.rec(p + "ffn_norm", xb, xn)
        a = w["w1"] @ xb
        a = (a / (f32(1) + np.exp(-a))).astype(f32)
        an = self.rec(p + "feed_forward.act", a, norm)
        y = w["w2"] @ a
        yn = self.rec(p + "feed_forward.w2", y, an)
        x = (x + y).astype(f32)
        return x, self.rec("layers.%d" % l, x, xn, yn)

    def forward(self, pos, tok_name):
        x = self.m["tok_embd"][TOKENS[pos]].copy()
        xn = self.rec("tok_embeddings", x, tok_name)
        for l in range(NL):
            x, xn = self.attention(l, pos, x, xn)
            x, xn = self.mlp(l, x, xn)
        xb = rmsnorm(x, self.m["output_norm"])
        nn = self.rec("norm", xb, xn)
        self.rec("output", self.m["output"] @ xb, nn)


def main(weights, trace):
    m = load(weights)
    with pt.Tracer(trace) as t:
        t.add("tokens", TOKENS, input=True)
        for l in range(NL):
            t.add("layers.%d.attention.wq.weight" % l, m["layers"][l]["wq"])
        ref = Ref(t, m)
        for pos in range(len(TOKENS)):
            ref.forward(pos, "tokens")


if __name__ == "__main__":
    main(*sys.argv[1:3])
