#!/usr/bin/python3
"""Write .npy fixtures with NumPy's own writer, and what a reader must see.

usage: gen_npy_fixtures.py OUTDIR
       gen_npy_fixtures.py --seeds SEEDDIR

For every case NAME, OUTDIR gets:
  NAME.npy   written by numpy.lib.format.write_array (or, for the
             hand-written header variants, by write_handmade(), each
             checked to load in NumPy itself)
  NAME.f64   every element as little-endian float64 in logical C order
             (a.astype('<f8')); complex arrays as [..., 2] (re, im)
  NAME.raw   the exact element bytes, little-endian, C order
             (a.astype(a.dtype.newbyteorder('<')).tobytes('C')): int64 and
             uint64 beyond 2^53, NaN payloads and long doubles are checked
             through these
and manifest.txt has one line per case, tab-separated:
  NAME  DTYPE  BYTESWAP  COMPLEX  NDIM  DIMS
where DTYPE is parity's dtype name of one stored component, BYTESWAP is 1
for big-endian multi-byte data and DIMS the view's comma-separated shape
(a complex array gets a trailing 2). Deterministic: fixed seeds only.
--seeds writes a few small valid files for the fuzzer's corpus
(fuzz/corpus/npy/) instead.
"""
import os
import struct
import sys

import numpy as np
import numpy.lib.format as npf

# numpy type -> (parity component dtype, is complex)
DTYPES = {
    "bool": ("BOOL", 0), "int8": ("I8", 0), "int16": ("I16", 0),
    "int32": ("I32", 0), "int64": ("I64", 0), "uint8": ("U8", 0),
    "uint16": ("U16", 0), "uint32": ("U32", 0), "uint64": ("U64", 0),
    "float16": ("F16", 0), "float32": ("F32", 0), "float64": ("F64", 0),
    "longdouble": ("F80", 0), "complex64": ("F32", 1),
    "complex128": ("F64", 1), "clongdouble": ("F80", 1),
}

BY_TYPE = {np.dtype(n).type: v for n, v in DTYPES.items()}

# Bit patterns of special values: NaNs with payloads and both signs (quiet
# and signalling), infinities, -0.0, smallest and largest subnormals, the
# largest finite value and the smallest normal one.
SPECIAL_BITS = {
    "float16": (np.uint16, [0x7E00, 0xFE00, 0x7E5A, 0x7D01, 0x7C00, 0xFC00,
                            0x8000, 0x0001, 0x83FF, 0x7BFF, 0x0400, 0xFBFF]),
    "float32": (np.uint32, [0x7FC00000, 0xFFC00000, 0x7FC12345, 0x7F800001,
                            0xFF812345, 0x7F800000, 0xFF800000, 0x80000000,
                            0x00000001, 0x807FFFFF, 0x7F7FFFFF, 0x00800000]),
    "float64": (np.uint64, [0x7FF8000000000000, 0xFFF8000000000000,
                            0x7FF800000000ABCD, 0x7FF0000000000001,
                            0xFFF4000000000001, 0x7FF0000000000000,
                            0xFFF0000000000000, 0x8000000000000000,
                            0x0000000000000001, 0x000FFFFFFFFFFFFF,
                            0x7FEFFFFFFFFFFFFF, 0x0010000000000000]),
}


def x87(encodings):
    """Long doubles from raw x87 encodings (64-bit significand with its
    explicit integer bit, sign and 15-bit exponent), byte for byte."""
    raw = b"".join(struct.pack("<QH", m, se) + bytes(6) for m, se in encodings)
    return np.frombuffer(raw, dtype="<f16").astype(np.longdouble)


def longdouble_specials():
    """Long doubles: specials, values a double holds exactly, and values it
    must round (ties, overflow to Inf, underflow to 0); then the encodings
    the x87 rejects (unnormals, pseudo-infinities, pseudo-NaNs: NumPy's
    astype gives NaN) or reads with the smallest exponent
    (pseudo-denormals)."""
    ld = np.longdouble
    one, two = ld(1), ld(2)
    return np.concatenate([longdouble_values(ld, one, two), x87([
        (1 << 62, 0x3FFF),             # unnormal: "0.5" without its integer bit
        (0, 0x3FFF),                   # unnormal, zero significand
        (3 << 61, 0xBFFF),             # negative unnormal
        (1 << 62, 0x0001),             # unnormal, smallest exponent
        (0, 0x7FFF),                   # pseudo-infinity
        (1 << 62, 0xFFFF),             # pseudo-NaN
        (1 << 63, 0x0000),             # pseudo-denormal (2^-16382)
        ((1 << 63) | 5, 0x8000),       # negative pseudo-denormal
        ((1 << 63) | 1, 0x7FFF),       # signalling NaN (a real one)
    ])])


def longdouble_values(ld, one, two):
    return np.array([
        ld("nan"), -ld("nan"), ld("inf"), -ld("inf"), ld("-0.0"),
        ld(5e-324), ld(np.finfo(np.float64).max), ld(-0.1),
        one + two ** -60,                  # rounds down to 1.0
        one + two ** -53,                  # tie: to even, 1.0
        one + two ** -52 + two ** -53,     # tie: to even, 1 + 2^-51
        -(one / 3), ld("1e400"), ld("1e-4000"), ld("-1e-4000"),
    ], dtype=np.longdouble)


def float_values(name, n, rng):
    dt = np.dtype(name)
    if name == "longdouble":
        base = (rng.standard_normal(n) * 1e3).astype(dt) / np.longdouble(7)
        spec = longdouble_specials()
    else:
        base = (rng.standard_normal(n) * 100).astype(dt)
        utype, bits = SPECIAL_BITS[name]
        spec = np.array(bits, dtype=utype).view(dt)
    k = min(n, len(spec))
    base[:k] = spec[:k]
    return base


def int_values(name, n, rng):
    info = np.iinfo(name)
    vals = rng.integers(info.min, info.max, size=n, dtype=name,
                        endpoint=True)
    spec = [info.min, info.max, 0, 1, info.max - 1]
    if info.min < 0:
        spec += [-1, info.min + 1]
    if info.bits == 64:
        spec += [2 ** 53 + 1, 2 ** 53 - 1, 2 ** 62 + 3]
    spec = np.array(spec, dtype=name)
    k = min(n, len(spec))
    vals[:k] = spec[:k]
    return vals


def values(name, shape, seed):
    """A C-order array of dtype name with special values first."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape, dtype=np.int64))
    if name == "bool":
        flat = rng.integers(0, 2, size=n).astype(bool)
    elif name in ("complex64", "complex128", "clongdouble"):
        part = {"complex64": "float32", "complex128": "float64",
                "clongdouble": "longdouble"}[name]
        re = float_values(part, n, rng)
        im = np.roll(float_values(part, n, rng), 3)
        flat = np.empty(n, dtype=name)
        flat.real, flat.imag = re, im
    elif np.dtype(name).kind == "f":
        flat = float_values(name, n, rng)
    else:
        flat = int_values(name, n, rng)
    return flat.reshape(shape)


def expected_f64(a):
    if a.dtype.kind == "c":
        a = np.stack([a.real, a.imag], axis=-1)
    with np.errstate(all="ignore"):  # 1e400L -> inf is the point
        return np.ascontiguousarray(a.astype("<f8")).tobytes(order="C")


def expected_raw(a):
    return a.astype(a.dtype.newbyteorder("<")).tobytes(order="C")


def check_roundtrip(path, a):
    """NumPy itself must load what was written, to the same bytes."""
    b = np.load(path, allow_pickle=False)
    assert b.shape == a.shape and b.dtype == a.dtype, path
    assert expected_raw(b) == expected_raw(a), path


class Writer:
    def __init__(self, outdir):
        self.outdir = outdir
        self.manifest = []

    def record(self, name, a):
        comp, cplx = BY_TYPE[a.dtype.type]
        base = os.path.join(self.outdir, name)
        with open(base + ".f64", "wb") as f:
            f.write(expected_f64(a))
        with open(base + ".raw", "wb") as f:
            f.write(expected_raw(a))
        shape = list(a.shape) + ([2] if cplx else [])
        swap = int(a.dtype.byteorder == ">" and a.dtype.itemsize > 1)
        self.manifest.append("\t".join([
            name, comp, str(swap), str(cplx), str(len(shape)),
            ",".join(str(d) for d in shape)]))

    def numpy_case(self, name, a, version=(1, 0)):
        path = os.path.join(self.outdir, name + ".npy")
        with open(path, "wb") as f:
            npf.write_array(f, a, version=version, allow_pickle=False)
        check_roundtrip(path, a)
        self.record(name, a)

    def handmade(self, name, a, header, version=(1, 0), align=0):
        """A header as other writers spell it; data in C order unless the
        header says fortran_order True."""
        text = header
        pre = 8 + (2 if version == (1, 0) else 4)
        if align:
            text += " " * ((-(pre + len(text) + 1)) % align)
        raw = (text + "\n").encode("latin1" if version < (3, 0) else "utf8")
        lenb = len(raw).to_bytes(pre - 8, "little")
        order = "F" if "True" in header else "C"
        path = os.path.join(self.outdir, name + ".npy")
        with open(path, "wb") as f:
            f.write(b"\x93NUMPY" + bytes(version) + lenb + raw)
            f.write(a.tobytes(order=order))
        check_roundtrip(path, a)
        self.record(name, a)


def main_cases(w):
    seed = 1000
    for name in DTYPES:
        one_byte = np.dtype(name).itemsize == 1
        for bo in ("<",) if one_byte else ("<", ">"):
            dt = np.dtype(name).newbyteorder(bo)
            for order in ("C", "F"):
                seed += 1
                a = values(name, (3, 4, 5), seed).astype(dt)
                a = np.asfortranarray(a) if order == "F" else a
                w.numpy_case("%s_%s_%s" % (name, "be" if bo == ">" else "le",
                                           order), a)
        shapes = {"scalar": (), "empty": (0, 3), "vec": (17,),
                  "d5": (2, 3, 1, 2, 3)}
        for tag, shape in shapes.items():
            seed += 1
            a = values(name, shape, seed)
            if tag == "d5":
                a = np.asfortranarray(a.astype(a.dtype.newbyteorder(">")))
            w.numpy_case("%s_%s" % (name, tag), a)


def version_cases(w):
    seed = 5000
    for name in ("float32", "complex128", "int64", "uint16", "longdouble"):
        for version in ((2, 0), (3, 0)):
            seed += 1
            a = values(name, (3, 4), seed)
            a = np.asfortranarray(a.astype(a.dtype.newbyteorder(">")))
            w.numpy_case("%s_v%d" % (name, version[0]), a, version)


def handmade_cases(w):
    a = values("float64", (2, 3), 7001)
    w.handmade("hand_reordered", a,
               '{"shape": (2, 3), "descr": "<f8", "fortran_order": False}',
               align=16)
    a = values("int32", (2, 3), 7002)
    w.handmade("hand_py2_long", a,
               "{'descr': '<i4', 'fortran_order': False, 'shape': (2L, 3L), }")
    a = np.asfortranarray(values("float32", (3, 2), 7003))
    w.handmade("hand_multiline", a,
               "{'descr': '<f4',\n 'fortran_order': True,\n"
               "\t'shape': (3, 2,)}", version=(2, 0))
    a = values("uint8", (5,), 7004)
    w.handmade("hand_u1_le", a,
               "{'descr': '<u1', 'fortran_order': False, 'shape': (5,)}")
    a = values("float16", (), 7005)
    w.handmade("hand_scalar_v3", a,
               "{'descr': '<f2', 'fortran_order': False, 'shape': ()}",
               version=(3, 0), align=64)


def seeds(outdir):
    """Small valid files for the fuzzer's seed corpus."""
    cases = [
        ("f32_2x3", values("float32", (2, 3), 1)),
        ("f64_be_fortran", np.asfortranarray(
            values("float64", (3, 2), 2).astype(">f8"))),
        ("c64_scalar", values("complex64", (), 3)),
        ("bool_empty", values("bool", (0, 3), 4)),
        ("i8_1d", values("int8", (7,), 5)),
        ("f16_4d", values("float16", (1, 2, 2, 1), 6)),
        ("longdouble_2", values("longdouble", (2,), 7)),
    ]
    for i, (name, a) in enumerate(cases):
        version = [(1, 0), (2, 0), (3, 0)][i % 3]
        with open(os.path.join(outdir, name + ".npy"), "wb") as f:
            npf.write_array(f, a, version=version, allow_pickle=False)
    with open(os.path.join(outdir, "i4_py2_long.npy"), "wb") as f:
        text = "{'descr': '>i4', 'fortran_order': False, 'shape': (2L,), }\n"
        f.write(b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little"))
        f.write(text.encode("latin1") + np.arange(2, dtype=">i4").tobytes())


def main(argv):
    if len(argv) == 3 and argv[1] == "--seeds":
        os.makedirs(argv[2], exist_ok=True)
        seeds(argv[2])
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    w = Writer(argv[1])
    main_cases(w)
    version_cases(w)
    handmade_cases(w)
    with open(os.path.join(argv[1], "manifest.txt"), "w") as f:
        f.write("\n".join(w.manifest) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
