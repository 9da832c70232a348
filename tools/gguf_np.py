"""A small GGUF v3 writer and ggml block (de)quantizers in NumPy, for the
test fixtures (no gguf package on this machine; Debian's /usr/bin/python3
and NumPy only). Independent of libparity: written from ggml's format
(docs/gguf.md, ggml-common.h block layouts) and its reference quantizers
(quantize_row_*_ref in ggml-quants.c), f32 arithmetic throughout.

    w = GGUFWriter(alignment=32)
    w.add("general.architecture", STR, "llama")
    w.add("tokenizer.ggml.tokens", ARR, (STR, ["a", "b"]))
    w.tensor("blk.0.attn_q.weight", "Q8_0", shape, raw_bytes)
    open(path, "wb").write(w.bytes())

A tensor's shape is PyTorch's (C order); the file stores ne reversed.
"""
import struct

import numpy as np

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I",
              I32: "<i", F32: "<f", BOOL: "<B", U64: "<Q", I64: "<q",
              F64: "<d"}
TYPE_NAME = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str",
             "arr", "u64", "i64", "f64"]

# ggml type id, values per block, bytes per block
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18),
        "Q4_1": (3, 32, 20), "Q5_0": (6, 32, 22), "Q5_1": (7, 32, 24),
        "Q8_0": (8, 32, 34), "Q2_K": (10, 256, 84), "Q3_K": (11, 256, 110),
        "Q4_K": (12, 256, 144), "Q5_K": (13, 256, 176),
        "Q6_K": (14, 256, 210), "I8": (24, 1, 1), "I16": (25, 1, 2),
        "I32": (26, 1, 4), "I64": (27, 1, 8), "F64": (28, 1, 8),
        "BF16": (30, 1, 2)}

f32 = np.float32


def gstr(b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def value(t, v):
    """The bytes of a value of GGUF type t (an array is (elem_type, list))."""
    if t == STR:
        return gstr(v)
    if t == ARR:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(
            value(et, x) for x in items)
    return struct.pack(SCALAR_FMT[t], v)


NP_TYPE = {U8: "u1", I8: "i1", U16: "<u2", I16: "<i2", U32: "<u4",
           I32: "<i4", F32: "<f4", BOOL: "u1", U64: "<u8", I64: "<i8",
           F64: "<f8"}


def array_fast(et, items):
    """An array of numbers or strings, built in bulk (150,000 tokens)."""
    head = struct.pack("<IQ", et, len(items))
    if et == STR:
        return head + b"".join(gstr(x) for x in items)
    return head + np.asarray(items).astype(NP_TYPE[et]).tobytes()


class GGUFWriter:
    def __init__(self, alignment=32, version=3):
        self.alignment, self.version = alignment, version
        self.kvs, self.tensors = [], []

    def add(self, key, t, v):
        self.kvs.append(gstr(key) + struct.pack("<I", t) + value(t, v))

    def add_raw(self, key, t, raw):
        """A value whose bytes are already encoded (array_fast)."""
        self.kvs.append(gstr(key) + struct.pack("<I", t) + raw)

    def tensor(self, name, type_name, shape, raw):
        self.tensors.append((name, type_name, tuple(shape), bytes(raw)))

    def bytes(self):
        a = self.alignment
        out = [b"GGUF", struct.pack("<IQQ", self.version, len(self.tensors),
                                    len(self.kvs))] + self.kvs
        offset, blobs, self.offsets = 0, [], []
        for name, tn, shape, raw in self.tensors:
            ne = list(reversed(shape))
            out.append(gstr(name) + struct.pack("<I", len(ne)) +
                       b"".join(struct.pack("<Q", x) for x in ne) +
                       struct.pack("<IQ", GGML[tn][0], offset))
            pad = (-len(raw)) % a
            blobs.append(raw + b"\0" * pad)
            self.offsets.append(offset)
            offset += len(raw) + pad
        head = b"".join(out)
        if self.tensors:
            head += b"\0" * ((-len(head)) % a)
        # file offset of each tensor's data, in tensor order
        self.offsets = [len(head) + o for o in self.offsets]
        return head + b"".join(blobs)


# ---- reference quantizers (quantize_row_*_ref), per block of 32 ---------

def _blocks(x, qk=32):
    x = np.ascontiguousarray(x, dtype=f32).reshape(-1, qk)
    return x


def _half(d):
    return np.asarray(d, dtype=f32).astype(np.float16)


def _roundf(v):
    """C roundf: half away from zero, exactly (no |v| + 0.5 rounding)."""
    a = np.abs(v)
    r = np.floor(a)
    r = r + ((a - r) >= f32(0.5))
    return np.copysign(r, v)


def _trunc_i8(v):
    """C's (int8_t) of a float in range: truncation toward zero."""
    return np.trunc(v).astype(np.int64)


def _inv(d):
    with np.errstate(divide="ignore"):
        return np.where(d != 0, f32(1) / np.where(d != 0, d, f32(1)), f32(0)).astype(f32)


def _absmax_signed(x):
    """The value of largest magnitude, the first one on ties (ggml's
    strict '<' scan)."""
    idx = np.argmax(np.abs(x), axis=1)
    return x[np.arange(x.shape[0]), idx]


def quantize_q8_0(x):
    x = _blocks(x)
    amax = np.max(np.abs(x), axis=1)
    d = (amax / f32(127)).astype(f32)
    idd = _inv(d)
    qs = _roundf((x * idd[:, None]).astype(f32)).astype(np.int8)
    out = np.zeros((x.shape[0], 34), np.uint8)
    out[:, 0:2] = _half(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = qs.view(np.uint8)
    return out.tobytes()


def quantize_q4_0(x):
    x = _blocks(x)
    mx = _absmax_signed(x)
    d = (mx / f32(-8)).astype(f32)
    idd = _inv(d)
    q = np.minimum(15, _trunc_i8((x * idd[:, None] + f32(8.5)).astype(f32)))
    out = np.zeros((x.shape[0], 18), np.uint8)
    out[:, 0:2] = _half(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    return out.tobytes()


def quantize_q4_1(x):
    x = _blocks(x)
    mn, mx = np.min(x, axis=1), np.max(x, axis=1)
    d = ((mx - mn) / f32(15)).astype(f32)
    idd = _inv(d)
    q = np.minimum(15, _trunc_i8(((x - mn[:, None]) * idd[:, None] + f32(0.5)).astype(f32)))
    out = np.zeros((x.shape[0], 20), np.uint8)
    out[:, 0:2] = _half(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = _half(mn).view(np.uint8).reshape(-1, 2)
    out[:, 4:] = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    return out.tobytes()


def _qh(q):
    bits = ((q >> 4) & 1).astype(np.uint64)
    return (bits << np.arange(32, dtype=np.uint64)).sum(axis=1).astype("<u4")


def quantize_q5_0(x):
    x = _blocks(x)
    mx = _absmax_signed(x)
    d = (mx / f32(-16)).astype(f32)
    idd = _inv(d)
    q = np.minimum(31, _trunc_i8((x * idd[:, None] + f32(16.5)).astype(f32)))
    out = np.zeros((x.shape[0], 22), np.uint8)
    out[:, 0:2] = _half(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:6] = _qh(q).view(np.uint8).reshape(-1, 4)
    out[:, 6:] = ((q[:, :16] & 15) | ((q[:, 16:] & 15) << 4)).astype(np.uint8)
    return out.tobytes()


def quantize_q5_1(x):
    x = _blocks(x)
    mn, mx = np.min(x, axis=1), np.max(x, axis=1)
    d = ((mx - mn) / f32(31)).astype(f32)
    idd = _inv(d)
    q = _trunc_i8(((x - mn[:, None]) * idd[:, None] + f32(0.5)).astype(f32))
    out = np.zeros((x.shape[0], 24), np.uint8)
    out[:, 0:2] = _half(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = _half(mn).view(np.uint8).reshape(-1, 2)
    out[:, 4:8] = _qh(q).view(np.uint8).reshape(-1, 4)
    out[:, 8:] = ((q[:, :16] & 15) | ((q[:, 16:] & 15) << 4)).astype(np.uint8)
    return out.tobytes()


QUANTIZE = {"Q8_0": quantize_q8_0, "Q4_0": quantize_q4_0,
            "Q4_1": quantize_q4_1, "Q5_0": quantize_q5_0,
            "Q5_1": quantize_q5_1}


# ---- dequantization from the definitions, vectorized --------------------

def _h(B, at):
    return B[:, at:at + 2].copy().view("<f2").astype(f32).reshape(-1)


def _nib32(qs):
    return np.concatenate([qs & 15, qs >> 4], axis=1).astype(np.int64)


def _bits32(B, at):
    qh = B[:, at:at + 4].copy().view("<u4").reshape(-1, 1).astype(np.int64)
    return (qh >> np.arange(32)) & 1


def dequantize(type_name, raw):
    """f32 values of the blocks in raw, each computed in f32 as the format
    defines it (products exact, one rounding for "+ m")."""
    _, qk, size = GGML[type_name]
    B = np.frombuffer(raw, np.uint8).reshape(-1, size).astype(np.int64)
    Bu = np.frombuffer(raw, np.uint8).reshape(-1, size)
    e = np.arange(qk)
    if type_name == "Q4_0":
        return ((_nib32(B[:, 2:18]) - 8).astype(f32) * _h(Bu, 0)[:, None]).reshape(-1)
    if type_name == "Q4_1":
        return (_nib32(B[:, 4:20]).astype(f32) * _h(Bu, 0)[:, None] + _h(Bu, 2)[:, None]).reshape(-1)
    if type_name == "Q5_0":
        q = _nib32(B[:, 6:22]) | (_bits32(Bu, 2) << 4)
        return ((q - 16).astype(f32) * _h(Bu, 0)[:, None]).reshape(-1)
    if type_name == "Q5_1":
        q = _nib32(B[:, 8:24]) | (_bits32(Bu, 4) << 4)
        return (q.astype(f32) * _h(Bu, 0)[:, None] + _h(Bu, 2)[:, None]).reshape(-1)
    if type_name == "Q8_0":
        q = Bu[:, 2:34].view(np.int8).astype(f32)
        return (q * _h(Bu, 0)[:, None]).reshape(-1)
    n, r, l = e // 128, e % 128, e % 32
    j = r // 32
    if type_name == "Q2_K":
        q = (B[:, 16 + 32 * n + l] >> (2 * j)) & 3
        sc = B[:, e // 16]
        d, dmin = _h(Bu, 80)[:, None], _h(Bu, 82)[:, None]
        return ((d * (sc & 15).astype(f32)) * q.astype(f32) - dmin * (sc >> 4).astype(f32)).reshape(-1)
    if type_name == "Q3_K":
        q = (B[:, 32 + 32 * n + l] >> (2 * j)) & 3
        high = (B[:, l] >> (4 * n + j)) & 1
        s = e // 16
        low4 = np.where(s < 8, B[:, 96 + (s % 8)] & 15, B[:, 96 + (s % 8)] >> 4)
        six = low4 | (((B[:, 104 + s % 4] >> (2 * (s // 4))) & 3) << 4)
        d = _h(Bu, 108)[:, None]
        return ((d * (six - 32).astype(f32)) * (q - np.where(high == 1, 0, 4)).astype(f32)).reshape(-1)
    if type_name in ("Q4_K", "Q5_K"):
        c, hh, l = e // 64, (e % 64) // 32, e % 32
        sb = e // 32
        S = B[:, 4:16]
        sc = np.where(sb < 4, S[:, np.minimum(sb, 3)] & 63,
                      (S[:, np.minimum(sb + 4, 11)] & 15) | ((S[:, np.maximum(sb - 4, 0)] >> 6) << 4))
        m = np.where(sb < 4, S[:, np.minimum(sb + 4, 11)] & 63,
                     (S[:, np.minimum(sb + 4, 11)] >> 4) | ((S[:, sb] >> 6) << 4))
        qs_at = 16 if type_name == "Q4_K" else 48
        byte = B[:, qs_at + 32 * c + l]
        q = np.where(hh == 1, byte >> 4, byte & 15)
        if type_name == "Q5_K":
            q = q + 16 * ((B[:, 16 + l] >> sb) & 1)
        d, dmin = _h(Bu, 0)[:, None], _h(Bu, 2)[:, None]
        return ((d * sc.astype(f32)) * q.astype(f32) - dmin * m.astype(f32)).reshape(-1)
    if type_name == "Q6_K":
        k = r // 32
        byte = B[:, 64 * n + 32 * (k % 2) + l]
        lo = np.where(k >= 2, byte >> 4, byte & 15)
        hi = (B[:, 128 + 32 * n + l] >> (2 * k)) & 3
        q = (lo | (hi << 4)) - 32
        sc = Bu[:, 192:208].view(np.int8).astype(f32)[:, e // 16]
        d = _h(Bu, 208)[:, None]
        return ((d * sc) * q.astype(f32)).reshape(-1)
    raise ValueError(type_name)


def random_blocks(type_name, n_blocks, rng):
    """Random K-quant blocks: every quant and scale bit random, the f16
    scale fields finite values near 0.01 (ggml's reference K-quantizers
    search scales iteratively; they are not reimplemented here, and any
    bit pattern is a block the decoder must get right)."""
    _, _, size = GGML[type_name]
    B = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    at = {"Q2_K": (80, 82), "Q3_K": (108,), "Q4_K": (0, 2), "Q5_K": (0, 2),
          "Q6_K": (208,)}[type_name]
    for a in at:
        h = (rng.standard_normal(n_blocks) * 0.02).astype(np.float16)
        B[:, a:a + 2] = h.view(np.uint8).reshape(-1, 2)
    return B.tobytes()


# ---- the text parity shows for metadata (src/formats/gguf_kv.c) ----------

def shortest(v, is_f32):
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    for digits in range(1, 18):
        s = "%.*g" % (digits, v)
        back = float(np.float32(float(s))) if is_f32 else float(s)
        if back == v:
            return s
    return s


def json_str(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def shown(t, v, top=True):
    """(text, too_big) of a value as parity renders it."""
    if t == STR:
        return (v if top else json_str(v)), False
    if t in (F32, F64):
        return shortest(float(np.float32(v)) if t == F32 else float(v), t == F32), False
    if t == BOOL:
        return ("true" if v else "false"), False
    if t != ARR:
        return str(int(v)), False
    et, items = v
    big = len(items) > 64
    parts = []
    for x in items:
        s, b = shown(et, x, False)
        big = big or b
        parts.append(s)
    text = "[" + ", ".join(parts) + "]"
    return text, big


def meta_text(t, v):
    text, big = shown(t, v)
    if t == ARR and (big or len(text.encode("utf-8")) > 4096):
        return "(array of %d %s)" % (len(v[1]), TYPE_NAME[v[0]])
    return text
