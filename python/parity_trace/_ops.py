"""Functional operations: their names, their kinds, and which are recorded.

PyTorch hands every torch.* function, torch.nn.functional.* function and
Tensor method or operator to the active TorchFunctionMode as `func`. Its
__name__ is the operation: "softmax", "silu", "mul", "__rsub__", "add_".
op_name() turns it into the stage suffix recorded by the tracer:

    dunder operators lose their underscores, reflected and in-place forms
    their "r"/"i" ("__rmul__", "__imul__" -> "mul"), in-place methods their
    trailing "_" ("add_" -> "add"), and synonyms one spelling
    ("truediv", "divide" -> "div"; "multiply" -> "mul"; "concat" -> "cat").

A selection (what `functional=` of Tracer.hook says) is a set of kinds
and/or fnmatch globs over these names; True means every kind below.
"""

import fnmatch

# Each kind: the operations recorded when it is selected. Shape and dtype
# operations (view, reshape, transpose, getitem, chunk, float, to...) are
# in no kind: they move data, and the data flow is traced through them.
KINDS = {
    "activation": frozenset((
        "relu", "relu6", "gelu", "silu", "sigmoid", "tanh", "elu", "selu",
        "celu", "leaky_relu", "softplus", "mish", "hardswish", "hardsigmoid",
        "hardtanh", "glu", "logsigmoid", "softsign", "tanhshrink", "prelu",
        "rrelu", "threshold", "hardshrink", "softshrink")),
    "softmax": frozenset(("softmax", "log_softmax", "softmin")),
    "matmul": frozenset(("matmul", "mm", "bmm", "baddbmm", "addmm", "addbmm",
                         "einsum", "bilinear")),
    "linear": frozenset(("linear", "conv1d", "conv2d", "conv3d",
                         "conv_transpose1d", "conv_transpose2d",
                         "conv_transpose3d")),
    "elementwise": frozenset(("add", "sub", "mul", "div")),
    "cat": frozenset(("cat", "stack")),
    "norm": frozenset(("layer_norm", "group_norm", "batch_norm",
                       "instance_norm", "normalize", "local_response_norm",
                       "rms_norm")),
    "attention": frozenset(("scaled_dot_product_attention",)),
}

# Operators whose reflected ("__radd__") and in-place ("__iadd__") forms
# are the same operation.
_BINARY = frozenset(("add", "sub", "mul", "matmul", "truediv", "div",
                     "floordiv", "pow", "mod", "and", "or", "xor"))

_SYNONYMS = {"truediv": "div", "divide": "div", "true_divide": "div",
             "multiply": "mul", "subtract": "sub", "rsub": "sub",
             "concat": "cat", "concatenate": "cat"}

# Never an operation of its own: attribute access and Python protocol
# methods (the tensor's repr, len, bool...).
_NOT_OPS = frozenset(("get", "set", "repr", "format", "len", "bool", "iter",
                      "reduce_ex", "deepcopy", "array", "hash", "index",
                      "int", "float", "complex", "contains"))


def op_name(func):
    """The operation's name as recorded ("mul" for __rmul__), or None for
    what is no operation (attribute access, protocol methods)."""
    name = getattr(func, "__name__", None)
    if not isinstance(name, str) or not name:
        return None
    if name.startswith("__") and name.endswith("__") and len(name) > 4:
        name = name[2:-2]
        if name in _NOT_OPS:
            return None
        if name[0] in "ri" and name[1:] in _BINARY:
            name = name[1:]
    elif name.endswith("_") and not name.startswith("_"):
        name = name[:-1]
    return _SYNONYMS.get(name, name)


class Selection:
    """Which operations a hook records: functional=False/None (none), True
    (every kind), or a string / list of strings, each a kind name or an
    fnmatch glob over operation names ("softmax", "silu", "mul", "*norm")."""

    def __init__(self, functional):
        self.ops, self.globs, self._cache = set(), [], {}
        if functional is None or functional is False:
            return
        if functional is True:
            items = list(KINDS)
        elif isinstance(functional, str):
            items = [functional]
        else:
            items = list(functional)
        for item in items:
            if not isinstance(item, str) or not item:
                raise TypeError("parity_trace: functional= takes True, a kind "
                                "or an operation glob, or a list of them; "
                                "got %r" % (item,))
            if item in KINDS:
                self.ops |= KINDS[item]
            elif any(c in item for c in "*?["):
                self.globs.append(item)
            else:
                self.ops.add(_SYNONYMS.get(item, item))

    def __bool__(self):
        return bool(self.ops or self.globs)

    def selects(self, op):
        """Is the operation named op (from op_name) recorded?"""
        hit = self._cache.get(op)
        if hit is None:
            hit = op in self.ops or any(fnmatch.fnmatchcase(op, g)
                                        for g in self.globs)
            self._cache[op] = hit
        return hit
