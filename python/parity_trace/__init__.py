"""parity_trace: record every intermediate tensor of a run, in execution
order, as a parity trace; optionally replace each one by a reference value
(inject mode, activation patching). NumPy is required; PyTorch is optional
and imported only when a tensor or module is handed over.

    from parity_trace import Tracer
    with torch.no_grad(), Tracer("ref.safetensors") as t:
        t.add("mel", mel, input=True)
        t.hook(model, functional=True)  # every module output and operation
        model(mel)

A path ending in ".safetensors" is one file: a journal while the tracer
runs (each stage appended as it completes, so a crash loses nothing
recorded; parity and read_trace recover it), the finished safetensors file
from close() on. Any other path is a directory written stage by stage
(NNNNNN.safetensors, each atomically, as it completes; index.json now and
then and on close, as the C tracer does). Either way the output is locked
(flock) from open to close: a second tracer writing there fails at open
(TraceLockedError). Each stage may name the stages it was computed from
(parity.parents / "parents"), and a stage byte-identical to an earlier
one is stored once and listed as an alias of it (parity.aliases /
"aliases"). The format is documented in include/parity.h, section 6,
docs/tracing.md, docs/trace.md and docs/python.md.
"""

import atexit
import json
import os
import re
import time

import numpy as np

from . import _contents
from . import _fileio
from . import _journal
from . import _layout
from . import _names
from . import _safetensors
from . import _torch
from ._trace import Trace, read_trace, is_trace_dir

__all__ = ["Tracer", "Trace", "read_trace", "write_safetensors", "FORMAT",
           "ROOT", "FastPathWarning", "TraceLockedError"]

TraceLockedError = _fileio.TraceLockedError

FORMAT = "parity-trace/1"
_RESERVED = ("parity.order", "parity.inputs", "parity.format",
             "parity.parents", "parity.aliases", "parity.recovered")

# The stage name of the hooked model's own output (see _hooks.ROOT).
ROOT = "@root"


class FastPathWarning(UserWarning):
    """hook() turned PyTorch's fused fast path off for some modules (named
    in the message) so that their insides are recorded."""
# Stage files of an earlier run and what an interrupted write left: the
# hidden temporary files of _fileio (".000001.safetensors.XXXXXX.tmp",
# ".index.json.XXXXXX.tmp") and an older version's "000001.safetensors.tmp".
_STAGE_FILE = re.compile(r"^([0-9]{6,}\.safetensors(\.tmp)?|"
                         r"\.([0-9]{6,}\.safetensors|index\.json)\.[0-9a-z]+\.tmp)$")

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

    path     ".safetensors" file (a journal until close, see above) or a
             directory (written as each stage completes); None: the PARITY_TRACE environment
             variable, and when that is unset too the tracer is disabled:
             add() returns its argument at once and hook() registers nothing.
    inject   a reference trace (file or directory) whose values replace the
             traced ones; None: the PARITY_INJECT environment variable;
             False or "": no injection whatever the environment says.
    enabled  False disables the tracer whatever path says; None (default)
             enables it when a path is known; True requires a path.
    aliases  True (default): a hooked stage byte-identical to an earlier
             stage is stored once and listed in `aliases`; False: every
             stage is stored.
    """

    def __init__(self, path=None, inject=None, enabled=None, aliases=True):
        if path is None and enabled is not False:
            path = os.environ.get("PARITY_TRACE") or None
        if enabled and path is None:
            raise ValueError("Tracer(enabled=True) needs a path or the "
                             "PARITY_TRACE environment variable")
        self.enabled = bool(path is not None and enabled is not False)
        self.path = os.fspath(path) if self.enabled else None
        self.order, self.inputs, self.metadata = [], [], {}
        self.parents = {}       # stage -> [stages it was computed from]
        self.aliases = {}       # stage -> the stored stage it is identical to
        self.injected = 0       # how many tensors were replaced
        self.inject_log = []    # (name, layout text) of each replacement
        self.reference = None
        self._counts, self._files = {}, {}
        self._journal = self._dir_lock = None
        self._contents = _contents.Contents(self._stored) if aliases else None
        self._flow = self._session = None
        self._closed = False
        self._indexed, self._indexed_at = 0, 0.0
        if not self.enabled:
            return
        if inject is None:
            inject = os.environ.get("PARITY_INJECT") or None
        if inject:
            self.reference = read_trace(inject)
        self.single = self.path.endswith(".safetensors")
        self._refuse_clash()
        if not self.single:
            self._prepare_dir()
        elif not os.path.isdir(os.path.dirname(os.path.abspath(self.path))):
            raise FileNotFoundError("parity_trace: no directory for %s"
                                    % self.path)
        else:
            self._journal = _journal.Writer(self.path)
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

    def add(self, name, x, input=False, parents=None):
        """Record x (NumPy array or torch tensor, any dtype) as stage name.

        A name added again becomes "name#1", "name#2", ... parents: the
        full names of the recorded stages x was computed from; None: for a
        torch tensor added inside a hooked call, the stages the tracer saw
        it come from (all operations are followed there), else none.
        Returns x; in inject mode returns the reference value instead (x's
        type, dtype and device), and overwrites x in place when it is a
        writeable NumPy array. Raises KeyError when the reference lacks the
        stage or a parent is no recorded stage, and ValueError when the
        reference's shape cannot be aligned with x's."""
        if not self.enabled:
            return x
        if parents is not None:
            parents = [parents] if isinstance(parents, str) else list(parents)
            for p in parents:
                if p not in self._files and p not in self.aliases:
                    raise KeyError("parity_trace: add('%s'): parent '%s' is "
                                   "no recorded stage" % (name, p))
        session = self._session
        if session is None:
            return self._add(str(name), x, input=input, parents=parents)[0]
        # Outside a hooked call only views are known, so parents would be
        # partial: none are inferred there.
        if parents is None and session.scope and _torch.is_tensor(x):
            parents = session.flow.sources(x)
        session.busy += 1       # the tracer's own work, not the model's
        try:
            return self._add(str(name), x, input=input, parents=parents)[0]
        finally:
            session.busy -= 1

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
            else:
                self._journal.meta({"parity.inputs": json.dumps([name], ensure_ascii=False)})

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
        else:
            self._journal.meta({key: value})

    def hook(self, model, include=None, exclude=None, inputs=False,
             functional=False):
        """Record, in execution order, the outputs of model and every
        submodule, whether called as module(x) or module.forward(x), and
        the selected functional operations between them; returns a handle
        with .remove(). close() removes it too.

        Stage names are module names from named_modules() ("encoder.conv1");
        the root module's output is "@root". Tuples and lists add ".0",
        ".1", dicts ".key", nested as deep as they go; non-tensor values are
        skipped. functional: False (default) no operations; True every kind
        (activations, softmax, matmuls, linear/conv, add/sub/mul/div, cat,
        normalizations); or a kind or operation-name glob, or a list of
        them (["softmax", "silu", "mul"]); an operation is named
        "<module stage>.<op>" ("layers.0.attn.softmax"). include/exclude:
        fnmatch globs (a string or a list) over those stage names.
        inputs=True also records the root's positional tensor arguments as
        "input.0", "input.1", ... marked as inputs. In inject mode each
        recorded tensor is replaced by the reference. A module already
        hooked (by any open tracer) is refused with ValueError. PyTorch's
        fused transformer fast path is off during hooked calls
        (FastPathWarning names the modules)."""
        if not self.enabled:
            return _torch.HookHandle()
        if self._closed:
            raise ValueError("parity_trace: hook() after close()")
        if self._session is None:
            from . import _hooks
            self._session = _hooks.Session(self)
        return self._session.register(model, include, exclude, inputs,
                                      functional)

    def close(self):
        """Remove the hooks, write the single file over its journal (or the
        final index.json), release the lock. Idempotent. When writing fails
        the journal stays, and readers recover it."""
        if not self.enabled or self._closed:
            return
        if self._session is not None:
            self._session.remove_all()
        self._closed = True
        atexit.unregister(self.close)
        try:
            if self.single:
                self._journal.finish(self._file_metadata())
            else:
                self._write_index()
        finally:
            if self._journal is not None:
                self._journal.close()
            if self._dir_lock is not None:
                os.close(self._dir_lock)
                self._dir_lock = None

    # -- internals ----------------------------------------------------------

    def _add(self, name, x, input=False, parents=None, hooked=False):
        """add() for the tracer and its hooks: (x or its reference value,
        full name). Hooked stages may become aliases; added ones never do
        (readers that do not know aliases still see every added stage)."""
        if self._closed:
            raise ValueError("parity_trace: add('%s') after close()" % name)
        dt, raw = _to_raw(x)       # first: an unstorable x consumes no name
        full = self._unique(name)
        is_tensor = _torch.is_tensor(x)
        target = None
        if hooked and not input and self._contents is not None:
            target = self._identical(x if is_tensor else None, dt, raw)
        flow = [p for p in dict.fromkeys(parents) if p != full] if parents else []
        changes = self._changes(full, target, flow, input)
        if target is not None:
            if self.single:
                self._journal.meta(changes)
            self.aliases[full] = target
            self.order.append(full)
        else:
            self._record(full, dt, raw, changes)
        if parents:
            self.parents[full] = flow
        if input:
            self.inputs.append(full)
        if not self.single:
            self._stage_added(input)
        out = x if self.reference is None else self._inject(full, x)
        if is_tensor:
            flow = self._dataflow()
            flow.note_stage(x, full, exact=True)
            if out is not x:
                flow.note_stage(out, full, exact=False)
        return out, full

    def _dataflow(self):
        if self._flow is None:
            from . import _dataflow
            self._flow = _dataflow.Flow(_torch.is_tensor)
        return self._flow

    def _identical(self, tensor, dt, raw):
        """The stored stage x is a copy of, or None."""
        if tensor is not None and self._flow is not None:
            same = self._flow.identical_stage(tensor)
            if same is not None:
                return self.aliases.get(same, same)
        return self._contents.find(dt, raw)

    def _unique(self, name):
        """name, or name#k for its k-th repeat (skipping names taken by an
        explicit "x#k" add)."""
        k = self._counts.get(name, 0)
        full = name if k == 0 else "%s#%d" % (name, k)
        while full in self._files or full in self.aliases:
            k += 1
            full = "%s#%d" % (name, k)
        self._counts[name] = k + 1
        return full

    def _changes(self, full, target, parents, input):
        """Single-file mode: the metadata a stage's journal record changes
        (an alias adds itself to the order, having no tensor)."""
        if not self.single:
            return {}
        out = {}
        if target is not None:
            out["parity.order"] = json.dumps([full], ensure_ascii=False)
            out["parity.aliases"] = json.dumps({full: target}, ensure_ascii=False)
        if input:
            out["parity.inputs"] = json.dumps([full], ensure_ascii=False)
        if parents:
            out["parity.parents"] = json.dumps({full: parents}, ensure_ascii=False)
        return out

    def _record(self, full, dt, raw, changes):
        if full == "__metadata__":
            raise ValueError("parity_trace: '__metadata__' cannot be a stage")
        if self.single:
            # Written at once: the caller may reuse its buffer, and inject
            # overwrites it.
            self._journal.stage(full, dt, raw, changes)
            self._files[full] = len(self._journal.stages) - 1
        else:
            fname = "%06d.safetensors" % (len(self._files) + 1)
            _safetensors.write_atomic(
                os.path.join(self.path, fname),
                _safetensors.encode([(full, dt, raw)], {}))
            self._files[full] = fname
        if self._contents is not None:
            self._contents.add(full, dt, raw)
        self.order.append(full)

    def _stored(self, full):
        """The raw array stored for stage full (read back in a directory)."""
        if self.single:
            return self._journal.raw(self._files[full])
        entries = _safetensors.read_file(
            os.path.join(self.path, self._files[full]))[1]
        return entries[0].raw()

    def _file_metadata(self):
        meta = dict(self.metadata)
        meta["parity.order"] = json.dumps(self.order, ensure_ascii=False)
        meta["parity.inputs"] = json.dumps(self.inputs, ensure_ascii=False)
        meta["parity.format"] = FORMAT
        if self.parents:
            meta["parity.parents"] = json.dumps(self.parents, ensure_ascii=False)
        if self.aliases:
            meta["parity.aliases"] = json.dumps(self.aliases, ensure_ascii=False)
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
        self._dir_lock = _fileio.lock(self.path, is_dir=True)  # before looking
        try:
            if os.listdir(self.path) and not is_trace_dir(self.path):
                raise ValueError('parity_trace: %s: not empty and not a parity trace '
                                 '(no index.json with "format":"parity-trace"); '
                                 'refusing to write a trace into it' % self.path)
            for fname in os.listdir(self.path):
                if _STAGE_FILE.match(fname):
                    os.remove(os.path.join(self.path, fname))
            self._write_index()
        except BaseException:
            os.close(self._dir_lock)
            self._dir_lock = None
            raise

    def _refuse_clash(self):
        """Refuse an output that would destroy the inject reference: the
        reference's file itself, or a directory holding its files."""
        if self.reference is None or not os.path.exists(self.path):
            return
        out = os.stat(self.path)
        for f in self.reference.files():
            p = f if self.single else (os.path.dirname(f) or ".")
            try:
                same = os.path.samestat(os.stat(p), out)
            except OSError:
                continue
            if same:
                raise ValueError("parity_trace: %s: %s the inject reference's file %s: "
                                 "tracing there would destroy the reference"
                                 % (self.path, "is" if self.single else "holds", f))

    def _stage_added(self, input):
        since = len(self.order) - self._indexed
        if (input or since >= max(INDEX_MIN_STAGES, self._indexed // 2)
                or time.monotonic() - self._indexed_at >= INDEX_MAX_SECONDS):
            self._write_index()

    def _write_index(self):
        doc = {"format": "parity-trace", "version": 1, "order": self.order,
               "inputs": self.inputs, "files": self._files}
        if self.aliases:
            doc["aliases"] = self.aliases
        if self.parents:
            doc["parents"] = self.parents
        doc["metadata"] = self.metadata
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
