#!/usr/bin/python3
"""Write the checkpoints `parity weights` is tested on (docs/weights.md):
one small Llama-like model as its PyTorch reference saved it, and as two
conversions would store it. Debian's /usr/bin/python3 with NumPy and
PyTorch 1.13; fixed seeds, so every run writes the same bytes.

usage: gen_weights_fixtures.py [OUTDIR]     (default tests/cli/data/weights)

OUTDIR gets:
  ref.pt            torch.save of the state dict: hidden 32, 4 heads of 8
                    (2 key/value heads), MLP 32, vocabulary 16, two layers,
                    a Conv1d [8, 4, 3] and a Conv2d [8, 4, 3, 3];
                    lm_head.weight is model.embed_tokens.weight (one
                    storage, tied); post_attention_layernorm is all ones in
                    both layers (equal, not tied)
  mlx.safetensors   the same weights laid out as an MLX port keeps them
                    (written by python/parity_trace's writer):
                      Conv1d [out, k, in], Conv2d [out, kh, kw, in];
                      layer 0: q, k, v fused into self_attn.qkv_proj
                        (cat along axis 0), mlp.up_proj stored in BF16;
                      layer 1: mlp gate and up fused into mlp.gate_up_proj,
                        self_attn.o_proj scaled by 2, mlp.down_proj missing;
                      model.norm renamed model.norm_f; no lm_head (tied)
  mlx.map           the --map rule that pairs model.norm_f with model.norm
  q8.gguf           the model as llama.cpp's converter writes it (written
                    by tools/gguf_np.py): llama.cpp names, matrices in Q8_0
                    with ggml's reference quantizer, q and k rows permuted
                    per head for its RoPE (interleaved), norms and the
                    convolutions in F32, shapes stored as ne (reversed);
                    no output.weight (tied)
  gguf.map          the --map rules from llama.cpp's names to the reference's
  dtypes_ref.safetensors / dtypes_port.safetensors
                    big: BF16 [4, 8] with three values beyond F16's range,
                      converted to F16 (they become inf);
                    small: F32 [4, 8] rounded to F16;
                    rows: F32 [8, 6] with its rows shuffled;
                    count: I64 [3], equal
  apart_ref.safetensors / apart_port.safetensors
                    two checkpoints with no name in common
  copies_ref.pt     two layers (fc weight and bias, an all-ones norm) and
                    tied embed / lm_head (one storage); layer 1 is a deep
                    copy of layer 0: separate storages, equal values
  copies_ref.safetensors  the same names and values (no sharing recorded)
  copies_port.safetensors the port: no lm_head (tied), and
                    layers.1.fc.weight missing (a real loss, though it
                    equals layers.0.fc.weight)
  gpt2_ref.pt       attention q, k, v as nn.Linear keeps them ([out, in]):
                    layer 0 4 heads of 8 (q, k, v square [32, 32]), layer 1
                    grouped-query (k, v [16, 32])
  gpt2_port.safetensors   the same fused GPT-2 style: attn.qkv_proj.weight
                    = cat(q, k, v).T, [in, 3 * out] ([32, 96], [32, 64])
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import gguf_np as g  # noqa: E402
from parity_trace import write_safetensors  # noqa: E402

D, HEADS, KV_HEADS, HD, MLP, VOCAB, LAYERS = 32, 4, 2, 8, 32, 16, 2
RNG = np.random.default_rng(20250412)


def normal(*shape, scale=0.1):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def reference():
    """The state dict as numpy arrays, in the model's order."""
    sd = {"model.embed_tokens.weight": normal(VOCAB, D, scale=0.5)}
    for i in range(LAYERS):
        p = "model.layers.%d." % i
        sd[p + "input_layernorm.weight"] = (1 + normal(D)).astype(np.float32)
        sd[p + "self_attn.q_proj.weight"] = normal(HEADS * HD, D)
        sd[p + "self_attn.k_proj.weight"] = normal(KV_HEADS * HD, D)
        sd[p + "self_attn.v_proj.weight"] = normal(KV_HEADS * HD, D)
        sd[p + "self_attn.o_proj.weight"] = normal(D, HEADS * HD)
        sd[p + "post_attention_layernorm.weight"] = np.ones(D, np.float32)
        sd[p + "mlp.gate_proj.weight"] = normal(MLP, D)
        sd[p + "mlp.up_proj.weight"] = normal(MLP, D)
        sd[p + "mlp.down_proj.weight"] = normal(D, MLP)
    sd["model.norm.weight"] = (1 + normal(D)).astype(np.float32)
    sd["model.conv.weight"] = normal(8, 4, 3)          # Conv1d [out, in, k]
    sd["model.conv.bias"] = normal(8)
    sd["model.patch.weight"] = normal(8, 4, 3, 3)      # Conv2d [out, in, kh, kw]
    return sd


def save_pt(sd, path):
    t = {k: torch.from_numpy(v.copy()) for k, v in sd.items()}
    t["lm_head.weight"] = t["model.embed_tokens.weight"]  # tied: one storage
    torch.save(t, path)


def mlx(sd):
    out = []
    for k, v in sd.items():
        p0, p1 = "model.layers.0.", "model.layers.1."
        if k == "model.conv.weight":
            v = v.transpose(0, 2, 1)                   # [out, k, in]
        elif k == "model.patch.weight":
            v = v.transpose(0, 2, 3, 1)                # [out, kh, kw, in]
        elif k == p0 + "self_attn.q_proj.weight":
            k = p0 + "self_attn.qkv_proj.weight"
            v = np.concatenate([sd[p0 + "self_attn.%s_proj.weight" % x] for x in "qkv"])
        elif k in (p0 + "self_attn.k_proj.weight", p0 + "self_attn.v_proj.weight"):
            continue
        elif k == p0 + "mlp.up_proj.weight":
            v = torch.from_numpy(v.copy()).to(torch.bfloat16)  # rounded to nearest
        elif k == p1 + "mlp.gate_proj.weight":
            k = p1 + "mlp.gate_up_proj.weight"
            v = np.concatenate([v, sd[p1 + "mlp.up_proj.weight"]])
        elif k in (p1 + "mlp.up_proj.weight", p1 + "mlp.down_proj.weight"):
            continue
        elif k == p1 + "self_attn.o_proj.weight":
            v = v * np.float32(2)
        elif k == "model.norm.weight":
            k = "model.norm_f.weight"
        out.append((k, v))
    return out


def rope_permute(w, n_head):
    """llama.cpp's convert_hf_to_gguf.py LlamaModel.permute: each head's
    half-split rows (i, i + h/2) become interleaved (2i, 2i + 1)."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


GGUF_NAMES = {"model.embed_tokens.weight": "token_embd.weight",
              "model.norm.weight": "output_norm.weight"}
GGUF_LAYER = {"input_layernorm.weight": "attn_norm.weight",
              "self_attn.q_proj.weight": "attn_q.weight",
              "self_attn.k_proj.weight": "attn_k.weight",
              "self_attn.v_proj.weight": "attn_v.weight",
              "self_attn.o_proj.weight": "attn_output.weight",
              "post_attention_layernorm.weight": "ffn_norm.weight",
              "mlp.gate_proj.weight": "ffn_gate.weight",
              "mlp.up_proj.weight": "ffn_up.weight",
              "mlp.down_proj.weight": "ffn_down.weight"}


def gguf_name(k):
    if k in GGUF_NAMES:
        return GGUF_NAMES[k]
    if k.startswith("model.layers."):
        i, rest = k[len("model.layers."):].split(".", 1)
        return "blk.%s.%s" % (i, GGUF_LAYER[rest])
    return k  # the convolutions keep their names


def write_gguf(sd, path):
    w = g.GGUFWriter()
    w.add("general.architecture", g.STR, "llama")
    w.add("llama.attention.head_count", g.U32, HEADS)
    w.add("llama.attention.head_count_kv", g.U32, KV_HEADS)
    for k, v in sd.items():
        if k.endswith("q_proj.weight"):
            v = rope_permute(v, HEADS)
        elif k.endswith("k_proj.weight"):
            v = rope_permute(v, KV_HEADS)
        if v.ndim == 2 and v.shape[-1] % 32 == 0:
            w.tensor(gguf_name(k), "Q8_0", v.shape, g.quantize_q8_0(v))
        else:
            w.tensor(gguf_name(k), "F32", v.shape, np.ascontiguousarray(v, "<f4").tobytes())
    with open(path, "wb") as f:
        f.write(w.bytes())


GGUF_MAP = r"""# llama.cpp's GGUF names -> the reference's (Hugging Face Llama)
^token_embd\.weight$ => model.embed_tokens.weight
^output_norm\.weight$ => model.norm.weight
^blk\.([0-9]+)\.attn_norm\.weight$ => model.layers.\1.input_layernorm.weight
^blk\.([0-9]+)\.ffn_norm\.weight$ => model.layers.\1.post_attention_layernorm.weight
^blk\.([0-9]+)\.attn_(q|k|v)\.weight$ => model.layers.\1.self_attn.\2_proj.weight
^blk\.([0-9]+)\.attn_output\.weight$ => model.layers.\1.self_attn.o_proj.weight
^blk\.([0-9]+)\.ffn_(gate|up|down)\.weight$ => model.layers.\1.mlp.\2_proj.weight
"""


def dtypes(out):
    big = normal(4, 8, scale=1000.0)
    big[0, 1], big[2, 5], big[3, 7] = 70144.0, -98304.0, 1.5e6  # beyond F16
    big_bf16 = torch.from_numpy(big).to(torch.bfloat16)
    small = normal(4, 8)
    rows = normal(8, 6)
    perm = np.array([3, 0, 1, 2, 7, 4, 5, 6])
    count = np.array([3, 1, 4], np.int64)
    write_safetensors(os.path.join(out, "dtypes_ref.safetensors"),
                      [("big", big_bf16), ("small", small), ("rows", rows), ("count", count)])
    with np.errstate(over="ignore"):
        big16 = big_bf16.float().numpy().astype(np.float16)
    write_safetensors(os.path.join(out, "dtypes_port.safetensors"),
                      [("big", big16), ("small", small.astype(np.float16)),
                       ("rows", rows[perm]), ("count", count)])


def apart(out):
    write_safetensors(os.path.join(out, "apart_ref.safetensors"),
                      [("encoder.w", normal(4, 4)), ("encoder.b", normal(4))])
    write_safetensors(os.path.join(out, "apart_port.safetensors"),
                      [("decoder.w", normal(4, 4))])


def copies(out):
    rng = np.random.default_rng(20250907)  # its own seed: the files above stay as they are
    w = (rng.standard_normal((8, 8)) * 0.1).astype(np.float32)
    b = (rng.standard_normal(8) * 0.1).astype(np.float32)
    e = (rng.standard_normal((16, 8)) * 0.5).astype(np.float32)
    sd = {"embed.weight": torch.from_numpy(e)}
    for i in range(2):
        # copy.deepcopy(layer) gives each tensor a storage of its own
        sd["layers.%d.fc.weight" % i] = torch.from_numpy(w.copy())
        sd["layers.%d.fc.bias" % i] = torch.from_numpy(b.copy())
        sd["layers.%d.norm.weight" % i] = torch.ones(8)
    sd["lm_head.weight"] = sd["embed.weight"]  # tied: one storage
    torch.save(sd, os.path.join(out, "copies_ref.pt"))
    items = [(k, v.numpy()) for k, v in sd.items()]
    write_safetensors(os.path.join(out, "copies_ref.safetensors"), items)
    write_safetensors(os.path.join(out, "copies_port.safetensors"),
                      [(k, v) for k, v in items if k not in ("lm_head.weight", "layers.1.fc.weight")])


def gpt2(out):
    rng = np.random.default_rng(20250908)
    sd, port = {}, []
    for i, kv in enumerate((32, 16)):
        q = (rng.standard_normal((32, 32)) * 0.1).astype(np.float32)
        k = (rng.standard_normal((kv, 32)) * 0.1).astype(np.float32)
        v = (rng.standard_normal((kv, 32)) * 0.1).astype(np.float32)
        p = "layers.%d.attn." % i
        sd.update({p + "q_proj.weight": q, p + "k_proj.weight": k, p + "v_proj.weight": v})
        # GPT-2's Conv1D keeps [in, out]: c_attn.weight = cat(q, k, v).T
        port.append((p + "qkv_proj.weight", np.ascontiguousarray(np.concatenate([q, k, v]).T)))
    torch.save({k: torch.from_numpy(v) for k, v in sd.items()}, os.path.join(out, "gpt2_ref.pt"))
    write_safetensors(os.path.join(out, "gpt2_port.safetensors"), port)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "cli",
                                                             "data", "weights")
    os.makedirs(out, exist_ok=True)
    sd = reference()
    save_pt(sd, os.path.join(out, "ref.pt"))
    write_safetensors(os.path.join(out, "mlx.safetensors"), mlx(sd))
    with open(os.path.join(out, "mlx.map"), "w") as f:
        f.write("# the MLX port's name for the final norm\n^model\\.norm_f\\.(.*)$ => model.norm.\\1\n")
    write_gguf(sd, os.path.join(out, "q8.gguf"))
    with open(os.path.join(out, "gguf.map"), "w") as f:
        f.write(GGUF_MAP)
    dtypes(out)
    apart(out)
    copies(out)
    gpt2(out)


if __name__ == "__main__":
    main()
