"""The test suite's own safetensors reader: NumPy only, independent of
libparity and of python/parity_trace, so tests can check both against a
third reading of the same bytes. Not a validator (tests/bad and the unit
tests check the format rules); it trusts the file.

    meta, tensors = read(path)   # tensors: {name: ndarray}, header order
    order, files, inputs = trace_dir(d)
    write(path, {name: (dtype, shape, encode(values, dtype))}, metadata=None)

BF16 has no NumPy dtype: its tensors come back as float32 holding the same
values (exact: a BF16 is the top half of an F32).
"""
import json
import os
import re
import struct

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
          "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}

STAGE_FILE = re.compile(r"^[0-9]{6,}\.safetensors$")


def header(path):
    """(header dict without __metadata__, metadata dict, the file's bytes,
    the offset of the data block)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    head = json.loads(raw[8:8 + n])
    meta = head.pop("__metadata__", {})
    return head, meta, raw, 8 + n


def encode(x, dt):
    """The little-endian bytes of the values x stored as dtype dt (BF16:
    float32 rounded to the nearest even top half)."""
    x = np.asarray(x)
    if dt == "BF16":
        b = x.astype("<f4").view("<u4")
        return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype("<u2").tobytes()
    return x.astype(DTYPES[dt]).tobytes()


def write(path, tensors, metadata=None):
    """A safetensors file of {name: (dtype, shape, raw bytes)}, in order,
    with __metadata__ first when metadata (a dict of strings) is given."""
    head, blobs, at = ({"__metadata__": metadata} if metadata else {}), [], 0
    for name, (dt, shape, raw) in tensors.items():
        head[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(head, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read(path):
    """(metadata, {name: ndarray}) in header order; arrays keep the file's
    dtype (BF16: float32) and shape."""
    with open(path, "rb") as f:
        return _tensors(f.read())


def trace_dir(d):
    """(order, files, inputs) of a parity trace directory as its readers
    recover it: the stages index.json lists, then the stage files it does
    not list yet (written after its last rewrite, e.g. before a crash), in
    file-number order; files maps each stage name to its file."""
    with open(os.path.join(d, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    assert index["format"] == "parity-trace" and index["version"] == 1, index
    order, files = list(index["order"]), dict(index["files"])
    listed = set(files.values())
    extra = sorted((f for f in os.listdir(d) if STAGE_FILE.match(f) and f not in listed),
                   key=lambda f: int(f.split(".")[0]))
    for f in extra:
        names = list(header(os.path.join(d, f))[0])
        assert len(names) == 1, (f, names)
        order.append(names[0])
        files[names[0]] = f
    return order, files, list(index["inputs"])


def _tensors(blob):
    """(metadata, {name: ndarray}) of the safetensors bytes blob."""
    (n,) = struct.unpack("<Q", blob[:8])
    head = json.loads(blob[8:8 + n])
    meta = head.pop("__metadata__", {})
    out = {}
    for name, e in head.items():
        b, end = e["data_offsets"]
        a = np.frombuffer(blob[8 + n + b:8 + n + end], DTYPES[e["dtype"]])
        if e["dtype"] == "BF16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = a.reshape(e["shape"])
    return meta, out


def journal(path):
    """(order, inputs, parents, user metadata, {name: ndarray}) of a trace
    journal, read from its documented layout (docs/tracing.md): 16 bytes
    "PARITY-JOURNAL/1", then records at multiples of 8, each a u64 length
    and that many bytes of a safetensors file, until a record is cut short
    or its length is 0. A record adds its "parity.order" (else its tensor
    names), its "parity.inputs"; "parity.parents" entries and user
    metadata take their last value."""
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:16] == b"PARITY-JOURNAL/1", raw[:16]
    order, inputs, parents, meta, tensors, at = [], [], {}, {}, {}, 16
    while len(raw) - at >= 8:
        (n,) = struct.unpack("<Q", raw[at:at + 8])
        if n == 0 or at + 8 + n > len(raw):
            break
        m, t = _tensors(raw[at + 8:at + 8 + n])
        order += json.loads(m.pop("parity.order")) if "parity.order" in m else list(t)
        inputs += json.loads(m.pop("parity.inputs", "[]"))
        parents.update(json.loads(m.pop("parity.parents", "{}")))
        meta.update(m)
        tensors.update(t)
        at = (at + 8 + n + 7) // 8 * 8
    return order, inputs, parents, meta, tensors
