"""Recording a PyTorch model: module outputs, forward-called submodules,
functional operations, data flow. Imported by Tracer.hook() only.

How it sees everything:

- Each module of the hooked tree gets an instance attribute `forward`, a
  _Forward wrapping the forward it had. nn.Module.__call__ calls
  self.forward, and so does code calling `self.attention.forward(x)`
  directly, so both are recorded, once. On remove() (and Tracer.close())
  the instance attribute is deleted again, or the one it replaced put back.
- While a hooked call runs, a TorchFunctionMode is active: PyTorch hands it
  every torch.* / torch.nn.functional.* call and Tensor method or operator.
  It records the selected operations (_ops.Selection) as
  "<enclosing module stage>.<op>" and notes for every other result which
  stages it came from (_dataflow.Flow), so parents pass through views,
  reshapes and unrecorded arithmetic. PyTorch runs the handler with the
  mode off, so one torch function is one operation: what happens inside
  torch's own functions (F.multi_head_attention_forward's softmax) is not
  seen, what the model's Python code does between them is.
- An active mode makes torch.overrides.has_torch_function() true, which is
  one of the documented conditions under which PyTorch 1.13's
  nn.TransformerEncoderLayer, nn.TransformerEncoder and nn.MultiheadAttention
  skip their fused fast path ("some Tensor argument has_torch_function"):
  they run their step-by-step path (_sa_block, _ff_block,
  F.multi_head_attention_forward), whose submodules and operations are then
  recorded. hook() warns (FastPathWarning) naming the modules affected.
"""

import copy
import fnmatch
import warnings

import torch
from torch.overrides import TorchFunctionMode

from . import ROOT, FastPathWarning, _ops
from ._torch import walk

# ROOT ("@root") is the root module's stage name. Module paths are dotted
# attribute names ("layers.0.attn"); "@" is no character of a Python
# identifier, so no submodule assigned as an attribute is called that
# (add_module("@root", m) could, and hook() refuses such a model).

# PyTorch's modules with a fused inference path that bypasses their
# submodules (PyTorch 1.12 and later).
_FAST_PATH = tuple(getattr(torch.nn, n) for n in (
    "TransformerEncoderLayer", "TransformerEncoder", "MultiheadAttention")
    if hasattr(torch.nn, n))


def _matches(name, patterns):
    if patterns is None:
        return None
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _torch_leaf(module):
    """PyTorch's own modules without children (nn.Linear, nn.LayerNorm,
    nn.GELU, nn.Dropout...): their output is their stage, so the single
    operation inside (F.linear, F.layer_norm) is not recorded again."""
    return (not module._modules
            and type(module).__module__.startswith("torch."))


class _Forward:
    """The `forward` instance attribute of a hooked module."""

    __slots__ = ("session", "reg", "module", "stage", "record", "ops",
                 "root", "original", "had_own")

    def __init__(self, session, reg, module, stage, root):
        self.session, self.reg, self.module = session, reg, module
        self.stage, self.root = stage, root
        self.record = (_matches(stage, reg.include) is not False
                       and not _matches(stage, reg.exclude))
        self.ops = bool(reg.selection) and not _torch_leaf(module)
        self.had_own = "forward" in module.__dict__
        self.original = module.forward

    def __call__(self, *args, **kwargs):
        return self.session.call(self, args, kwargs)

    @property
    def __wrapped__(self):
        # inspect.signature(module.forward) sees the real signature.
        return self.original

    def __deepcopy__(self, memo):
        # A deep copy of a hooked model is not hooked: it gets the forward
        # it would have had, bound to the copy.
        return copy.deepcopy(self.original, memo)

    def restore(self):
        if self.module.__dict__.get("forward") is not self:
            return      # replaced after us by someone else: leave it
        if self.had_own:
            self.module.forward = self.original
        else:
            del self.module.forward


class Registration:
    """One hook() call: its options and the modules it wrapped; what hook()
    returns. remove() puts every forward back."""

    def __init__(self, session, include, exclude, inputs, functional):
        self.session = session
        self.include, self.exclude, self.inputs = include, exclude, inputs
        self.selection = _ops.Selection(functional)
        self._forwards = []
        self._op_stage = {}

    def wrap(self, model):
        """Set every module's forward, or none (a failure undoes the rest)."""
        try:
            for name, module in model.named_modules():
                fw = _Forward(self.session, self, module, name or ROOT, not name)
                module.forward = fw
                self._forwards.append(fw)
        except BaseException:
            self.remove()
            raise

    def op_stage(self, fw, op):
        """The stage name of operation op inside fw's module, or None when
        it is not recorded (not selected, or filtered out)."""
        key = (fw.stage, op)
        stage = self._op_stage.get(key, False)
        if stage is False:
            stage = None
            if self.selection.selects(op):
                stage = "%s.%s" % (fw.stage, op)
                if (_matches(stage, self.include) is False
                        or _matches(stage, self.exclude)):
                    stage = None
            self._op_stage[key] = stage
        return stage

    def remove(self):
        for fw in reversed(self._forwards):
            fw.restore()
        self._forwards = []
        self.session.registrations.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _Mode(TorchFunctionMode):
    def __init__(self, session):
        super().__init__()
        self.session = session

    def __torch_function__(self, func, types, args=(), kwargs=None):
        s = self.session
        if s.busy or not s.scope:
            return func(*args, **(kwargs or {}))
        return s.op(func, args, kwargs or {})


class Session:
    """A tracer's hooking state: the scope of module calls, the mode, and
    the registrations to remove at close."""

    def __init__(self, tracer):
        self.tracer = tracer
        self.flow = tracer._dataflow()
        self.mode = _Mode(self)
        self.scope = []          # the _Forward of each running module call
        self.busy = 0            # > 0: the tracer's own work, not the model's
        self.registrations = set()

    # -- registering ------------------------------------------------------

    def register(self, model, include, exclude, inputs, functional):
        _refuse_hooked(model)
        if ROOT in model._modules:
            raise ValueError("parity_trace: the model has a submodule named "
                             "'%s', the root's stage name; rename it" % ROOT)
        reg = Registration(self, include, exclude, inputs, functional)
        reg.wrap(model)
        self.registrations.add(reg)
        _warn_fast_path(model)
        return reg

    def remove_all(self):
        for reg in list(self.registrations):
            reg.remove()

    # -- running ----------------------------------------------------------

    def call(self, fw, args, kwargs):
        """A hooked module's forward: record the inputs' stages, run it,
        record its outputs."""
        outer = not self.scope
        if outer:
            self.mode.__enter__()
        self.scope.append(fw)
        try:
            self.busy += 1
            try:
                if fw.root and fw.reg.inputs:
                    args = walk("input", tuple(args), self._add_input)
                parents = self.flow.parents(args, kwargs)
            finally:
                self.busy -= 1
            out = fw.original(*args, **kwargs)
            if not fw.record:
                return out
            self.busy += 1
            try:
                return walk(fw.stage, out,
                            lambda n, t: self.record(n, t, parents))
            finally:
                self.busy -= 1
        finally:
            self.scope.pop()
            if outer:
                self.mode.__exit__(None, None, None)

    def op(self, func, args, kwargs):
        """One torch function inside a hooked call (the mode is off while
        this runs, as PyTorch pops it for its handler)."""
        fw = self.scope[-1]
        name = _ops.op_name(func) if fw.ops else None
        stage = fw.reg.op_stage(fw, name) if name else None
        parents = self.flow.parents(args, kwargs)
        if stage is not None:
            out = func(*args, **kwargs)
            self.busy += 1
            try:
                return walk(stage, out, lambda n, t: self.record(n, t, parents))
            finally:
                self.busy -= 1
        before = self.flow.versions(args, kwargs)
        serial = self.flow.serial
        out = func(*args, **kwargs)
        self.flow.derive(out, parents, before, serial)
        return out

    def record(self, name, t, parents):
        """Add one tensor of a module output or an operation result; return
        it, or its reference value in inject mode."""
        if not t.is_complex():
            return self.tracer._add(name, t, parents=parents, hooked=True)[0]
        # safetensors has no complex dtype: the stage is the real view
        # [..., 2] (real, imaginary), as torch.view_as_real gives it.
        real = torch.view_as_real(t.resolve_conj())
        new, full = self.tracer._add(name, real, parents=parents, hooked=True)
        self.flow.note_stage(t, full, exact=False)
        if new is real:
            return t
        new = torch.view_as_complex(new.contiguous())
        self.flow.note_stage(new, full, exact=False)
        return new

    def _add_input(self, name, t):
        return self.tracer._add(name, t, input=True, hooked=True)[0]


def _refuse_hooked(model):
    for name, module in model.named_modules():
        fw = module.__dict__.get("forward")
        if isinstance(fw, _Forward):
            raise ValueError(
                "parity_trace: module '%s' (%s) is already hooked by %r; "
                "remove that hook or close that tracer first"
                % (name or ROOT, type(module).__name__, fw.session.tracer))


def _warn_fast_path(model):
    names = ["%s (%s)" % (n or ROOT, type(m).__name__)
             for n, m in model.named_modules() if isinstance(m, _FAST_PATH)]
    if not names:
        return
    shown = ", ".join(names[:6])
    if len(names) > 6:
        shown += " and %d more" % (len(names) - 6)
    warnings.warn(
        "parity_trace: PyTorch's fused fast path is turned off for the "
        "traced calls of %d module%s: %s. They run their step-by-step path, "
        "so their submodules and operations are recorded; the results can "
        "differ from an untraced run by float rounding (see docs/python.md)"
        % (len(names), "" if len(names) == 1 else "s", shown),
        FastPathWarning, stacklevel=4)
