"""steps_reference.py — the whole-sequence reference of tests/tracer/steps_port.c.

    steps_reference.py WEIGHTS TRACE [POSITIONS]

Writes WEIGHTS (the port's input: T int64 tokens, then float32 emb, wq, wk,
wv, wo, wout; drawn from a seeded generator, so every run writes the same
bytes) and traces the same attention block the way a PyTorch reference runs
it: every position at once, causal attention, float32 NumPy, one tensor per
stage holding every position along its token axis (embed [1, T, D],
attn.q [1, H, T, HD], attn.scores [1, H, T, T] with zeros above the
diagonal, ...), where the port decodes one token per call. POSITIONS (at
most T) traces only the first positions, a reference shorter than the
port's run.
"""
import sys

import numpy as np

import parity_trace as pt

T, V, D, H = 6, 16, 8, 2
HD = D // H
f32 = np.float32


def weights(path):
    rng = np.random.default_rng(20240607)
    tokens = rng.integers(0, V, size=T, dtype=np.int64)
    shapes = {"emb": (V, D), "wq": (D, D), "wk": (D, D), "wv": (D, D), "wo": (D, D),
              "wout": (V, D)}
    w = {n: (0.5 * rng.standard_normal(s)).astype(f32) for n, s in shapes.items()}
    with open(path, "wb") as f:
        f.write(tokens.astype("<i8").tobytes())
        for n in shapes:
            f.write(w[n].astype("<f4").tobytes())
    return tokens, w


def main(wpath, trace, positions=T):
    tokens, w = weights(wpath)
    n = int(positions)
    assert 1 <= n <= T, n
    tokens = tokens[:n].reshape(1, n)
    heads = lambda a: a.reshape(1, n, H, HD).transpose(0, 2, 1, 3)  # noqa: E731
    with pt.Tracer(trace) as t:
        t.add("tokens", tokens, input=True)
        x = w["emb"][tokens]                                   # [1, n, D]
        t.add("embed", x)
        q, k, v = (heads(x @ w[m].T) for m in ("wq", "wk", "wv"))  # [1, H, n, HD]
        t.add("attn.q", q)
        t.add("attn.k", k)
        t.add("attn.v", v)
        s = (q @ k.transpose(0, 1, 3, 2)) / np.sqrt(f32(HD))
        s = np.where(np.tril(np.ones((n, n), bool)), s, -np.inf)
        att = np.exp(s - s.max(-1, keepdims=True))
        att = (att / att.sum(-1, keepdims=True)).astype(f32)  # [1, H, n, n]
        t.add("attn.scores", att)
        ctx = (att @ v).transpose(0, 2, 1, 3).reshape(1, n, D)
        t.add("attn.ctx", ctx)
        x = x + ctx @ w["wo"].T
        t.add("block", x)
        t.add("logits", x @ w["wout"].T)                       # [1, n, V]


if __name__ == "__main__":
    main(*sys.argv[1:4])
