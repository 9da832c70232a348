"""Which recorded stages a tensor was computed from (docs/trace.md).

Two tables, both keyed by id(tensor) and holding a weak reference, so a
freed tensor's id, reused by a new tensor, is never mistaken for it:

    stages   id -> (ref, version, stage name, exact)
             the tensor a stage recorded (exact: its bytes are the stored
             ones) or, in inject mode, the replacement handed back (not
             exact: it holds the reference's values)
    derived  id -> (ref, parents, serial)
             a tensor some unrecorded operation produced (a view, a
             reshape, an add that is not recorded...): the stages its
             inputs came from, so parents pass through it

sources(t) is the stage t is, else the parents it was derived from, else
(for a view made where no operation was seen) those of its base. A stage
tensor modified in place has a new version counter and is no longer that
stage. Nothing here imports torch: it reads tensor attributes only.
"""

import weakref

# How deep sources() follows ._base, and parents() nested argument lists.
_MAX_DEPTH = 16


def version(t):
    """t's in-place version counter; 0 for inference tensors, which have
    none (in-place changes to them then go unnoticed)."""
    try:
        return t._version
    except RuntimeError:
        return 0


def _drop(table, key):
    def callback(ref):
        entry = table.get(key)
        if entry is not None and entry[0] is ref:
            del table[key]
    return callback


class Flow:
    def __init__(self, is_tensor):
        self._is_tensor = is_tensor
        self._stages = {}
        self._derived = {}
        self.serial = 0

    def _ref(self, t, table):
        return weakref.ref(t, _drop(table, id(t)))

    def note_stage(self, t, name, exact):
        """t now holds stage `name` (the latest name it was recorded as)."""
        self._stages[id(t)] = (self._ref(t, self._stages), version(t), name,
                               exact)
        self._derived.pop(id(t), None)

    def _stage(self, t):
        e = self._stages.get(id(t))
        if e is not None and e[0]() is t and e[1] == version(t):
            return e
        return None

    def identical_stage(self, t):
        """The stage whose stored bytes t holds unchanged, or None."""
        e = self._stage(t)
        return e[2] if e is not None and e[3] else None

    def sources(self, t, depth=0):
        """The stages t was computed from: (its own stage,) when it is one."""
        e = self._stage(t)
        if e is not None:
            return (e[2],)
        d = self._derived.get(id(t))
        if d is not None and d[0]() is t:
            return d[1]
        base = getattr(t, "_base", None)
        if base is not None and depth < _MAX_DEPTH:
            return self.sources(base, depth + 1)
        return ()

    def tensors(self, obj, depth=0):
        """The tensors in obj: a tensor, or nested tuples, lists, dicts."""
        if self._is_tensor(obj):
            yield obj
        elif depth < 4 and isinstance(obj, (tuple, list)):
            for v in obj:
                yield from self.tensors(v, depth + 1)
        elif depth < 4 and isinstance(obj, dict):
            for v in obj.values():
                yield from self.tensors(v, depth + 1)

    def parents(self, args, kwargs=None):
        """The stages the tensors in args and kwargs came from, in argument
        order, each once."""
        out = {}
        for t in self.tensors((args, kwargs or {})):
            for name in self.sources(t):
                out[name] = None
        return tuple(out)

    def versions(self, args, kwargs=None):
        """{id: (tensor, version)} of the tensors in args and kwargs, to
        tell an output that is an unchanged input from an in-place result."""
        return {id(t): (t, version(t))
                for t in self.tensors((args, kwargs or {}))}

    def derive(self, out, parents, before, serial):
        """Record that the tensors in out, made by an unrecorded operation,
        come from parents, unless a tensor is an input passed through
        unchanged (x.float() of a float), a stage, or was already derived
        inside this operation (after `serial`, by an operation it ran)."""
        self.serial += 1
        for t in self.tensors(out):
            seen = before.get(id(t))
            if seen is not None and seen[0] is t and seen[1] == version(t):
                continue
            if self._stage(t) is not None:
                continue
            d = self._derived.get(id(t))
            if d is not None and d[0]() is t and d[2] > serial:
                continue
            self._derived[id(t)] = (self._ref(t, self._derived), parents,
                                    self.serial)
