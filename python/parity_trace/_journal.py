"""The trace journal: what a single-file trace is while its tracer runs, so
that a crash (SIGKILL included) loses no stage already recorded. The same
layout as the C tracer's (src/formats/journal.h; docs/tracing.md):

    offset 0    16 bytes  b"PARITY-JOURNAL/1"
    offset 16   records, each at a multiple of 8:
                  u64 L     length of what follows, without padding
                  L bytes   a complete safetensors file (its tensors are
                            stages; its __metadata__ the changes it makes)
                  zeros     padding to the next multiple of 8

Metadata changes use the finished file's keys: "parity.order" (a JSON
array the record adds to the order; absent: its tensors' names),
"parity.inputs" (array, added), "parity.parents" and "parity.aliases"
(objects; a key given again takes its last value), any other key is user
metadata (the last value wins). A reader takes every complete record; the
rest (a record cut short, or a zero length) is the stage being written at
the crash and is dropped. At close the finished safetensors file replaces
the journal (write_atomic). The writer holds an exclusive lock (flock) on
the journal for its lifetime.
"""

import json
import os
import struct

from . import _fileio
from . import _safetensors as st

MAGIC = b"PARITY-JOURNAL/1"
MAX_HEADER_BYTES = st.MAX_HEADER_BYTES


def _is_trace(fd, size):
    """A parity trace: a journal, or a safetensors file whose header names
    the trace format or an order."""
    head = os.pread(fd, 16, 0)
    if head == MAGIC:
        return True
    if size < 8 or len(head) < 8:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    if n > MAX_HEADER_BYTES or n > size - 8:
        return False
    text = os.pread(fd, n, 8)
    return b'"parity.format":"parity-trace/' in text or b'"parity.order":' in text


class Writer:
    """Appends stages to the journal at path; finish() writes the trace."""

    def __init__(self, path):
        self.path = path
        _fileio.check_target(path)          # no link, no device
        self.fd = _fileio.lock(path, is_dir=False)
        try:
            size = os.fstat(self.fd).st_size
            if size and not _is_trace(self.fd, size):
                raise ValueError('parity_trace: %s: exists and is not a parity trace (no '
                                 '"parity.format" or "parity.order" metadata); refusing to '
                                 'replace it' % path)
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, MAGIC, 0)
        except BaseException:
            os.close(self.fd)
            raise
        self.end = len(MAGIC)
        self.stages = []    # (name, dtype, shape, nbytes, offset of the bytes)

    def _append(self, header, data):
        """One record at self.end; a record that fails half-way is cut off."""
        length = len(header) + (data.nbytes if data is not None else 0)
        pad = -(8 + length) % 8
        parts = [struct.pack("<Q", length), header]
        if data is not None and data.nbytes:
            parts.append(data.reshape(-1).view("u1"))
        parts.append(b"\0" * pad)
        at = self.end
        try:
            for p in parts:
                view = memoryview(p).cast("B")
                while len(view):
                    k = os.pwrite(self.fd, view, at)
                    view, at = view[k:], at + k
        except BaseException:
            os.ftruncate(self.fd, self.end)
            raise
        self.end = at

    def stage(self, name, dtype, raw, meta):
        """Append stage name (raw: from _safetensors.from_numpy) with the
        metadata changes meta (a dict of strings)."""
        header = st.encode_header([(name, dtype, raw.shape, raw.nbytes)], meta)
        at = self.end + 8 + len(header)
        self._append(header, raw)
        self.stages.append((name, dtype, tuple(raw.shape), raw.nbytes, at))

    def meta(self, meta):
        """Append a record of metadata changes only."""
        self._append(st.encode_header([], meta), None)

    def raw(self, i):
        """The stored bytes of stage i, read back, as a flat uint8 array."""
        import numpy as np
        _, _, _, nbytes, at = self.stages[i]
        return np.frombuffer(os.pread(self.fd, nbytes, at), dtype=np.uint8)

    def finish(self, metadata):
        """The finished safetensors file over the journal, atomically."""
        entries = [(n, dt, shape, nb) for n, dt, shape, nb, _ in self.stages]
        header = st.encode_header(entries, metadata)
        if len(header) - 8 > MAX_HEADER_BYTES:
            raise ValueError("parity_trace: %s: header of %d bytes: more than readers "
                             "accept (the journal is kept: parity reads it)"
                             % (self.path, len(header) - 8))
        _fileio.write_atomic(self.path, self._chunks(header))

    def _chunks(self, header):
        yield header
        for _, _, _, nbytes, at in self.stages:
            while nbytes:
                data = os.pread(self.fd, min(nbytes, 1 << 24), at)
                if not data:
                    raise OSError("parity_trace: %s: the journal ended early" % self.path)
                yield data
                at, nbytes = at + len(data), nbytes - len(data)

    def close(self):
        """Release the lock; the file stays (the finished trace after
        finish(), else the journal)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


# ---- reading ---------------------------------------------------------------


def is_journal(path):
    try:
        with open(path, "rb") as f:
            return f.read(16) == MAGIC
    except OSError:
        return False


def _json_meta(path, at, key, text, ok, what):
    """The JSON value of a record's metadata key, when ok(value) holds."""
    try:
        v = json.loads(text)
    except ValueError:
        v = None
    if not ok(v):
        raise ValueError("%s: journal record at byte %d: metadata '%s': expected a JSON "
                         "%s" % (path, at, key, what))
    return v


def _names(path, at, key, text):
    return _json_meta(path, at, key, text,
                      lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
                      "array of names")


def _object(path, at, key, text):
    return _json_meta(path, at, key, text, lambda v: isinstance(v, dict), "object")


def read(path):
    """(metadata of the finished trace the journal stands for, entries in
    record order, the recovery sentence). Entries are _safetensors.Entry
    objects, so tensors are read on demand as for a finished file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:16] != MAGIC:
        raise ValueError("%s: not a parity trace journal" % path)
    order, inputs, parents, aliases, user = [], [], {}, {}, {}
    entries, at, records = [], 16, 0
    while len(data) - at >= 8:
        (n,) = struct.unpack("<Q", data[at:at + 8])
        if n == 0 or n > len(data) - at - 8:
            break                       # the stage being written at the crash
        meta, ents = st.parse_bytes(path, data[at + 8:at + 8 + n], at + 8)
        entries.extend(ents)
        if "parity.order" in meta:
            order += _names(path, at, "parity.order", meta["parity.order"])
        else:
            order += [e.name for e in ents]
        for key, value in meta.items():
            if key == "parity.inputs":
                inputs += _names(path, at, key, value)
            elif key == "parity.parents":
                parents.update(_object(path, at, key, value))
            elif key == "parity.aliases":
                aliases.update(_object(path, at, key, value))
            elif key not in ("parity.order", "parity.format", "parity.recovered"):
                user[key] = value
        records += 1
        at += 8 + n
        at += -at % 8
    dropped = max(0, len(data) - at)
    meta = dict(user)
    meta["parity.format"] = "parity-trace/1"
    meta["parity.order"] = json.dumps(order, ensure_ascii=False)
    meta["parity.inputs"] = json.dumps(inputs, ensure_ascii=False)
    parents = {k: v for k, v in parents.items() if v}
    if parents:
        meta["parity.parents"] = json.dumps(parents, ensure_ascii=False)
    if aliases:
        meta["parity.aliases"] = json.dumps(aliases, ensure_ascii=False)
    note = ("an unfinished trace (its tracer did not close it): recovered %d stage%s from %d "
            "record%s" % (len(order), "" if len(order) == 1 else "s", records,
                          "" if records == 1 else "s"))
    if dropped:
        note += "; the last %d bytes (a stage being written) were dropped" % dropped
    return meta, entries, note
