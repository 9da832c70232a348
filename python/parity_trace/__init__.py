"""parity_trace: record every intermediate tensor of a run, in execution
order, as a parity trace; optionally replace each one by a reference value
(inject mode, activation patching). NumPy is required; PyTorch is optional
and imported only when a tensor or module is handed over.

    from parity_trace import Tracer
    with Tracer("ref.safetensors") as t:
        t.add("mel", mel, input=True)
        t.hook(model)           # every submodule output, execution order
        model(mel)

A path ending in ".safetensors" is one file written on close(); any other
path is a directory written stage by stage (NNNNNN.safetensors, each
atomically, as it completes; index.json now and then and on close, as the
C tracer does). The format is documented in include/parity.h, section 6,
docs/tracing.md and docs/python.md.
"""

import atexit
import json
import os
import re
import time

import numpy as np

from . import _layout
from . import _names
from . import _safetensors
from . import _torch
from ._trace import Trace, read_trace, is_trace_dir

__all__ = ["Tracer", "Trace", "read_trace", "write_safetensors", "FORMAT"]

FORMAT = "parity-trace/1"
_RESERVED = ("parity.order", "parity.inputs", "parity.format")
_STAGE_FILE = re.compile(r"^[0-9]{6,}\.safetensors(\.tmp)?$")

# index.json is rewritten when an input or metadata is added, at close,
# and otherwise once INDEX_MIN_STAGES stages and half the indexed count
# have been added since the last rewrite, or INDEX_MAX_SECONDS have
# passed: O(total) bytes instead of the whole index after every stage.
# Stages after the last rewrite are recovered by readers from the stage
# files themselves (file-number order). The C tracer does the same.
INDEX_MIN_STAGES = 64
INDEX_MAX_SECONDS = 1.0


def write_safetensors(path, tensors, metadata=None):
    """Write tensors, a dict or a list of (name, array) pairs (NumPy arrays
    or torch tensors), to one safetensors file, atomically."""
    items = tensors.items() if isinstance(tensors, dict) else tensors
    out = []
    for name, x in items:
        dt, raw = _to_raw(x)
        out.append((name, dt, raw))
    _safetensors.write_atomic(os.fspath(path), _safetensors.encode(
        out, dict(metadata or {})))


def _to_raw(x):
    """(safetensors dtype, C-contiguous little-endian array of x's bits)."""
    if _torch.is_tensor(x):
        name, arr = _torch.to_numpy(x)
        if name is not None:
            return name, np.asarray(arr, order="C")
        x = arr
    return _safetensors.from_numpy(x)


class Tracer:
    """Records named tensors to a parity trace.

    path     ".safetensors" file (written on close) or a directory (written
             as each stage completes); None: the PARITY_TRACE environment
             variable, and when that is unset too the tracer is disabled:
             add() returns its argument at once and hook() registers nothing.
    inject   a reference trace (file or directory) whose values replace the
             traced ones; None: the PARITY_INJECT environment variable;
             False or "": no injection whatever the environment says.
    enabled  False disables the tracer whatever path says; None (default)
             enables it when a path is known; True requires a path.
    """

    def __init__(self, path=None, inject=None, enabled=None):
        if path is None and enabled is not False:
            path = os.environ.get("PARITY_TRACE") or None
        if enabled and path is None:
            raise ValueError("Tracer(enabled=True) needs a path or the "
                             "PARITY_TRACE environment variable")
        self.enabled = bool(path is not None and enabled is not False)
        self.path = os.fspath(path) if self.enabled else None
        self.order, self.inputs, self.metadata = [], [], {}
        self.injected = 0       # how many tensors were replaced
        self.inject_log = []    # (name, layout text) of each replacement
        self.reference = None
        self._counts, self._files, self._pending = {}, {}, []
        self._closed = False
        self._indexed, self._indexed_at = 0, 0.0
        if not self.enabled:
            return
        if inject is None:
            inject = os.environ.get("PARITY_INJECT") or None
        if inject:
            self.reference = read_trace(inject)
        self.single = self.path.endswith(".safetensors")
        if not self.single:
            self._prepare_dir()
        elif not os.path.isdir(os.path.dirname(os.path.abspath(self.path))):
            # Fail now rather than lose the whole trace at close().
            raise FileNotFoundError("parity_trace: no directory for %s"
                                    % self.path)
        atexit.register(self.close)

    # -- properties ---------------------------------------------------------

    @property
    def injecting(self):
        """True when a reference trace is set and the tracer is enabled."""
        return self.reference is not None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "disabled" if not self.enabled else (
            "%d tensors -> %s" % (len(self.order), self.path))
        return "<parity_trace.Tracer %s>" % state

    # -- recording ----------------------------------------------------------

    def add(self, name, x, input=False):
        """Record x (NumPy array or torch tensor, any dtype) as stage name.

        A name added again becomes "name#1", "name#2", ... Returns x; in
        inject mode returns the reference value instead (x's type, dtype and
        device), and overwrites x in place when it is a writeable NumPy
        array. Raises KeyError when the reference lacks the stage and
        ValueError when its shape cannot be aligned with x's."""
        if not self.enabled:
            return x
        if self._closed:
            raise ValueError("parity_trace: add('%s') after close()" % name)
        dt, raw = _to_raw(x)       # first: an unstorable x consumes no name
        full = self._unique(str(name))
        self._record(full, dt, raw)
        if input:
            self.inputs.append(full)
        if not self.single:
            self._stage_added(input)
        if self.reference is None:
            return x
        return self._inject(full, x)

    def mark_input(self, name):
        """Mark an already added stage (its full, suffixed name) as a model
        input, compared first by parity trace."""
        if not self.enabled:
            return
        if name not in self.order:
            raise KeyError("parity_trace: no stage '%s' to mark as input" % name)
        if name not in self.inputs:
            self.inputs.append(name)
            if not self.single:
                self._write_index()

    def meta(self, key, value):
        """Add a metadata entry (strings; the parity.* keys are reserved)."""
        if not self.enabled:
            return
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("parity_trace: metadata keys and values are strings")
        if key in _RESERVED:
            raise ValueError("parity_trace: metadata key '%s' is reserved" % key)
        self.metadata[key] = value
        if not self.single:
            self._write_index()

    def hook(self, model, include=None, exclude=None, inputs=False):
        """Record the outputs of model and every submodule, in execution
        order, through forward hooks; returns a handle with .remove().

        Stage names are module names from named_modules() ("encoder.conv1");
        the root module's output is "output". Tuples and lists add ".0",
        ".1", dicts ".key", nested as deep as they go; non-tensor values are
        skipped. include/exclude: fnmatch globs (a string or a list) over
        those stage names. inputs=True also records the root's positional
        tensor arguments as "input.0", "input.1", ... marked as inputs. In
        inject mode each output (and input) is replaced by the reference."""
        if not self.enabled:
            return _torch.HookHandle()
        return _torch.register(self, model, include, exclude, inputs)

    def close(self):
        """Write the single file (or the final index.json). Idempotent."""
        if not self.enabled or self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        if self.single:
            _safetensors.write_atomic(self.path, _safetensors.encode(
                self._pending, self._file_metadata()))
            self._pending = []
        else:
            self._write_index()

    # -- internals ----------------------------------------------------------

    def _unique(self, name):
        """name, or name#k for its k-th repeat (skipping names taken by an
        explicit "x#k" add)."""
        k = self._counts.get(name, 0)
        full = name if k == 0 else "%s#%d" % (name, k)
        while full in self._files:
            k += 1
            full = "%s#%d" % (name, k)
        self._counts[name] = k + 1
        return full

    def _record(self, full, dt, raw):
        if full == "__metadata__":
            raise ValueError("parity_trace: '__metadata__' cannot be a stage")
        if self.single:
            # Copy: the caller may reuse its buffer, and inject overwrites it.
            self._pending.append((full, dt, np.array(raw, copy=True, order="C")))
            self._files[full] = None
        else:
            fname = "%06d.safetensors" % (len(self.order) + 1)
            _safetensors.write_atomic(
                os.path.join(self.path, fname),
                _safetensors.encode([(full, dt, raw)], {}))
            self._files[full] = fname
        self.order.append(full)

    def _file_metadata(self):
        meta = dict(self.metadata)
        meta["parity.order"] = json.dumps(self.order, ensure_ascii=False)
        meta["parity.inputs"] = json.dumps(self.inputs, ensure_ascii=False)
        meta["parity.format"] = FORMAT
        return meta

    def _prepare_dir(self):
        """Create the directory, remove the stage files of an earlier run
        (only names this format uses: six or more digits + ".safetensors",
        and ".tmp" leftovers of a crash), so stale stages cannot mix in, and
        write an empty index.json, as the C tracer does. Only an empty
        directory or a parity trace (index.json with "format":
        "parity-trace") is written into; anything else is refused (ValueError)
        and left as it is."""
        os.makedirs(self.path, exist_ok=True)
        if os.listdir(self.path) and not is_trace_dir(self.path):
            raise ValueError('parity_trace: %s: not empty and not a parity trace '
                             '(no index.json with "format":"parity-trace"); '
                             'refusing to write a trace into it' % self.path)
        for fname in os.listdir(self.path):
            if _STAGE_FILE.match(fname):
                os.remove(os.path.join(self.path, fname))
        self._write_index()

    def _stage_added(self, input):
        since = len(self.order) - self._indexed
        if (input or since >= max(INDEX_MIN_STAGES, self._indexed // 2)
                or time.monotonic() - self._indexed_at >= INDEX_MAX_SECONDS):
            self._write_index()

    def _write_index(self):
        doc = {"format": "parity-trace", "version": 1, "order": self.order,
               "inputs": self.inputs, "files": self._files,
               "metadata": self.metadata}
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        text += "\n"
        _safetensors.write_atomic(os.path.join(self.path, "index.json"),
                                  [text.encode("utf-8")])
        self._indexed, self._indexed_at = len(self.order), time.monotonic()

    def _inject(self, full, x):
        name = _names.lookup(self.reference, full)
        if name is None:
            raise KeyError("parity inject: stage '%s' is not in the reference "
                           "trace %s" % (full, self.reference.path))
        ref = self.reference[name]
        if _torch.is_tensor(x):
            value, layout = _layout.align(
                full, ref, lambda: x.detach().cpu().double().numpy(),
                tuple(x.shape))
            out = _torch.from_numpy(_layout.convert(value, _torch.numpy_dtype(x)), x)
        else:
            arr = np.asarray(x)
            value, layout = _layout.align(full, ref, lambda: arr, arr.shape)
            value = _layout.convert(value, arr.dtype)
            if isinstance(x, np.ndarray) and x.flags.writeable:
                np.copyto(x, value)
                out = x
            else:
                out = value
        self.injected += 1
        self.inject_log.append((full, layout))
        return out
