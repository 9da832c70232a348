#!/usr/bin/python3
"""Write the malformed .npy corpus: tests/bad/npy/*.npy and expected.txt.

usage: gen_bad_npy.py [OUTDIR]     (default: tests/bad/npy next to tools/)

Each file breaks one rule of the format (docs/formats-npy.md); expected.txt
has one line per file, "<filename>\t<substring of the error message>".
The files are committed; rerun this script only to change the corpus on
purpose. No NumPy needed: every byte is spelled out here.
"""
import os
import struct
import sys

GOOD = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"


def npy(header, data=b"", version=(1, 0), pad=True, hlen=None, newline=True):
    """magic + version + header_len + header (+ space padding to 64 bytes,
    as NumPy writes it) + '\\n' + data. hlen overrides the declared length."""
    pre = 10 if version[0] == 1 else 12
    text = header.encode("utf8" if version[0] == 3 else "latin1") \
        if isinstance(header, str) else header
    if pad:
        text += b" " * ((-(pre + len(text) + 1)) % 64)
    if newline:
        text += b"\n"
    n = len(text) if hlen is None else hlen
    lenb = struct.pack("<H" if pre == 10 else "<I", n)
    return b"\x93NUMPY" + bytes(version) + lenb + text + data


def hdr(descr="'<f4'", fortran="False", shape="(2, 3)", extra=""):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, %s}" % (
        descr, fortran, shape, extra)


F4x6 = bytes(24)

CASES = [
    # name, bytes, expected message substring
    ("empty.npy", b"", "empty file"),
    ("bad_magic.npy", b"\x93NUMPZ" + npy(GOOD, F4x6)[6:], "bad magic"),
    ("truncated_magic.npy", b"\x93NUMP", "truncated: 5 bytes"),
    ("version_0_0.npy", npy(GOOD, F4x6, version=(0, 0)),
     "format version 0.0"),
    ("version_1_1.npy", npy(GOOD, F4x6, version=(1, 1)),
     "format version 1.1"),
    ("version_4_0.npy", npy(GOOD, F4x6, version=(4, 0)),
     "format version 4.0"),
    # a 200-byte file declaring a 4 GiB header: refused before any use
    ("v2_header_len_huge.npy",
     (npy(GOOD, version=(2, 0), hlen=0xFFFFFFFF) + bytes(200))[:200],
     "header_len 4294967295: only 188 bytes follow"),
    ("v1_header_len_past_end.npy", npy(GOOD, hlen=1000),
     "header_len 1000: only 118 bytes follow"),
    ("header_not_dict.npy", npy("[1, 2, 3]"), "header: not a dict literal"),
    ("header_no_newline.npy", npy(GOOD, F4x6, newline=False, pad=False),
     "does not end with"),
    ("missing_key.npy",
     npy("{'descr': '<f4', 'fortran_order': False}", F4x6),
     "header: no 'shape' key"),
    ("extra_key.npy", npy(hdr(extra="'extra': 1, "), F4x6),
     "unknown key 'extra'"),
    ("duplicate_key.npy", npy(hdr(extra="'shape': (6,), "), F4x6),
     "duplicate key 'shape'"),
    ("fortran_order_int.npy", npy(hdr(fortran="1"), F4x6),
     "fortran_order: expected True or False, found '1'"),
    ("expr_import.npy",
     npy(hdr(descr="__import__('os').system('true')"), F4x6),
     "expected descr as a quoted string"),
    ("expr_dim.npy", npy(hdr(shape="(1+1, 3)"), F4x6),
     "shape: expected ',' or ')' after dim 0, found '+'"),
    ("shape_not_tuple.npy", npy(hdr(shape="[2, 3]"), F4x6),
     "shape: expected a tuple"),
    ("shape_paren_int.npy", npy(hdr(shape="(6)"), F4x6),
     "is an int in parentheses, not a tuple"),
    ("dim_float.npy", npy(hdr(shape="(6.0,)"), F4x6),
     "dim 0: not a plain integer literal"),
    ("dim_bool.npy", npy(hdr(shape="(True, 6)"), F4x6),
     "dim 0: expected an integer, found 'T'"),
    ("dim_negative.npy", npy(hdr(shape="(-2, 3)"), F4x6),
     "shape: dim 0 is negative"),
    ("dim_too_big.npy", npy(hdr(shape="(9223372036854775808,)"), F4x6),
     "dim 0: larger than 2^63-1"),
    ("too_many_dims.npy", npy(hdr(shape="(" + "1, " * 33 + ")"), bytes(4)),
     "more than 32 dimensions"),
    ("shape_overflow.npy",
     npy(hdr(shape="(4294967296, 4294967296, 16)"), F4x6),
     "overflows 64 bits"),
    # an empty array whose other dimensions still overflow its strides
    ("shape_empty_dims_overflow.npy",
     npy(hdr(shape="(4294967296, 4294967296, 0)"), b""),
     "the dimensions multiply past 2^63 (even an empty array's"),
    ("py2_long_in_v3.npy", npy(hdr(shape="(2L, 3L)"), F4x6, version=(3, 0)),
     "dim 0: not a plain integer literal"),
    ("v3_bad_utf8.npy",
     npy(hdr(descr="'<f4\xff'").encode("latin1"), F4x6, version=(3, 0)),
     "invalid UTF-8"),
    ("descr_object.npy", npy(hdr(descr="'|O'"), bytes(48)),
     "object arrays are not read: they are pickles"),
    ("descr_structured.npy",
     npy(hdr(descr="[('a', '<f4'), ('b', '<i4')]"), bytes(48)),
     "structured dtypes"),
    ("descr_subarray.npy", npy(hdr(descr="('<f4', (2,))"), bytes(48)),
     "subarray dtypes"),
    ("descr_f3.npy", npy(hdr(descr="'<f3'"), bytes(18)),
     "descr '<f3': not a numeric NumPy type"),
    # x87 long doubles as 32-bit x86 NumPy stores them (float96): named
    ("descr_float96.npy", npy(hdr(descr="'<f12'"), bytes(72)),
     "descr '<f12': x87 extended precision in 12 bytes (NumPy's float96"),
    ("descr_native.npy", npy(hdr(descr="'=f4'"), F4x6),
     "native byte order '='"),
    ("descr_pipe_f4.npy", npy(hdr(descr="'|f4'"), F4x6),
     "byte order '|' on a multi-byte type"),
    ("descr_string.npy", npy(hdr(descr="'|S4'"), F4x6),
     "strings and raw bytes are not numeric"),
    ("descr_datetime.npy", npy(hdr(descr="'<M8[ns]'"), bytes(48)),
     "datetimes and timedeltas are not read"),
    ("descr_escape.npy", npy(hdr(descr="'<f\\x34'"), F4x6),
     "escape sequences are not accepted"),
    ("descr_unterminated.npy", npy("{'descr': '<f4", F4x6),
     "descr: unterminated string"),
    ("after_dict.npy", npy(GOOD + " + {}", F4x6),
     "unexpected '+' after the dict"),
    ("truncated_data.npy", npy(hdr(shape="(4,)", descr="'<f8'"), bytes(16)),
     "truncated data: shape (4,) of '<f8' needs 32 bytes, 16 present"),
    ("trailing_data.npy", npy(hdr(shape="(2,)"), bytes(12)),
     "trailing data: 4 bytes after the 8 bytes of data"),
]


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    out = argv[1] if len(argv) > 1 else os.path.join(here, "..", "tests",
                                                     "bad", "npy")
    os.makedirs(out, exist_ok=True)
    lines = []
    for name, data, msg in CASES:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        lines.append("%s\t%s" % (name, msg))
    with open(os.path.join(out, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
