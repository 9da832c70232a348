"""Reading a parity trace: a .safetensors file or a directory.

A file orders its tensors by __metadata__ "parity.order" (a JSON array of
names, as a string) and marks inputs with "parity.inputs". A directory
holds index.json ({"format":"parity-trace","version":1,"order":[...],
"inputs":[...],"files":{"name":"000001.safetensors",...},"metadata":{...}})
and one file per stage; stage files the index does not list yet (written
after its last rewrite, as before a crash) follow the indexed stages in
file-number order, as parity reads them. Without index.json it is a plain
folder of tensor files (.safetensors, .npy) whose tensors are named by file stem, or
"stem/name" inside a multi-tensor file, as parity reads them. Without an
order, names sort in natural order (step2 before step10), like parity.

Data flow (docs/trace.md, "Data flow and aliases"): "parity.parents" /
"parents" maps a stage to the stages it was computed from; "parity.aliases"
/ "aliases" maps a stage stored once under another name to that name. An
alias reads as its stored stage: tr[alias], tr.raw(alias), alias in tr.
"""

import json
import os
import re

import numpy as np

from . import _journal
from . import _safetensors as st

_STAGE_FILE = re.compile(r"^([0-9]{6,})\.safetensors$")


def is_trace_dir(path):
    """Does path hold a parity trace index (index.json whose "format" is
    "parity-trace")?"""
    try:
        with open(os.path.join(path, "index.json"), encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("format") == "parity-trace"


def natural_key(name):
    """Sort key: digit runs compare by value, the rest as text."""
    parts = re.split(r"(\d+)", name)
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts]


class _NpyEntry:
    """A .npy file in a plain folder (read with NumPy itself)."""

    def __init__(self, name, path):
        self.name, self.path = name, path
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
        self.shape, self.dtype = tuple(arr.shape), arr.dtype.name

    def raw(self):
        return np.array(np.load(self.path, allow_pickle=False))

    value = raw


def _json_object(path, key, text, values):
    """A JSON object of names -> values(v) (True when v is valid)."""
    try:
        val = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        val = None
    if not isinstance(val, dict) or not all(values(v) for v in val.values()):
        raise ValueError("%s: %s: expected a JSON object of %s" % (
            path, key, "names" if values is _is_name else "name arrays"))
    return val


def _is_name(v):
    return isinstance(v, str)


def _is_names(v):
    return isinstance(v, list) and all(isinstance(n, str) for n in v)


def _json_list(path, key, text):
    try:
        val = json.loads(text)
    except ValueError:
        val = None
    if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
        raise ValueError("%s: metadata '%s': expected a JSON array of names"
                         % (path, key))
    return val


class Trace:
    """A reference trace, opened for reading; tensors are read on demand.

    Attributes: path, order (names in execution order), inputs (names
    marked as model inputs), metadata (dict of str), names (set),
    parents ({stage: [stages it was computed from]}), aliases ({alias:
    stored stage}), recovered (None, or the sentence saying the trace was
    read from the journal of a tracer that did not close it, with how many
    stages were recovered)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._entries = {}
        self.metadata = {}
        self.inputs = []
        self.parents, self.aliases = {}, {}
        self.recovered = None   # a sentence, when read from a journal
        self._index_file = None
        if os.path.isdir(self.path):
            order = self._open_dir()
            source = "index"
        else:
            order = self._open_file()
            source = "metadata"
        self._resolve_aliases()
        listed = [n for n in order if n in self._entries] if order else []
        seen = set(listed)      # once: a journal may hold 100,000s of stages
        rest = sorted((n for n in self._entries if n not in seen), key=natural_key)
        self.order = listed + rest
        self.order_source = "natural" if order is None else source

    def _open_file(self):
        if _journal.is_journal(self.path):
            meta, entries, self.recovered = _journal.read(self.path)
        else:
            meta, entries = st.read_file(self.path)
        self.metadata = dict(meta)
        self._entries = {e.name: e for e in entries}
        order = None
        if "parity.order" in meta:
            order = _json_list(self.path, "parity.order", meta["parity.order"])
        if "parity.inputs" in meta:
            self.inputs = _json_list(self.path, "parity.inputs",
                                     meta["parity.inputs"])
        for key, attr, check in (("parity.parents", "parents", _is_names),
                                 ("parity.aliases", "aliases", _is_name)):
            if key in meta:
                setattr(self, attr, _json_object(
                    self.path, "metadata '%s'" % key, meta[key], check))
        return order

    def _open_dir(self):
        index = os.path.join(self.path, "index.json")
        if not os.path.exists(index):
            self._open_folder()
            return None
        self._index_file = index
        with open(index, encoding="utf-8") as f:
            try:
                doc = json.load(f)
            except ValueError as e:
                raise ValueError("%s: invalid JSON (%s)" % (index, e)) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("files"), dict):
            raise ValueError("%s: expected the parity trace index with a "
                             "'files' object" % index)
        for name, fname in doc["files"].items():
            fpath = os.path.join(self.path, os.path.basename(str(fname)))
            found = {e.name: e for e in st.read_file(fpath)[1]}
            if name not in found:
                raise ValueError("%s: tensor '%s': not in %s (listed in "
                                 "index.json)" % (self.path, name, fname))
            self._entries[name] = found[name]
        self.metadata = dict(doc.get("metadata") or {})
        self.inputs = list(doc.get("inputs") or [])
        for key, check in (("parents", _is_names), ("aliases", _is_name)):
            if key in doc:
                setattr(self, key, _json_object(index, "field '%s'" % key,
                                                doc[key], check))
        return list(doc.get("order") or []) + self._recover(doc["files"])

    def _resolve_aliases(self):
        """Each alias reads as its stored stage; the stored stage must be a
        tensor of the trace, and the alias must not be one."""
        for alias, target in self.aliases.items():
            if alias in self._entries:
                raise ValueError("%s: alias '%s' is also a stored tensor"
                                 % (self.path, alias))
            if target not in self._entries or target in self.aliases:
                raise ValueError("%s: alias '%s' names '%s', which is no stored "
                                 "tensor of the trace" % (self.path, alias,
                                                          target))
        for alias, target in self.aliases.items():
            self._entries[alias] = self._entries[target]

    def _recover(self, listed):
        """Stage files index.json does not list, in file-number order: the
        names of their tensors (read into _entries)."""
        known = {os.path.basename(str(f)) for f in listed.values()}
        found = [(int(m.group(1)), f) for f in os.listdir(self.path)
                 for m in [_STAGE_FILE.match(f)] if m and f not in known]
        names = []
        for _, fname in sorted(found):
            for e in st.read_file(os.path.join(self.path, fname))[1]:
                if e.name not in self._entries:
                    self._entries[e.name] = e
                    names.append(e.name)
        return names

    def _open_folder(self):
        """A plain folder: every .safetensors and .npy file, by stem."""
        for fname in sorted(os.listdir(self.path), key=natural_key):
            fpath = os.path.join(self.path, fname)
            if fname.startswith("."):
                continue
            if fname.endswith(".npy"):
                stem = fname[:-4]
                self._entries[stem] = _NpyEntry(stem, fpath)
            elif fname.endswith(".safetensors"):
                stem = fname[:-12]
                entries = st.read_file(fpath)[1]
                for e in entries:
                    key = stem if len(entries) == 1 else stem + "/" + e.name
                    self._entries[key] = e

    # -- access -------------------------------------------------------------

    def files(self):
        """The paths of the files the trace was read from (sorted)."""
        paths = {e.path for e in self._entries.values()}
        if self._index_file:
            paths.add(self._index_file)
        return sorted(paths)

    @property
    def names(self):
        return set(self._entries)

    def __contains__(self, name):
        return name in self._entries

    def __iter__(self):
        return iter(self.order)

    def __len__(self):
        return len(self._entries)

    def dtype(self, name):
        """The stored dtype: a safetensors name ("F32", "BF16") or, for a
        .npy file, the NumPy name."""
        return self._entry(name).dtype

    def shape(self, name):
        return tuple(self._entry(name).shape)

    def raw(self, name):
        """The stored bits (BF16 as uint16, F8 as uint8), a new array."""
        return self._entry(name).raw()

    def __getitem__(self, name):
        """The values as a new NumPy array (BF16, F8 decoded to float32)."""
        return self._entry(name).value()

    def _entry(self, name):
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError("stage '%s' is not in the trace %s"
                           % (name, self.path)) from None

    def items(self):
        """(name, values) in execution order."""
        for n in self.order:
            yield n, self[n]


def read_trace(path):
    """Open a parity trace (file or directory) for reading."""
    return Trace(path)
