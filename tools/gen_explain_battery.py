#!/usr/bin/python3
"""Write the op-variant battery of `parity explain`: one traced pair per bug
a port makes, each with the stage's input, computed by PyTorch (and NumPy
where PyTorch 1.13 has no such dtype).

usage: gen_explain_battery.py OUTDIR

OUTDIR/CASE/ref.safetensors and OUTDIR/CASE/port.safetensors are traces
(float32, "parity.order" and "parity.parents" metadata, as the tracers
write them): the stage to explain is named "stage" (or as the case says)
and its recorded parent is the stage's input. OUTDIR/battery.json lists
the cases: name, the stage, what the top hypothesis must be (kind and the
words that name the variant and its parameter), and what it may be when
it is not that (kinds that are true of the pair but less specific).

Every case is seeded (torch.manual_seed / default_rng with the case's
number), so the files repeat byte for byte on one machine.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def write_safetensors(path, tensors, order, parents):
    """tensors: name -> float32 ndarray; metadata as the tracers write it."""
    header, blobs, at = {}, [], 0
    for name in order:
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    header["__metadata__"] = {"parity.order": json.dumps(order),
                              "parity.parents": json.dumps(parents)}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def npf(t):
    return t.detach().double().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, np.float64)


CASES = []


def case(name, expect_kind, words, allowed=(), stage="stage"):
    def deco(fn):
        CASES.append((name, fn, expect_kind, words, list(allowed), stage))
        return fn
    return deco


def simple(x, r, p):
    """A two-stage trace: input -> stage."""
    order = ["input", "stage"]
    parents = {"stage": ["input"]}
    return ({"input": x, "stage": r}, {"input": x, "stage": p}, order, parents)


def acts_input(seed):
    g = torch.Generator().manual_seed(seed)
    return 2.0 * torch.randn(2, 16, 64, generator=g, dtype=torch.float64)


# ---- activations ------------------------------------------------------------
def act_case(name, f_ref, f_port, words, seed):
    @case(name, "op", words, allowed=["value-dependent"])
    def _():
        x = acts_input(seed)
        return simple(npf(x), npf(f_ref(x)), npf(f_port(x)))


act_case("act_relu_for_silu", F.silu, F.relu, ["activation", "SiLU", "ReLU"], 1)
act_case("act_tanh_gelu", lambda x: F.gelu(x), lambda x: F.gelu(x, approximate="tanh"),
         ["activation", "GELU (erf)", "GELU (tanh approximation)"], 2)
act_case("act_quick_gelu", F.gelu, lambda x: x * torch.sigmoid(1.702 * x),
         ["activation", "GELU (erf)", "quick-GELU"], 3)
act_case("act_silu_for_gelu", F.gelu, F.silu, ["activation", "GELU (erf)", "SiLU"], 4)
act_case("act_sigmoid_for_tanh", torch.tanh, torch.sigmoid, ["activation", "tanh", "sigmoid"], 5)
act_case("act_softplus_for_relu", F.relu, F.softplus, ["activation", "ReLU", "softplus"], 6)
act_case("act_leaky_slope", lambda x: F.leaky_relu(x, 0.1), lambda x: F.leaky_relu(x, 0.01),
         ["activation", "slope 0.1", "slope 0.01"], 7)
act_case("act_relu_for_leaky", lambda x: F.leaky_relu(x, 0.2), F.relu,
         ["activation", "leaky ReLU slope 0.2", "port ReLU"], 8)
act_case("act_mish_for_silu", F.silu, F.mish, ["activation", "SiLU", "Mish"], 9)
act_case("act_missing", F.gelu, lambda x: x, ["activation", "GELU (erf)", "identity"], 10)
act_case("act_elu_for_relu", F.relu, F.elu, ["activation", "ReLU", "ELU"], 11)


# ---- attention scale --------------------------------------------------------
def scores(seed, b=1, h=4, t=16, d=64):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(b, h, t, d, generator=g, dtype=torch.float64)
    k = torch.randn(b, h, t, d, generator=g, dtype=torch.float64)
    return q, k, q @ k.transpose(-1, -2)


@case("scale_missing", "op", ["scale of the input", "1/sqrt(64)", "(none)"])
def _():
    _, _, s = scores(12)
    return simple(npf(s), npf(s / 8), npf(s))


@case("scale_1_over_d", "op", ["scale of the input", "1/sqrt(64)", "1/64"])
def _():
    _, _, s = scores(13)
    return simple(npf(s), npf(s / 8), npf(s / 64))


# ---- normalizations ---------------------------------------------------------
def norm_input(seed, shape=(2, 16, 64)):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=g, dtype=torch.float64)
    # rows with every variance from 1e-6 to 4 (silence and speech), and a mean
    sc = torch.logspace(-3, 0.3, shape[0] * shape[1], dtype=torch.float64).reshape(shape[0], shape[1], 1)
    mu = torch.randn(shape[0], shape[1], 1, generator=g, dtype=torch.float64)
    return x * sc + 0.5 * mu


def rms_norm(x, eps, w=None):
    y = x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * w if w is not None else y


@case("rmsnorm_eps", "op", ["RMSNorm eps", "ref 1e-05", "port 1e-02"])
def _():
    x = norm_input(14)
    w = 1 + 0.2 * torch.randn(64, generator=torch.Generator().manual_seed(114), dtype=torch.float64)
    return simple(npf(x), npf(rms_norm(x, 1e-5, w)), npf(rms_norm(x, 1e-2, w)))


@case("layernorm_eps", "op", ["LayerNorm eps", "ref 1e-05", "port 1e-03"])
def _():
    x = norm_input(15)
    g = torch.Generator().manual_seed(115)
    w = 1 + 0.2 * torch.randn(64, generator=g, dtype=torch.float64)
    b = 0.1 * torch.randn(64, generator=g, dtype=torch.float64)
    return simple(npf(x), npf(F.layer_norm(x, (64,), w, b, 1e-5)), npf(F.layer_norm(x, (64,), w, b, 1e-3)))


@case("layernorm_eps_tiny", "op", ["LayerNorm eps", "ref ~0", "port 1e-05"])
def _():
    x = norm_input(16)
    return simple(npf(x), npf(F.layer_norm(x, (64,), eps=1e-12)), npf(F.layer_norm(x, (64,), eps=1e-5)))


@case("layernorm_affine_missing", "op", ["LayerNorm affine", "gamma, beta", "missing"])
def _():
    x = norm_input(17)
    g = torch.Generator().manual_seed(117)
    w = 1 + 0.3 * torch.randn(64, generator=g, dtype=torch.float64)
    b = 0.2 * torch.randn(64, generator=g, dtype=torch.float64)
    return simple(npf(x), npf(F.layer_norm(x, (64,), w, b, 1e-5)), npf(F.layer_norm(x, (64,), eps=1e-5)))


@case("rmsnorm_for_layernorm", "op", ["ref LayerNorm", "port RMSNorm"])
def _():
    x = norm_input(18)
    return simple(npf(x), npf(F.layer_norm(x, (64,), eps=1e-5)), npf(rms_norm(x, 1e-5)))


@case("layernorm_channels_eps", "op", ["LayerNorm eps along axis 1", "ref 1e-05", "port 1e-01"])
def _():
    x = norm_input(19, (1, 100, 64)).transpose(1, 2).contiguous()  # [B, C, T], norm over C
    ln = lambda v, e: F.layer_norm(v.transpose(1, 2), (64,), eps=e).transpose(1, 2)
    return simple(npf(x), npf(ln(x, 1e-5)), npf(ln(x, 1e-1)))


# ---- softmax ----------------------------------------------------------------
def causal(t, k=0):
    return torch.triu(torch.full((t, t), float("-inf"), dtype=torch.float64), diagonal=1 + k)


@case("softmax_scale_missing", "op", ["softmax", "scale ref 0.125 = 1/sqrt(64)", "port 1"])
def _():
    _, _, s = scores(20)
    return simple(npf(s), npf(torch.softmax(s / 8, -1)), npf(torch.softmax(s, -1)))


@case("softmax_not_normalized", "op", ["softmax", "ref normalized", "exp(s*(x - max))"],
      allowed=["row-scale"])
def _():
    _, _, s = scores(21)
    s = s / 8
    return simple(npf(s), npf(torch.softmax(s, -1)), npf(torch.exp(s - s.amax(-1, keepdim=True))))


@case("softmax_exp_only", "op", ["softmax", "ref normalized", "exp(s*x)"], allowed=["row-scale"])
def _():
    _, _, s = scores(22)
    s = s / 8
    return simple(npf(s), npf(torch.softmax(s, -1)), npf(torch.exp(s)))


@case("softmax_mask_missing", "op", ["softmax", "mask ref causal (j <= i), port none",
                                     "the mask is missing"])
def _():
    _, _, s = scores(23)
    s = s / 8
    return simple(npf(s), npf(torch.softmax(s + causal(16), -1)), npf(torch.softmax(s, -1)))


@case("softmax_mask_off_by_one", "op", ["softmax", "port causal j <= i + 1", "off by 1"])
def _():
    _, _, s = scores(24)
    s = s / 8
    return simple(npf(s), npf(torch.softmax(s + causal(16), -1)), npf(torch.softmax(s + causal(16, 1), -1)))


@case("softmax_no_max_subtraction", "op", ["softmax", "does not subtract the row max",
                                           "exp overflows"], allowed=["non-finite"])
def _():
    _, _, s = scores(25)
    s = s * 4.0  # logits above 88.7 in some rows: exp overflows in float32
    s32 = s.float()
    naive = torch.exp(s32) / torch.exp(s32).sum(-1, keepdim=True)
    return simple(npf(s), npf(torch.softmax(s, -1)), npf(naive))


@case("softmax_axis", "op", ["softmax axis", "ref along axis 3", "port along axis 2"])
def _():
    _, _, s = scores(45)
    s = s / 8
    return simple(npf(s), npf(torch.softmax(s, -1)), npf(torch.softmax(s, -2)))


# ---- RoPE -------------------------------------------------------------------
def rope(x, theta=10000.0, half=False, offset=0):
    b, h, t, d = x.shape
    inv = theta ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = (torch.arange(t, dtype=torch.float64) + offset)[:, None] * inv[None, :]
    c, s = torch.cos(ang), torch.sin(ang)
    if half:
        a, bb = x[..., : d // 2], x[..., d // 2:]
        return torch.cat([a * c - bb * s, a * s + bb * c], -1)
    a, bb = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2], out[..., 1::2] = a * c - bb * s, a * s + bb * c
    return out


def rope_input(seed):
    return torch.randn(1, 4, 16, 64, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@case("rope_half_split", "op", ["RoPE", "ref interleaved pairs (2i, 2i+1)", "port half-split pairs (i, i+d/2)"])
def _():
    x = rope_input(26)
    return simple(npf(x), npf(rope(x)), npf(rope(x, half=True)))


@case("rope_theta", "op", ["RoPE", "base theta ref 1e+04, port 5e+05"])
def _():
    x = rope_input(27)
    return simple(npf(x), npf(rope(x, half=True)), npf(rope(x, theta=500000.0, half=True)))


@case("rope_offset", "op", ["RoPE", "position offset ref 0, port 3"])
def _():
    x = rope_input(28)
    return simple(npf(x), npf(rope(x)), npf(rope(x, offset=3)))


# ---- residuals, bias, dropout -------------------------------------------------
def mlp(x, seed):
    g = torch.Generator().manual_seed(seed)
    w1 = torch.randn(64, 128, generator=g, dtype=torch.float64) / 8
    w2 = torch.randn(128, 64, generator=g, dtype=torch.float64) / 11
    return F.gelu(x @ w1) @ w2


@case("residual_missing", "residual", ["residual missing", "c = -1"], allowed=["wiring"])
def _():
    x = acts_input(29)
    return simple(npf(x), npf(x + mlp(x, 129)), npf(mlp(x, 129)))


@case("residual_doubled", "residual", ["residual added twice", "c = 1"], allowed=["wiring"])
def _():
    x = acts_input(30)
    return simple(npf(x), npf(x + mlp(x, 130)), npf(2 * x + mlp(x, 130)))


@case("dropout_left_on", "dropout", ["dropout left on", "zeroed", "1/(1 - 0.1)"])
def _():
    x = acts_input(31)
    torch.manual_seed(131)
    y = mlp(x, 131)
    return simple(npf(x), npf(y), npf(F.dropout(y, 0.1, training=True)))


@case("bias_missing", "axis-offset", ["per-index offset along axis 2", "bias"], allowed=["axis-affine"])
def _():
    x = acts_input(32)
    g = torch.Generator().manual_seed(132)
    w = torch.randn(64, 48, generator=g, dtype=torch.float64) / 8
    b = torch.randn(48, generator=g, dtype=torch.float64)
    return simple(npf(x), npf(x @ w + b), npf(x @ w))


# ---- quantization -------------------------------------------------------------
def weight(seed, shape=(128, 64)):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) / 8


@case("quant_int8", "grid", ["quantization", "int8"])
def _():
    w = weight(33)
    s = w.abs().max() / 127
    return simple(npf(w), npf(w), npf(torch.round(w / s) * s))


@case("quant_int4_per_channel", "grid", ["quantization per channel along axis 0", "int4"])
def _():
    w = weight(34)
    s = w.abs().amax(1, keepdim=True) / 7
    return simple(npf(w), npf(w), npf(torch.round(w / s) * s))


def round_e4m3(v):
    """Round to OCP fp8 e4m3fn (3 mantissa bits, min normal 2^-6, max 448)."""
    v = np.asarray(v, np.float64)
    m, e = np.frexp(np.abs(v))            # |v| = m·2^e, m in [0.5, 1)
    e = np.maximum(e, -5)                  # subnormals share the 2^-6 spacing
    q = np.round(np.abs(v) / 2.0 ** (e - 4)) * 2.0 ** (e - 4)
    return np.sign(v) * np.minimum(q, 448.0)


@case("quant_fp8_e4m3", "grid", ["quantization", "fp8 e4m3"])
def _():
    w = weight(35)
    return simple(npf(w), npf(w), round_e4m3(npf(w)))


@case("quant_bf16", "precision", ["precision only", "bf16"])
def _():
    w = weight(36)
    return simple(npf(w), npf(w), npf(w.float().bfloat16().double()))


# ---- attention wiring and masks -------------------------------------------------
@case("qk_swapped", "wiring", ["last two axes transposed", "q and k swapped"], allowed=["permute"])
def _():
    q, k, s = scores(37)
    return simple(npf(q), npf(s / 8), npf(s.transpose(-1, -2) / 8))


@case("mask_scores_off_by_one", "diagonal", ["diagonal j - i = +1", "off by 1"],
      allowed=["one-sided"])
def _():
    _, _, s = scores(38)
    s = s / 8
    return simple(npf(s), npf(s + causal(16)), npf(s + causal(16, 1)))


@case("mask_zero_fill", "one-sided", ["-inf in the reference and finite in the port"],
      allowed=["diagonal"])
def _():
    _, _, s = scores(39)
    s = s / 8
    m = torch.triu(torch.ones(16, 16, dtype=torch.bool), 1)
    return simple(npf(s), npf(s.masked_fill(m, float("-inf"))), npf(s.masked_fill(m, 0.0)))


@case("cfg_uncond_copy", "wiring", ["v_uncond equals the reference's v_cond", "copy"],
      stage="v_uncond")
def _():
    g = torch.Generator().manual_seed(40)
    x = torch.randn(1, 80, 50, generator=g, dtype=torch.float64)
    vc = torch.tanh(x * 1.3) + 0.1
    vu = torch.tanh(x * 0.7)
    order = ["x", "v_cond", "v_uncond"]
    parents = {"v_cond": ["x"], "v_uncond": ["x"]}
    return ({"x": npf(x), "v_cond": npf(vc), "v_uncond": npf(vu)},
            {"x": npf(x), "v_cond": npf(vc), "v_uncond": npf(vc)}, order, parents)


@case("step_off_by_one", "wiring", ["the port's x#3 equals the reference's x#4", "1 step off"],
      stage="x#3")
def _():
    g = torch.Generator().manual_seed(41)
    xs = [torch.randn(1, 80, 50, generator=g, dtype=torch.float64)]
    for _ in range(4):
        xs.append(xs[-1] + 0.3 * torch.tanh(xs[-1]))
    order = ["x#%d" % k for k in range(5)]
    parents = {"x#%d" % k: ["x#%d" % (k - 1)] for k in range(1, 5)}
    ref = {n: npf(v) for n, v in zip(order, xs)}
    port = dict(ref)
    port["x#3"] = ref["x#4"]
    return ref, port, order, parents


@case("gpt2_residual_twice", "residual", ["residual added twice"], allowed=["wiring"],
      stage="h.1")
def _():
    g = torch.Generator().manual_seed(42)
    h0 = torch.randn(1, 16, 64, generator=g, dtype=torch.float64)
    attn = mlp(h0, 142)
    order = ["h.0", "attn", "h.1"]
    parents = {"attn": ["h.0"], "h.1": ["h.0", "attn"]}
    ref = {"h.0": npf(h0), "attn": npf(attn), "h.1": npf(h0 + attn)}
    port = dict(ref)
    port["h.1"] = npf(h0 + attn + h0)
    return ref, port, order, parents


# ---- ports that compute in half precision ----------------------------------------
def f16(t):
    return t.half().double()


def bf16(t):
    return t.bfloat16().double()


@case("half_relu_for_silu", "op", ["activation", "SiLU", "ReLU"], allowed=["value-dependent"])
def _():
    x = acts_input(46)
    return simple(npf(x), npf(F.silu(x)), npf(f16(F.relu(f16(x)))))


@case("half_rmsnorm_eps_bf16", "op", ["RMSNorm eps", "ref 1e-05", "port 1e-02"],
      allowed=["row-scale"])
def _():
    x = norm_input(47)
    return simple(npf(x), npf(rms_norm(x, 1e-5)), npf(bf16(rms_norm(bf16(x), 1e-2))))


@case("half_softmax_scale_f16", "op", ["softmax", "scale ref 0.125 = 1/sqrt(64)", "port 1"])
def _():
    _, _, s = scores(48)
    return simple(npf(s), npf(torch.softmax(s / 8, -1)), npf(f16(torch.softmax(f16(s), -1))))


# tanh-GELU against erf-GELU differ by 5e-4 at most, f16 rounding by as much: the
# variant cannot be told apart from the rounding, and must not be named otherwise
@case("half_gelu_tanh_f16", "op", ["GELU (erf)", "GELU (tanh approximation)"],
      allowed=["value-dependent", "precision"])
def _():
    x = acts_input(49)
    return simple(npf(x), npf(F.gelu(x)), npf(f16(F.gelu(f16(x), approximate="tanh"))))


# ---- what must stay unnamed ------------------------------------------------------
@case("unrelated_port", "none", [])
def _():
    x = acts_input(43)
    r = mlp(x, 143)
    p = torch.randn(r.shape, generator=torch.Generator().manual_seed(243), dtype=torch.float64) * r.std()
    return simple(npf(x), npf(r), npf(p))


@case("noise_port", "none", [])
def _():
    x = acts_input(44)
    r = mlp(x, 144)
    n = torch.randn(r.shape, generator=torch.Generator().manual_seed(244), dtype=torch.float64)
    return simple(npf(x), npf(r), npf(r + 0.3 * r.std() * n))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "explain_battery"
    os.makedirs(out, exist_ok=True)
    listing = []
    for name, fn, kind, words, allowed, stage in CASES:
        ref, port, order, parents = fn()
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        write_safetensors(os.path.join(d, "ref.safetensors"), ref, order, parents)
        write_safetensors(os.path.join(d, "port.safetensors"), port, order, parents)
        listing.append({"case": name, "stage": stage, "kind": kind, "words": words,
                        "allowed": allowed})
    with open(os.path.join(out, "battery.json"), "w") as f:
        json.dump(listing, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
