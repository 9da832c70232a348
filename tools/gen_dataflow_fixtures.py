#!/usr/bin/env python3
"""Generate the traces of the data-flow golden tests (tests/cli/data/dataflow/):
blame by data flow in `parity trace`, `parity report` and `parity explain`
(docs/trace.md, "Blame").

    /usr/bin/python3 tools/gen_dataflow_fixtures.py [OUTDIR]

Needs NumPy and PyTorch (Debian's python3-torch 1.13); every trace is written
by the real Python tracer (python/parity_trace), which records each stage's
parents itself. Fixed seeds: the files are reproducible on one machine.

The model is a Llama-style decoder of two blocks (dim 16, 2 heads, a gated
GELU feed-forward of 32, as Gemma's GeGLU), 6 tokens, small enough for a
committed fixture (about 27 KB a trace):

    h = x + attention(attention_norm(x))      RMSNorm, RoPE, causal softmax
    out = h + feed_forward(ffn_norm(h))       w2(gelu(w1(y)) * w3(y))

Each block calls self.attention.forward() and self.feed_forward.forward()
directly, as many reference implementations do. Traced with
functional=True (the norms' and RoPE's inner operations excluded, so the
graph stays readable): q and k after RoPE, the scores, the softmax, the
activation and the gated product are stages, each with its parents.

ref.safetensors          the reference
port_act.safetensors     (a) the activation: GELU's tanh approximation in
                         both blocks where the reference uses the exact erf
                         GELU (Gemma's gelu_pytorch_tanh vs gelu). The bug
                         acts at layers.0.feed_forward.gelu.
port_wq.safetensors      (b) a transposed square weight: block 1 loads wq
                         transposed. It acts at layers.1.attention.wq.
port_resid.safetensors   (c) a branch that feeds a residual: block 0's
                         attention output projection wo scaled by 0.5, then
                         added to x. It acts at layers.0.attention.wo.
ref_noflow.safetensors,  ref and port_act without their parents
port_act_noflow.safetensors  (parity.parents removed): blame by execution
                         order.
np_port_wq.safetensors   the same model written as a NumPy port with its
                         own stage names (llama.cpp's: blk.1.attn_q, ...)
                         and parents given to Tracer.add(), with (b) planted;
                         np_port.map pairs its names with the reference's.
np_port_wiring.safetensors  the NumPy port, no bug but one: block 0 adds the
                         feed-forward output to the embedding instead of to
                         h (a wiring bug its own parents record): the two
                         graphs disagree at layers.0.add#1.
np_port_partial.map      np_port.map without its rules for the attention's
                         inner stages (RoPE, scores, softmax): names pair
                         most stages, and both sides keep several unpaired.
np_port_scale_f16.safetensors  the NumPy port as ports often are: it stores
                         every stage as F16 (SMALL DIFFs of rounding from the
                         embedding on), does not trace the scores before
                         their scale (the reference's matmul has no partner),
                         and block 1 misses the 1/sqrt(d) of its scores. The
                         bug acts at layers.1.attention.div, reached past the
                         matmul.
"""
import math
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import parity_trace as pt  # noqa: E402
from parity_trace import _safetensors as st  # noqa: E402

SEED = 20261202
DIM, HEADS, HIDDEN, VOCAB, LAYERS, T = 16, 2, 32, 32, 2, 6
# Inner operations of the norms and of RoPE: recorded, they would be
# stages of their own; the tests need the blocks' steps only.
EXCLUDE = ["*norm.add", "*norm.mul", "*.attention.mul", "*.attention.cat"]


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, dim, n_heads):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, dim // n_heads
        self.wq = nn.Linear(dim, dim, bias=False)
        self.wk = nn.Linear(dim, dim, bias=False)
        self.wv = nn.Linear(dim, dim, bias=False)
        self.wo = nn.Linear(dim, dim, bias=False)

    def heads(self, x):                      # [b, t, dim] -> [b, h, t, hd]
        b, t, _ = x.shape
        return x.view(b, t, self.n_heads, self.head_dim).transpose(1, 2)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q, k, v = self.heads(self.wq(x)), self.heads(self.wk(x)), self.heads(self.wv(x))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        probs = F.softmax(scores + mask, dim=-1)
        out = torch.matmul(probs, v)
        return self.wo(out.transpose(1, 2).contiguous().view(b, t, -1))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden, approximate):
        super().__init__()
        self.approximate = approximate
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.gelu(self.w1(x), approximate=self.approximate) * self.w3(x))


class Block(nn.Module):
    def __init__(self, approximate):
        super().__init__()
        self.attention_norm = RMSNorm(DIM)
        self.attention = Attention(DIM, HEADS)
        self.ffn_norm = RMSNorm(DIM)
        self.feed_forward = FeedForward(DIM, HIDDEN, approximate)

    def forward(self, x, cos, sin, mask):
        h = x + self.attention.forward(self.attention_norm(x), cos, sin, mask)
        return h + self.feed_forward.forward(self.ffn_norm(h))


class Llama(nn.Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.tok_embeddings = nn.Embedding(VOCAB, DIM)
        self.layers = nn.ModuleList([Block(approximate) for _ in range(LAYERS)])
        self.norm = RMSNorm(DIM)
        self.output = nn.Linear(DIM, VOCAB, bias=False)
        hd = DIM // HEADS
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.outer(torch.arange(T).float(), inv)
        ang = torch.cat((ang, ang), dim=-1)
        self.register_buffer("cos", ang.cos(), persistent=False)
        self.register_buffer("sin", ang.sin(), persistent=False)

    def forward(self, tokens):
        t = tokens.shape[1]
        h = self.tok_embeddings(tokens)
        mask = torch.full((t, t), float("-inf")).triu(1)
        for layer in self.layers:
            h = layer(h, self.cos[:t], self.sin[:t], mask)
        return self.output(self.norm(h))


def reference_model():
    torch.manual_seed(SEED)
    m = Llama()
    with torch.no_grad():
        for mod in m.modules():            # trained-looking norms, not ones
            if isinstance(mod, RMSNorm):
                mod.weight.normal_(1.0, 0.2)
        for layer in m.layers:             # pre-activations of a few units
            layer.feed_forward.w1.weight.mul_(4.0)
    return m.eval()


def tokens():
    g = torch.Generator().manual_seed(SEED + 1)
    return torch.randint(0, VOCAB, (1, T), generator=g)


def trace_torch(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pt.FastPathWarning)
        with torch.no_grad(), pt.Tracer(path) as t:
            tok = t.add("tokens", tokens(), input=True)
            t.hook(model, functional=True, exclude=EXCLUDE)
            model(tok)


def port_model(bug):
    m = reference_model()
    with torch.no_grad():
        if bug == "act":
            for layer in m.layers:
                layer.feed_forward.approximate = "tanh"
        elif bug == "wq":
            w = m.layers[1].attention.wq.weight
            w.copy_(w.t().clone())
        elif bug == "resid":
            m.layers[0].attention.wo.weight.mul_(0.5)
    return m


def strip_parents(src, dst):
    """A copy of trace src without its recorded data flow."""
    meta, entries = st.read_file(src)
    meta = {k: v for k, v in meta.items() if k != "parity.parents"}
    st.write_file(dst, [(e.name, e.value()) for e in entries], meta)


# ---- the NumPy port ---------------------------------------------------------

def np_weights(model):
    return {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}


def np_rmsnorm(x, w, eps=1e-6):
    return (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w).astype(np.float32)


def np_gelu(x):
    erf = np.vectorize(math.erf)
    return (0.5 * x * (1.0 + erf(x.astype(np.float64) / math.sqrt(2.0)))).astype(np.float32)


def np_rope(x, cos, sin):
    half = x.shape[-1] // 2
    rot = np.concatenate((-x[..., half:], x[..., :half]), axis=-1)
    return (x * cos + rot * sin).astype(np.float32)


def np_port(model, path, bug):
    """The model as a NumPy port, traced under llama.cpp-like names with the
    parents given by hand (no hooks: NumPy arrays)."""
    w = np_weights(model)
    if bug == "wq":
        w["layers.1.attention.wq.weight"] = np.ascontiguousarray(
            w["layers.1.attention.wq.weight"].T)
    cos, sin = model.cos.numpy(), model.sin.numpy()
    hd = DIM // HEADS
    mask = np.triu(np.full((T, T), -np.inf, dtype=np.float32), 1)
    tok = tokens().numpy()
    stored = np.float16 if bug == "scale_f16" else np.float32
    with pt.Tracer(path) as t:
        def add(name, x, *parents):
            t.add(name, np.ascontiguousarray(x, dtype=stored), parents=list(parents))
            return t.order[-1]
        t.add("inp_tokens", tok, input=True)
        x = w["tok_embeddings.weight"][tok]
        x_name = add("inp_embd", x, "inp_tokens")
        embd_name = x_name
        for i in range(LAYERS):
            p = "layers.%d." % i
            b = "blk.%d." % i

            def lin(key, v):
                return (v @ w[p + key + ".weight"].T).astype(np.float32)

            def heads(v):
                return v.reshape(1, T, HEADS, hd).transpose(0, 2, 1, 3)
            y = np_rmsnorm(x, w[p + "attention_norm.weight"])
            y_name = add(b + "attn_norm", y, x_name)
            q = lin("attention.wq", y)
            q_name = add(b + "attn_q", q, y_name)
            k = lin("attention.wk", y)
            k_name = add(b + "attn_k", k, y_name)
            v = lin("attention.wv", y)
            v_name = add(b + "attn_v", v, y_name)
            qr = np_rope(heads(q), cos, sin)
            qr_name = add(b + "attn_q_rope", qr, q_name)
            kr = np_rope(heads(k), cos, sin)
            kr_name = add(b + "attn_k_rope", kr, k_name)
            kq = (qr @ kr.transpose(0, 1, 3, 2)).astype(np.float32)
            if bug == "scale_f16":  # the scores are traced once scaled
                if i == 0:
                    kq = (kq / np.float32(math.sqrt(hd))).astype(np.float32)
                kq_name = add(b + "kq_scaled", kq, qr_name, kr_name)
            else:
                kq_name = add(b + "kq", kq, qr_name, kr_name)
                kq = (kq / np.float32(math.sqrt(hd))).astype(np.float32)
                kq_name = add(b + "kq_scaled", kq, kq_name)
            kq = kq + mask
            kq_name = add(b + "kq_masked", kq, kq_name)
            e = np.exp(kq - kq.max(axis=-1, keepdims=True))
            soft = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
            soft_name = add(b + "kq_soft", soft, kq_name)
            kqv = (soft @ heads(v)).astype(np.float32)
            kqv_name = add(b + "kqv", kqv, soft_name, v_name)
            o = lin("attention.wo", kqv.transpose(0, 2, 1, 3).reshape(1, T, DIM))
            o_name = add(b + "attn_out", o, kqv_name)
            h = (x + o).astype(np.float32)
            h_name = add(b + "attn_resid", h, x_name, o_name)
            y = np_rmsnorm(h, w[p + "ffn_norm.weight"])
            y_name = add(b + "ffn_norm", y, h_name)
            gate = lin("feed_forward.w1", y)
            gate_name = add(b + "ffn_gate", gate, y_name)
            act = np_gelu(gate)
            act_name = add(b + "ffn_act", act, gate_name)
            up = lin("feed_forward.w3", y)
            up_name = add(b + "ffn_up", up, y_name)
            par = (act * up).astype(np.float32)
            par_name = add(b + "ffn_par", par, act_name, up_name)
            f = lin("feed_forward.w2", par)
            f_name = add(b + "ffn_out", f, par_name)
            if bug == "wiring" and i == 0:      # the residual of the wrong stage
                x, x_name = (x + f).astype(np.float32), add(b + "ffn_resid", x + f,
                                                            embd_name, f_name)
            else:
                x, x_name = (h + f).astype(np.float32), add(b + "ffn_resid", h + f,
                                                            h_name, f_name)
        y = np_rmsnorm(x, w["norm.weight"])
        y_name = add("result_norm", y, x_name)
        add("result_output", (y @ w["output.weight"].T).astype(np.float32), y_name)


NP_MAP = """\
# The NumPy port's stage names (llama.cpp's) to the PyTorch reference's.
^inp_tokens$ => tokens
^inp_embd$ => tok_embeddings
^blk\\.([0-9]+)\\.attn_norm$ => layers.\\1.attention_norm
^blk\\.([0-9]+)\\.attn_q$ => layers.\\1.attention.wq
^blk\\.([0-9]+)\\.attn_k$ => layers.\\1.attention.wk
^blk\\.([0-9]+)\\.attn_v$ => layers.\\1.attention.wv
^blk\\.([0-9]+)\\.attn_q_rope$ => layers.\\1.attention.add
^blk\\.([0-9]+)\\.attn_k_rope$ => layers.\\1.attention.add#1
^blk\\.([0-9]+)\\.kq$ => layers.\\1.attention.matmul
^blk\\.([0-9]+)\\.kq_scaled$ => layers.\\1.attention.div
^blk\\.([0-9]+)\\.kq_masked$ => layers.\\1.attention.add#2
^blk\\.([0-9]+)\\.kq_soft$ => layers.\\1.attention.softmax
^blk\\.([0-9]+)\\.kqv$ => layers.\\1.attention.matmul#1
^blk\\.([0-9]+)\\.attn_out$ => layers.\\1.attention.wo
^blk\\.([0-9]+)\\.attn_resid$ => layers.\\1.add
^blk\\.([0-9]+)\\.ffn_norm$ => layers.\\1.ffn_norm
^blk\\.([0-9]+)\\.ffn_gate$ => layers.\\1.feed_forward.w1
^blk\\.([0-9]+)\\.ffn_act$ => layers.\\1.feed_forward.gelu
^blk\\.([0-9]+)\\.ffn_up$ => layers.\\1.feed_forward.w3
^blk\\.([0-9]+)\\.ffn_par$ => layers.\\1.feed_forward.mul
^blk\\.([0-9]+)\\.ffn_out$ => layers.\\1.feed_forward.w2
^blk\\.([0-9]+)\\.ffn_resid$ => layers.\\1.add#1
^result_norm$ => norm
^result_output$ => output
"""


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        HERE, "..", "tests", "cli", "data", "dataflow")
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)  # noqa: E731
    trace_torch(reference_model(), p("ref.safetensors"))
    for bug in ("act", "wq", "resid"):
        trace_torch(port_model(bug), p("port_%s.safetensors" % bug))
    strip_parents(p("ref.safetensors"), p("ref_noflow.safetensors"))
    strip_parents(p("port_act.safetensors"), p("port_act_noflow.safetensors"))
    np_port(reference_model(), p("np_port_wq.safetensors"), "wq")
    np_port(reference_model(), p("np_port_wiring.safetensors"), "wiring")
    np_port(reference_model(), p("np_port_scale_f16.safetensors"), "scale_f16")
    with open(p("np_port.map"), "w") as f:
        f.write(NP_MAP)
    with open(p("np_port_partial.map"), "w") as f:  # a map that forgot the attention
        f.write("".join(line + "\n" for line in NP_MAP.splitlines()
                        if "rope" not in line and "kq" not in line))


if __name__ == "__main__":
    main()
