"""What the PyTorch tracer sees inside real models, and the data flow it
records (python/parity_trace/_hooks.py, _dataflow.py; docs/python.md).

- Acceptance 1: nn.TransformerEncoderLayer blocks (batch_first, eval,
  torch.no_grad(): PyTorch 1.13's fused fast path) record, per layer, the
  attention, both linears, the activation and both norms, each equal bit
  for bit to the step-by-step computation (and the traced output to the
  untraced fused one within float rounding, as docs/python.md says).
- Acceptance 2: a Llama-style block whose forward calls
  self.attention.forward() and does RoPE, softmax and SwiGLU functionally:
  q and k after RoPE, the softmax, the activation and the gated product
  are recorded without touching the model's code.
- Acceptance 3: parents of those stages.
- Acceptance 4: identical stages stored once, listed as aliases.
- Acceptance 5: hooks removed on close, double hook refused, the root's
  name collision-free.
Values are compared bit for bit with what the test computes itself.
"""

import copy
import inspect
import json
import math
import os
import unittest
import warnings

import numpy as np

import parity_trace as pt
from tempdir_case import TempDir
from test_tracer import Unfused, bits, parse, resolve

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # PyTorch is optional
    torch = None

needs_torch = unittest.skipIf(torch is None, "PyTorch is not installed")


# ---- the models ------------------------------------------------------------

if torch is not None:
    class Encoder(nn.Module):
        """Embedding projection, nn.TransformerEncoderLayer blocks, a head
        called `output` (the name the root used to have)."""

        def __init__(self, d=128, heads=4, layers=2, ff=256):
            super().__init__()
            self.embed = nn.Linear(16, d)
            self.layers = nn.ModuleList([
                nn.TransformerEncoderLayer(d, heads, ff, batch_first=True)
                for _ in range(layers)])
            self.output = nn.Linear(d, 10)

        def forward(self, x):
            h = self.embed(x)
            for layer in self.layers:
                h = layer(h)
            return self.output(h)

    class RMSNorm(nn.Module):
        def __init__(self, dim, eps=1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(dim))

        def _norm(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

        def forward(self, x):
            return self._norm(x.float()).type_as(x) * self.weight

    def rotate_half(x):
        x1, x2 = x.chunk(2, dim=-1)
        return torch.cat((-x2, x1), dim=-1)

    def apply_rope(x, cos, sin):
        return x * cos + rotate_half(x) * sin

    class Attention(nn.Module):
        def __init__(self, dim, n_heads):
            super().__init__()
            self.n_heads, self.head_dim = n_heads, dim // n_heads
            self.wq = nn.Linear(dim, dim, bias=False)
            self.wk = nn.Linear(dim, dim, bias=False)
            self.wv = nn.Linear(dim, dim, bias=False)
            self.wo = nn.Linear(dim, dim, bias=False)

        def heads(self, x):                 # [b, t, dim] -> [b, h, t, hd]
            b, t, _ = x.shape
            return x.view(b, t, self.n_heads, self.head_dim).transpose(1, 2)

        def forward(self, x, cos, sin, mask):
            b, t, _ = x.shape
            q, k, v = self.heads(self.wq(x)), self.heads(self.wk(x)), self.heads(self.wv(x))
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
            scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
            scores = scores + mask
            probs = F.softmax(scores.float(), dim=-1).type_as(q)
            out = torch.matmul(probs, v)
            return self.wo(out.transpose(1, 2).contiguous().view(b, t, -1))

    class FeedForward(nn.Module):
        def __init__(self, dim, hidden):
            super().__init__()
            self.w1 = nn.Linear(dim, hidden, bias=False)
            self.w2 = nn.Linear(hidden, dim, bias=False)
            self.w3 = nn.Linear(dim, hidden, bias=False)

        def forward(self, x):
            return self.w2(F.silu(self.w1(x)) * self.w3(x))

    class LlamaBlock(nn.Module):
        """Calls its attention and feed-forward through .forward(), as
        many reference implementations do: no module hook sees them."""

        def __init__(self, dim, n_heads, hidden):
            super().__init__()
            self.attention_norm = RMSNorm(dim)
            self.attention = Attention(dim, n_heads)
            self.ffn_norm = RMSNorm(dim)
            self.feed_forward = FeedForward(dim, hidden)

        def forward(self, x, cos, sin, mask):
            h = x + self.attention.forward(self.attention_norm(x), cos, sin, mask)
            return h + self.feed_forward.forward(self.ffn_norm(h))

    class Llama(nn.Module):
        def __init__(self, vocab=64, dim=32, n_layers=2, n_heads=4, hidden=96):
            super().__init__()
            self.tok_embeddings = nn.Embedding(vocab, dim)
            self.layers = nn.ModuleList([LlamaBlock(dim, n_heads, hidden)
                                         for _ in range(n_layers)])
            self.norm = RMSNorm(dim)
            self.output = nn.Linear(dim, vocab, bias=False)
            hd = dim // n_heads
            inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
            ang = torch.outer(torch.arange(128).float(), inv)
            ang = torch.cat((ang, ang), dim=-1)
            self.register_buffer("cos", ang.cos(), persistent=False)
            self.register_buffer("sin", ang.sin(), persistent=False)
            for m in self.modules():        # trained-looking norms, not ones
                if isinstance(m, RMSNorm):
                    nn.init.normal_(m.weight, 1.0, 0.2)

        def forward(self, tokens):
            t = tokens.shape[1]
            h = self.tok_embeddings(tokens)
            mask = torch.full((t, t), float("-inf")).triu(1)
            cos, sin = self.cos[:t], self.sin[:t]
            for layer in self.layers:
                h = layer(h, cos, sin, mask)
            return self.output(self.norm(h))


def encoder_layer_manual(layer, x):
    """The stages of a post-norm nn.TransformerEncoderLayer, computed here
    through its submodules on the step-by-step path."""
    with Unfused():
        sa = layer.self_attn(x, x, x, need_weights=False)[0]
        n1 = layer.norm1(x + sa)
        l1 = layer.linear1(n1)
        act = F.relu(l1)
        l2 = layer.linear2(act)
        n2 = layer.norm2(n1 + l2)
    return {"self_attn.0": sa, "norm1": n1, "linear1": l1, "relu": act,
            "linear2": l2, "norm2": n2}


def llama_manual(model, tokens, layer_index):
    """q, k after RoPE, softmax, SiLU and the gated product of one layer."""
    t = tokens.shape[1]
    h = model.tok_embeddings(tokens)
    mask = torch.full((t, t), float("-inf")).triu(1)
    cos, sin = model.cos[:t], model.sin[:t]
    for i, layer in enumerate(model.layers):
        if i == layer_index:
            att = layer.attention
            x = layer.attention_norm(h)
            q = apply_rope(att.heads(att.wq(x)), cos, sin)
            k = apply_rope(att.heads(att.wk(x)), cos, sin)
            scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(att.head_dim)
            probs = F.softmax((scores + mask).float(), dim=-1)
            hf = h + att(x, cos, sin, mask)
            y = layer.ffn_norm(hf)
            act = F.silu(layer.feed_forward.w1(y))
            return {"attention.add": q, "attention.add#1": k,
                    "attention.softmax": probs, "feed_forward.silu": act,
                    "feed_forward.mul": act * layer.feed_forward.w3(y)}
        h = layer(h, cos, sin, mask)
    raise IndexError(layer_index)


class TorchCase(TempDir):
    def setUp(self):
        super().setUp()
        torch.manual_seed(0)

    def trace(self, model, x, path=None, inject=None, **kw):
        """(tracer, output, read_trace of the file) of one hooked call under
        torch.no_grad(), FastPathWarning silenced."""
        path = path or self.p("t.safetensors")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pt.FastPathWarning)
            with torch.no_grad(), pt.Tracer(path, inject=inject) as t:
                t.hook(model, **kw)
                out = model(x)
        return t, out, pt.read_trace(path)

    def assertBits(self, tr, name, tensor):
        self.assertIn(name, tr)
        self.assertEqual(tr.shape(name), tuple(tensor.shape), name)
        self.assertEqual(tr.raw(name).tobytes(), bits(tensor), name)


# ---- acceptance 1 and 3: nn.TransformerEncoderLayer -----------------------


@needs_torch
class TestTransformerEncoder(TorchCase):
    def setUp(self):
        super().setUp()
        self.model = Encoder().eval()
        self.x = torch.randn(2, 9, 16)

    def test_every_submodule_recorded_under_no_grad(self):
        t, out, tr = self.trace(self.model, self.x, functional=True)
        with torch.no_grad():
            h = self.model.embed(self.x)
            for i, layer in enumerate(self.model.layers):
                want = encoder_layer_manual(layer, h)
                for stage, tensor in want.items():     # fails if one is missing
                    self.assertBits(tr, "layers.%d.%s" % (i, stage), tensor)
                h = want["norm2"]
        self.assertBits(tr, "output", out)
        self.assertBits(tr, "@root", out)
        self.assertEqual(tr.order, t.order)

    def test_module_outputs_only(self):
        t, _, tr = self.trace(self.model, self.x)
        for i in range(2):
            for stage in ("self_attn.0", "norm1", "linear1", "dropout",
                          "linear2", "norm2"):
                self.assertIn("layers.%d.%s" % (i, stage), t.order)
        self.assertFalse([n for n in t.order if n.endswith(".relu")])

    def test_warns_and_differs_from_the_fused_run_by_rounding_only(self):
        with torch.no_grad():
            fused = self.model(self.x)
        with torch.no_grad(), pt.Tracer(self.p("w.safetensors")) as t:
            with self.assertWarns(pt.FastPathWarning) as cm:
                t.hook(self.model)
            traced = self.model(self.x)
        msg = str(cm.warning)
        for name in ("layers.0 (TransformerEncoderLayer)",
                     "layers.0.self_attn (MultiheadAttention)", "layers.1 "):
            self.assertIn(name, msg)
        # docs/python.md: PyTorch 1.13 on x86-64, d_model 128, relative
        # difference about 1e-7 (d_model 64: bit-identical).
        rel = float((traced - fused).norm() / fused.norm())
        self.assertLess(rel, 1e-6)
        # After close the fast path is back: the same bits as before.
        with torch.no_grad():
            self.assertEqual(bits(self.model(self.x)), bits(fused))

    def test_nn_transformer_encoder(self):
        layer = nn.TransformerEncoderLayer(64, 4, 128, batch_first=True)
        enc = nn.TransformerEncoder(layer, 2).eval()
        t, out, tr = self.trace(enc, torch.randn(2, 5, 64), functional="relu")
        for i in range(2):
            for stage in ("self_attn.0", "norm1", "linear1", "relu", "linear2",
                          "norm2"):
                self.assertIn("layers.%d.%s" % (i, stage), t.order)
        self.assertEqual(t.aliases["@root"], "layers.1.norm2")
        self.assertBits(tr, "@root", out)

    def test_parents(self):
        t, _, tr = self.trace(self.model, self.x, functional=True)
        want = {
            "layers.0.self_attn.0": ["embed"],
            "layers.0.dropout1": ["layers.0.self_attn.0"],
            "layers.0.add": ["embed", "layers.0.dropout1"],
            "layers.0.norm1": ["layers.0.add"],
            "layers.0.linear1": ["layers.0.norm1"],
            "layers.0.relu": ["layers.0.linear1"],
            "layers.0.dropout": ["layers.0.relu"],
            "layers.0.linear2": ["layers.0.dropout"],
            "layers.0.dropout2": ["layers.0.linear2"],
            "layers.0.add#1": ["layers.0.norm1", "layers.0.dropout2"],
            "layers.0.norm2": ["layers.0.add#1"],
            "layers.1.self_attn.0": ["layers.0"],
            "output": ["layers.1"],
        }
        for stage, parents in want.items():
            self.assertEqual(tr.parents.get(stage), parents, stage)
        # The residual chain of norm2, back to the embedding, through the
        # aliases (eval dropouts return their input).
        self.assertEqual(tr.aliases["layers.0.dropout2"], "layers.0.linear2")
        self.assertEqual(tr.aliases["layers.0.dropout1"], "layers.0.self_attn.0")
        self.assertEqual(tr.aliases["layers.0"], "layers.0.norm2")
        # Without functional operations, parents skip the unrecorded adds.
        t, _, tr = self.trace(self.model, self.x, path=self.p("m.safetensors"))
        self.assertEqual(tr.parents["layers.0.norm2"],
                         ["layers.0.norm1", "layers.0.dropout2"])
        self.assertEqual(tr.parents["layers.0.norm1"], ["embed", "layers.0.dropout1"])


# ---- acceptance 2 and 3: a Llama-style block ------------------------------


@needs_torch
class TestLlama(TorchCase):
    def setUp(self):
        super().setUp()
        self.model = Llama().eval()
        self.tokens = torch.randint(0, 64, (2, 7))

    def test_functional_steps_recorded(self):
        t, out, tr = self.trace(self.model, self.tokens, functional=True)
        with torch.no_grad():
            for i in range(2):
                for stage, tensor in llama_manual(self.model, self.tokens, i).items():
                    self.assertBits(tr, "layers.%d.%s" % (i, stage), tensor)
        # The submodules called through .forward() are recorded as modules.
        for stage in ("attention", "feed_forward"):
            self.assertIn("layers.0." + stage, t.order)
        self.assertBits(tr, "@root", out)
        self.assertEqual(tr.aliases["@root"], "output")

    def test_parents(self):
        _, _, tr = self.trace(self.model, self.tokens, functional=True)
        p = {k[len("layers.0."):]: v for k, v in tr.parents.items()
             if k.startswith("layers.0.")}
        L = "layers.0."
        self.assertEqual(p["feed_forward.mul"],
                         [L + "feed_forward.silu", L + "feed_forward.w3"])
        self.assertEqual(p["feed_forward.silu"], [L + "feed_forward.w1"])
        self.assertEqual(p["attention.softmax"], [L + "attention.add#2"])
        self.assertEqual(p["attention.add#2"], [L + "attention.div"])
        self.assertEqual(p["attention.div"], [L + "attention.matmul"])
        self.assertEqual(p["attention.matmul"],
                         [L + "attention.add", L + "attention.add#1"])
        self.assertEqual(p["attention.add"], [L + "attention.mul", L + "attention.mul#1"])
        self.assertEqual(p["attention.mul#1"], [L + "attention.cat"])
        self.assertEqual(p["attention.cat"], [L + "attention.wq"])
        self.assertEqual(p["attention.matmul#1"],
                         [L + "attention.softmax", L + "attention.wv"])
        self.assertEqual(p["attention"], [L + "attention_norm"])
        self.assertNotIn("tok_embeddings", tr.parents)  # the input is no stage
        # Only some operations recorded: parents pass through the others
        # (the scale and the mask addition between matmul and softmax).
        _, _, tr = self.trace(self.model, self.tokens, path=self.p("s.safetensors"),
                              functional=["softmax", "silu", "mul", "matmul"])
        self.assertEqual(tr.parents[L + "attention.softmax"], [L + "attention.matmul"])
        self.assertEqual(tr.parents[L + "feed_forward.mul"],
                         [L + "feed_forward.silu", L + "feed_forward.w3"])

    def test_selection_by_kind_glob_and_filter(self):
        t, _, _ = self.trace(self.model, self.tokens, functional=["softmax", "s*u"],
                             include=["layers.1.*"])
        self.assertEqual([n for n in t.order if not n.startswith("layers.1.")], [])
        self.assertIn("layers.1.attention.softmax", t.order)
        self.assertIn("layers.1.feed_forward.silu", t.order)
        self.assertFalse([n for n in t.order if n.endswith((".mul", ".matmul"))])
        with self.assertRaises(TypeError):
            self.trace(self.model, self.tokens, functional=[3])

    def test_inject_reaches_operations_and_forward_calls(self):
        ref = self.p("ref.safetensors")
        _, ref_out, _ = self.trace(self.model, self.tokens, path=ref, functional=True)
        port = copy.deepcopy(self.model)
        with torch.no_grad():
            port.layers[0].attention.wq.weight.mul_(1.01)    # the port's bug
        # Everything injected: only the buggy stage differs.
        t, _, tr = self.trace(port, self.tokens, path=self.p("p.safetensors"),
                              inject=ref, functional=True)
        r = pt.read_trace(ref)
        differ = [n for n in t.order if tr.raw(n).tobytes() != r.raw(n).tobytes()]
        self.assertEqual(differ, ["layers.0.attention.wq"])
        # Only the RoPE/score additions injected (functional operations
        # inside a forward-called module): the output is the reference's.
        t, out, _ = self.trace(port, self.tokens, path=self.p("q.safetensors"),
                               inject=ref, functional="add",
                               include="layers.0.attention.add")
        self.assertEqual(t.order, ["layers.0.attention.add", "layers.0.attention.add#1",
                                   "layers.0.attention.add#2"])
        self.assertEqual(bits(out), bits(ref_out))


# ---- acceptance 4: aliases ------------------------------------------------

if torch is not None:
    class Wrapper(nn.Module):
        """A container returning its child's output, an eval dropout, a
        copy, and a same-valued tensor of another dtype."""

        def __init__(self):
            super().__init__()
            self.inner = nn.Sequential(nn.Linear(4, 4), nn.Tanh())
            self.drop = nn.Dropout(0.1)
            self.proj = nn.Linear(4, 4)

        def forward(self, x):
            h = self.drop(self.inner(x))
            c = h.clone()
            return self.proj(c), c, h.double()


@needs_torch
class TestAliases(TorchCase):
    NAMES = ["inner.0", "inner.1", "inner", "drop", "proj",
             "@root.0", "@root.1", "@root.2"]
    ALIASES = {"inner": "inner.1", "drop": "inner.1", "@root.0": "proj",
               "@root.1": "inner.1"}

    def setUp(self):
        super().setUp()
        self.model = Wrapper().eval()
        self.x = torch.randn(3, 4)

    def test_single_file(self):
        path = self.p("a.safetensors")
        t, out, tr = self.trace(self.model, self.x, path=path)
        self.assertEqual(t.order, self.NAMES)
        self.assertEqual(t.aliases, self.ALIASES)
        meta, got, header = parse(path)
        self.assertEqual(header, [n for n in self.NAMES if n not in self.ALIASES])
        self.assertEqual(json.loads(meta["parity.order"]), self.NAMES)
        self.assertEqual(json.loads(meta["parity.aliases"]), self.ALIASES)
        self.assertEqual(json.loads(meta["parity.parents"]), t.parents)
        self.assertEqual(t.parents["drop"], ["inner"])
        self.assertEqual(t.parents["proj"], ["drop"])
        self.assertNotIn("@root.1", t.parents)   # the root's input is no stage
        for name, tensor in (("drop", out[1]), ("@root.0", out[0]), ("@root.1", out[1]),
                             ("@root.2", out[2])):
            self.assertEqual(resolve(meta, got, name)[2], bits(tensor), name)
            self.assertEqual(tr.raw(name).tobytes(), bits(tensor), name)
        self.assertEqual((tr.order, tr.aliases, tr.parents),
                         (self.NAMES, self.ALIASES, t.parents))
        self.assertEqual(tr.dtype("@root.2"), "F64")

    def test_directory(self):
        d = self.p("adir")
        t, out, tr = self.trace(self.model, self.x, path=d)
        with open(os.path.join(d, "index.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc["order"], self.NAMES)
        self.assertEqual(doc["aliases"], self.ALIASES)
        self.assertEqual(doc["parents"], t.parents)
        self.assertEqual(sorted(doc["files"]),
                         sorted(n for n in self.NAMES if n not in self.ALIASES))
        self.assertEqual(len([f for f in os.listdir(d) if f.endswith(".safetensors")]), 4)
        self.assertEqual((tr.order, tr.aliases), (self.NAMES, self.ALIASES))
        self.assertEqual(tr.raw("@root.1").tobytes(), bits(out[1]))
        # parity's readers that ignore aliases still read the stored stages.

    def test_added_stages_and_switch(self):
        path = self.p("b.safetensors")
        with pt.Tracer(path) as t:
            a = torch.ones(3)
            t.add("a", a)
            t.add("b", a)                      # explicit: stored again
            t.add("c", torch.ones(3) * 2, parents=["a", "b"])
        self.assertEqual(t.aliases, {})
        self.assertEqual(t.parents, {"c": ["a", "b"]})
        with self.assertRaises(KeyError):
            with pt.Tracer(self.p("c.safetensors")) as t2:
                t2.add("x", a, parents=["nothing"])
        t, _, tr = self.trace(self.model, self.x, path=self.p("off.safetensors"))
        self.assertTrue(t.aliases)
        with torch.no_grad(), pt.Tracer(self.p("all.safetensors"), aliases=False) as t:
            t.hook(self.model)
            self.model(self.x)
        self.assertEqual((t.order, t.aliases), (self.NAMES, {}))
        self.assertEqual(len(parse(self.p("all.safetensors"))[1]), len(self.NAMES))

    def test_reader_checks_aliases(self):
        path = self.p("bad.safetensors")
        for aliases, msg in (({"x": "nothing"}, "names 'nothing'"),
                             ({"a": "a"}, "also a stored tensor")):
            pt.write_safetensors(path, {"a": np.zeros(2)},
                                 {"parity.aliases": json.dumps(aliases)})
            with self.assertRaises(ValueError) as cm:
                pt.read_trace(path)
            self.assertIn(msg, str(cm.exception))
        pt.write_safetensors(path, {"a": np.zeros(2)}, {"parity.parents": '{"a": "b"}'})
        with self.assertRaises(ValueError):
            pt.read_trace(path)

    def test_complex_results_stored_as_real_pairs(self):
        class Rope(nn.Module):
            def forward(self, x, f):
                z = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2))
                return torch.view_as_real(z * f).flatten(-2)

        x = torch.randn(2, 8)
        f = torch.polar(torch.ones(4), torch.arange(4.0))
        with torch.no_grad():
            want = torch.view_as_real(torch.view_as_complex(x.reshape(2, 4, 2)) * f)
        path, m = self.p("z.safetensors"), Rope()
        with torch.no_grad(), pt.Tracer(path) as t:
            t.hook(m, functional="mul")
            out = m(x, f)
        tr = pt.read_trace(path)
        self.assertEqual(tr.raw("@root.mul").tobytes(), bits(want))
        with torch.no_grad(), pt.Tracer(self.p("zi.safetensors"), inject=path) as t:
            t.hook(m, functional="mul")
            self.assertEqual(bits(m(torch.zeros(2, 8), f)), bits(out))


# ---- acceptance 5: the hooks' life ----------------------------------------


@needs_torch
class TestHookLife(TorchCase):
    def setUp(self):
        super().setUp()
        self.model = Llama().eval()
        self.tokens = torch.randint(0, 64, (1, 5))

    def hooked(self):
        return [n for n, m in self.model.named_modules() if "forward" in m.__dict__]

    def test_removed_on_close(self):
        with torch.no_grad():
            want = self.model(self.tokens)
        with torch.no_grad(), pt.Tracer(self.p("a.safetensors")) as t:
            t.hook(self.model, functional=True)
            self.assertEqual(len(self.hooked()), len(list(self.model.modules())))
            self.model(self.tokens)
        n = len(t.order)
        self.assertEqual(self.hooked(), [])
        with torch.no_grad():
            self.assertEqual(bits(self.model(self.tokens)), bits(want))
        self.assertEqual(len(t.order), n)
        # The handle removes too, and a forward set by the user survives.
        own = self.model.norm.forward
        self.model.norm.forward = own
        with pt.Tracer(self.p("b.safetensors")) as t:
            h = t.hook(self.model)
            self.assertIsNot(self.model.norm.__dict__["forward"], own)
            h.remove()
            self.assertEqual(self.hooked(), ["norm"])
            self.assertIs(self.model.norm.__dict__["forward"], own)
        del self.model.norm.forward

    def test_double_hook_refused(self):
        with pt.Tracer(self.p("a.safetensors")) as t, \
                pt.Tracer(self.p("b.safetensors")) as other:
            t.hook(self.model)
            for tracer, model in ((t, self.model), (t, self.model.layers[0]),
                                  (other, self.model)):
                with self.assertRaises(ValueError) as cm:
                    tracer.hook(model)
                self.assertIn("already hooked", str(cm.exception))
            with torch.no_grad():
                self.model(self.tokens)
            self.assertEqual(len(t.order), len(set(t.order)))
            self.assertEqual(t.order.count("layers.0.attention"), 1)
        with pt.Tracer(self.p("c.safetensors")) as t:     # closed: free again
            t.hook(self.model)

    def test_root_name_cannot_collide(self):
        t, out, tr = self.trace(self.model, self.tokens)
        self.assertEqual(t.order[-2:], ["output", "@root"])
        self.assertEqual(tr.parents["output"], ["norm"])
        self.assertEqual(pt.ROOT, "@root")
        odd = nn.Module()
        odd.add_module("@root", nn.Linear(2, 2))
        with pt.Tracer(self.p("o.safetensors")) as t:
            with self.assertRaises(ValueError):
                t.hook(odd)
            self.assertEqual([n for n, m in odd.named_modules()
                              if "forward" in m.__dict__], [])

    def test_hook_is_all_or_nothing(self):
        class Fixed(nn.Module):            # forward cannot be set on it
            forward = property(lambda self: (lambda x: x))

        self.model.layers[1].add_module("fixed", Fixed())
        with pt.Tracer(self.p("a.safetensors")) as t:
            with self.assertRaises(AttributeError):
                t.hook(self.model)
            self.assertEqual(self.hooked(), [])
            t.hook(self.model.layers[0])       # the rest of the model is free

    def test_copies_signature_and_disabled(self):
        with pt.Tracer(self.p("a.safetensors")) as t:
            t.hook(self.model)
            sig = inspect.signature(self.model.layers[0].forward)
            self.assertEqual(list(sig.parameters), ["x", "cos", "sin", "mask"])
            twin = copy.deepcopy(self.model)
            with torch.no_grad():
                twin(self.tokens)
            self.assertEqual(t.order, [])        # the copy is not hooked
        off = pt.Tracer()
        off.hook(self.model).remove()
        self.assertEqual(self.hooked(), [])

    def test_inputs_parents_and_added_stages(self):
        with torch.no_grad(), pt.Tracer(self.p("i.safetensors")) as t:
            t.hook(self.model, inputs=True,
                   include=["tok_embeddings", "layers.0", "@root"])
            h = self.model(self.tokens)
            t.add("last", h[:, -1])         # outside a hooked call: no parents
            t.add("first", h[:, 0], parents=["@root"])
        self.assertEqual(t.order, ["input.0", "tok_embeddings", "layers.0",
                                   "@root", "last", "first"])
        self.assertEqual(t.inputs, ["input.0"])
        self.assertEqual(t.parents, {"tok_embeddings": ["input.0"],
                                     "layers.0": ["tok_embeddings"],
                                     "@root": ["input.0"], "first": ["@root"]})

    def test_added_inside_a_hooked_call(self):
        tracer = pt.Tracer(self.p("p.safetensors"))

        class Probe(nn.Module):             # traces by hand as well
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(4, 4)

            def forward(self, x):
                h = self.lin(x)
                tracer.add("probe", (h.relu() * 2).t())
                return h + 1

        m = Probe()
        with torch.no_grad(), tracer as t:
            t.hook(m, functional="add")
            m(torch.randn(2, 4))
        self.assertEqual(t.order, ["lin", "probe", "@root.add", "@root"])
        self.assertEqual(t.parents, {"probe": ["lin"], "@root.add": ["lin"]})


if __name__ == "__main__":
    unittest.main()
