"""PyTorch support, imported only when a torch tensor or module is seen.

Nothing here imports torch at module level: a tensor can only exist once
torch has been imported by the caller, so `sys.modules` tells whether x can
be a tensor at all, without paying torch's import time.
"""

import sys

import numpy as np


def is_tensor(x):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _raw_views():
    """torch dtype -> (integer dtype of the same width, safetensors name) for
    the floats NumPy cannot represent; their bits travel as integers."""
    import torch
    views = {torch.bfloat16: (torch.int16, "BF16")}
    for attr, name in (("float8_e4m3fn", "F8_E4M3"), ("float8_e5m2", "F8_E5M2")):
        if hasattr(torch, attr):
            views[getattr(torch, attr)] = (torch.uint8, name)
    return views


def to_numpy(t):
    """(safetensors dtype or None, NumPy array) with the tensor's exact bits.

    The dtype is given for bf16/f8 tensors, whose array holds raw integer
    bits; None means the array's own NumPy dtype says it."""
    t = t.detach().cpu()
    views = _raw_views()
    if t.dtype in views:
        int_dt, name = views[t.dtype]
        bits = t.contiguous().view(int_dt).numpy()
        return name, bits.view(np.uint16 if bits.itemsize == 2 else np.uint8)
    if t.is_complex():
        raise ValueError("complex tensors cannot be stored in safetensors")
    return None, t.contiguous().numpy()


def numpy_dtype(like):
    """The NumPy dtype inject converts to for a tensor like `like`: its
    own, or float32 for the floats NumPy lacks (bf16, f8), which torch then
    rounds to nearest even."""
    import torch
    if like.dtype in _raw_views():
        return np.dtype(np.float32)
    return torch.empty((), dtype=like.dtype).numpy().dtype


def from_numpy(arr, like):
    """A tensor holding arr's values, with like's dtype and device."""
    import torch
    arr = np.array(arr, copy=True, order="C")
    if arr.dtype.kind == "u" and arr.itemsize > 1:
        # torch has no uint16/32/64 tensors to build from NumPy.
        arr = arr.astype(np.int64)
    t = torch.from_numpy(arr)
    return t.to(device=like.device, dtype=like.dtype)


def walk(stage, out, add):
    """Record every tensor inside out (tensor, tuple/list, dict, nested) with
    add(name, tensor) -> replacement; return out rebuilt from the
    replacements (same structure), non-tensors left as they are."""
    if is_tensor(out):
        return add(stage, out)
    if isinstance(out, (tuple, list)):
        items = [walk("%s.%d" % (stage, i), v, add) for i, v in enumerate(out)]
        if isinstance(out, tuple) and hasattr(out, "_fields"):
            return type(out)(*items)  # namedtuple
        return type(out)(items)
    if isinstance(out, dict):
        rebuilt = {k: walk("%s.%s" % (stage, k), v, add) for k, v in out.items()}
        try:
            return type(out)(rebuilt)
        except TypeError:
            return rebuilt
    return out


class HookHandle:
    """What a disabled tracer's hook() returns: remove() does nothing. (An
    enabled tracer returns _hooks.Registration, with the same methods.)"""

    def remove(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
