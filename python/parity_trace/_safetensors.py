"""safetensors reading and writing with NumPy only.

Byte layout of a .safetensors file:

    offset 0        u64 little-endian N: byte length of the JSON header
    offset 8        N bytes of UTF-8 JSON, padded with spaces (0x20) so that
                    8 + N is a multiple of 8:
                      {"__metadata__": {"key": "value", ...},       (optional)
                       "name": {"dtype": "F32", "shape": [2, 3],
                                "data_offsets": [begin, end]}, ...}
    offset 8 + N    the data block; tensor bytes are [begin, end) relative to
                    it, C order, little-endian, contiguous and without gaps
                    or overlap: sorted by begin they tile [0, data length).

end - begin must equal product(shape) * dtype size. Metadata values are
strings. The writer here produces exactly this, with compact JSON
(separators "," and ":"), "__metadata__" first and the tensors in the order
given, their data in the same order.
"""

import json
import os
import struct

import numpy as np

from . import _fileio

# Header size limit of the reference implementation.
MAX_HEADER_BYTES = 100_000_000

# safetensors dtype -> (NumPy dtype of the stored bits, element size).
# BF16 and the 8-bit floats have no NumPy type: their raw bits are kept as
# unsigned integers and decode() turns them into exact float32 values.
RAW_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "F8_E4M3": "u1", "F8_E5M2": "u1",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
}

# NumPy (kind, itemsize) -> safetensors dtype, for the types NumPy has.
_FROM_NUMPY = {
    ("f", 8): "F64", ("f", 4): "F32", ("f", 2): "F16",
    ("i", 8): "I64", ("i", 4): "I32", ("i", 2): "I16", ("i", 1): "I8",
    ("u", 8): "U64", ("u", 4): "U32", ("u", 2): "U16", ("u", 1): "U8",
    ("b", 1): "BOOL",
}

# Extension types (ml_dtypes, as used by JAX and MLX) by NumPy dtype name.
_FROM_NUMPY_NAME = {
    "bfloat16": "BF16", "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2",
}

# The names the safetensors package's serialize() expects.
_PACKAGE_NAMES = {
    "F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
    "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2",
    "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
    "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8",
    "BOOL": "bool",
}


def dtype_size(dtype):
    """Bytes per element of a safetensors dtype name."""
    return np.dtype(RAW_DTYPES[dtype]).itemsize


def from_numpy(arr):
    """(safetensors dtype, C-contiguous little-endian raw array) of arr.

    The raw array holds the same bits as arr; extension float types are
    viewed as unsigned integers of their width. Raises ValueError for
    types safetensors cannot hold (complex, object, strings, float128)."""
    arr = np.asarray(arr)
    name = _FROM_NUMPY_NAME.get(arr.dtype.name)
    if name is not None:
        raw = np.asarray(arr, order="C").view(RAW_DTYPES[name])
        return name, raw
    name = _FROM_NUMPY.get((arr.dtype.kind, arr.dtype.itemsize))
    if name is None:
        raise ValueError("dtype %s cannot be stored in safetensors" % arr.dtype)
    raw = np.asarray(arr, dtype=np.dtype(RAW_DTYPES[name]), order="C")
    return name, raw


def _f8_e4m3_table():
    """float32 value of every OCP e4m3fn byte: bias 7, no Inf, S.1111.111
    is NaN; exponent 0 is subnormal (m / 8 * 2^-6)."""
    b = np.arange(256, dtype=np.int64)
    sign = np.where(b & 0x80, -1.0, 1.0)
    exp = (b >> 3) & 0xF
    man = b & 0x7
    normal = (1.0 + man / 8.0) * np.exp2(exp - 7.0)
    sub = (man / 8.0) * np.exp2(-6.0)
    val = sign * np.where(exp == 0, sub, normal)
    val[(b & 0x7F) == 0x7F] = np.nan
    return val.astype(np.float32)


def decode(dtype, raw):
    """Values of a raw array as NumPy: BF16 and 8-bit floats become float32
    (exactly: every one of their values is a float32), the rest is
    returned as is."""
    if dtype == "BF16":
        return (raw.astype(np.uint32) << 16).view(np.float32)
    if dtype == "F8_E5M2":
        # e5m2 is the upper byte of an IEEE half.
        return (raw.astype(np.uint16) << 8).view(np.float16).astype(np.float32)
    if dtype == "F8_E4M3":
        return _f8_e4m3_table()[raw]
    return raw


# ---- writing ---------------------------------------------------------------


def encode_header(entries, metadata):
    """The header bytes (length prefix, JSON, space padding) for entries, a
    list of (name, dtype, shape, nbytes) in data order."""
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, dtype, shape, nbytes in entries:
        if name == "__metadata__":
            raise ValueError("'__metadata__' cannot be a tensor name")
        if name in header:
            raise ValueError("tensor '%s' twice in one file" % name)
        header[name] = {"dtype": dtype, "shape": [int(d) for d in shape],
                        "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":"))
    body = text.encode("utf-8")
    body += b" " * (-len(body) % 8)
    return struct.pack("<Q", len(body)) + body


def _package_serialize():
    """The safetensors package's serialize(), or None when not installed."""
    try:
        from safetensors import serialize  # noqa: PLC0415 (optional)
    except (ImportError, AttributeError):
        return None
    return serialize


def encode(tensors, metadata, use_package=None):
    """Chunks of bytes forming a safetensors file.

    tensors: list of (name, dtype, raw) with raw from from_numpy().
    use_package None: the safetensors package when installed, else the
    writer above; False: always the writer above."""
    serialize = _package_serialize() if use_package is not False else None
    if serialize is not None:
        flat = {name: {"dtype": _PACKAGE_NAMES[dt], "shape": list(raw.shape),
                       "data": raw.tobytes()} for name, dt, raw in tensors}
        return [bytes(serialize(flat, metadata=dict(metadata) or None))]
    entries = [(n, dt, raw.shape, raw.nbytes) for n, dt, raw in tensors]
    chunks = [encode_header(entries, metadata)]
    chunks.extend(raw.reshape(-1).view(np.uint8) for _, _, raw in tensors)
    return chunks


def write_atomic(path, chunks):
    """Write chunks to a new hidden temporary file beside path, fsync, then
    rename it over path (_fileio.write_atomic: no link followed, nothing of
    the user's consumed), so a reader or a crash never sees a partly
    written file."""
    _fileio.write_atomic(path, chunks)


def write_file(path, tensors, metadata=None, use_package=None):
    """Write tensors (list of (name, array)) to a safetensors file at path,
    atomically. Arrays are stored bit for bit (see from_numpy)."""
    items = []
    for name, arr in tensors:
        dt, raw = from_numpy(arr)
        items.append((name, dt, raw))
    write_atomic(path, encode(items, metadata or {}, use_package))


# ---- reading ---------------------------------------------------------------


class Entry:
    """One tensor of a safetensors file: where its bytes are."""

    __slots__ = ("name", "dtype", "shape", "begin", "end", "path", "base")

    def __init__(self, name, dtype, shape, begin, end, path, base):
        self.name, self.dtype, self.shape = name, dtype, shape
        self.begin, self.end, self.path, self.base = begin, end, path, base

    def raw(self):
        """The stored bits as a new NumPy array (see RAW_DTYPES)."""
        with open(self.path, "rb") as f:
            f.seek(self.base + self.begin)
            data = f.read(self.end - self.begin)
        if len(data) != self.end - self.begin:
            raise ValueError("%s: tensor '%s': file shrank while reading"
                             % (self.path, self.name))
        arr = np.frombuffer(data, dtype=RAW_DTYPES[self.dtype]).copy()
        return arr.reshape(self.shape)

    def value(self):
        """The values as a new NumPy array (BF16 and F8 become float32)."""
        return decode(self.dtype, self.raw())


def _read_header(path):
    """(JSON text, data base offset, data length) of a safetensors file."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size < 8:
            raise ValueError("%s: %d bytes: shorter than the 8-byte header "
                             "length" % (path, size))
        (n,) = struct.unpack("<Q", f.read(8))
        if n > MAX_HEADER_BYTES:
            raise ValueError("%s: header length %d: larger than the limit %d"
                             % (path, n, MAX_HEADER_BYTES))
        if n > size - 8:
            raise ValueError("%s: header length %d: beyond the end of the "
                             "file (%d bytes)" % (path, n, size))
        text = f.read(n)
    try:
        return text.decode("utf-8"), 8 + n, size - 8 - n
    except UnicodeDecodeError as e:
        raise ValueError("%s: header: invalid UTF-8 at byte %d"
                         % (path, 8 + e.start)) from None


def _check_metadata(path, meta):
    if not isinstance(meta, dict):
        raise ValueError("%s: __metadata__: expected an object" % path)
    for k, v in meta.items():
        if not isinstance(v, str):
            raise ValueError("%s: __metadata__ '%s': expected a string value"
                             % (path, k))
    return meta


def _check_entry(path, name, e, data_len, base):
    """Validate one header entry; return an Entry."""
    where = "%s: tensor '%s'" % (path, name)
    if not isinstance(e, dict):
        raise ValueError("%s: expected an object" % where)
    dtype, shape, offs = e.get("dtype"), e.get("shape"), e.get("data_offsets")
    if dtype not in RAW_DTYPES:
        raise ValueError("%s: dtype %r: unknown or unsupported" % (where, dtype))
    if not isinstance(shape, list) or not all(
            type(d) is int and d >= 0 for d in shape):
        raise ValueError("%s: shape %r: expected a list of non-negative "
                         "integers" % (where, shape))
    if not isinstance(offs, list) or len(offs) != 2 or not all(
            type(o) is int and o >= 0 for o in offs):
        raise ValueError("%s: data_offsets %r: expected [begin, end]"
                         % (where, offs))
    b, end = offs
    if end < b:
        raise ValueError("%s: data_offsets [%d,%d]: end before start"
                         % (where, b, end))
    if end > data_len:
        raise ValueError("%s: data_offsets [%d,%d]: beyond the data (%d bytes)"
                         % (where, b, end, data_len))
    count = 1
    for d in shape:
        count *= d
    if count * dtype_size(dtype) != end - b:
        raise ValueError("%s: data_offsets [%d,%d]: %d bytes, shape %s of %s "
                         "needs %d" % (where, b, end, end - b, shape, dtype,
                                       count * dtype_size(dtype)))
    return Entry(name, dtype, tuple(shape), b, end, path, base)


def _check_tiling(path, entries, data_len):
    """The tensors' byte ranges must tile the data block exactly."""
    pos = 0
    for e in sorted(entries, key=lambda x: (x.begin, x.end)):
        if e.begin != pos:
            what = "overlaps the previous tensor" if e.begin < pos else \
                "leaves a gap after byte %d" % pos
            raise ValueError("%s: tensor '%s': data_offsets [%d,%d]: %s"
                             % (path, e.name, e.begin, e.end, what))
        pos = e.end
    if pos != data_len:
        raise ValueError("%s: data block of %d bytes, tensors cover %d"
                         % (path, data_len, pos))


def _parse(path, text, base, data_len):
    """(metadata, entries) from the header text of a file whose data block
    starts at byte base of path and holds data_len bytes."""
    try:
        header = json.loads(text)
    except ValueError as e:
        raise ValueError("%s: header: invalid JSON (%s)" % (path, e)) from None
    if not isinstance(header, dict):
        raise ValueError("%s: header: expected a JSON object" % path)
    meta = _check_metadata(path, header.pop("__metadata__", {}))
    entries = [_check_entry(path, name, e, data_len, base)
               for name, e in header.items()]
    _check_tiling(path, entries, data_len)
    return meta, entries


def read_file(path):
    """(metadata dict, list of Entry in header order) of a safetensors file.
    Every check of the reference implementation is made; errors are
    ValueError naming the file, the tensor and the field."""
    text, base, data_len = _read_header(path)
    return _parse(path, text, base, data_len)


def parse_bytes(path, blob, offset):
    """read_file for a safetensors file held in blob, found at byte offset
    of path (a record of a trace journal): entries read from path."""
    where = "%s: at byte %d" % (path, offset)
    if len(blob) < 8:
        raise ValueError("%s: %d bytes: shorter than the 8-byte header length"
                         % (where, len(blob)))
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER_BYTES or n > len(blob) - 8:
        raise ValueError("%s: header length %d: beyond the record (%d bytes)"
                         % (where, n, len(blob)))
    try:
        text = blob[8:8 + n].decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError("%s: header: invalid UTF-8 at byte %d"
                         % (where, 8 + e.start)) from None
    return _parse(path, text, offset + 8 + n, len(blob) - 8 - n)
