#!/usr/bin/python3
"""Write the malformed safetensors corpus and its pinned expected errors.

Usage: gen_bad_safetensors.py [OUTDIR]   (default: tests/bad/safetensors)

Each case is one file; OUTDIR/expected.txt has one line per file:

    <file name><TAB><substring the one-line error message must contain>

The substring leaves out the file path, so it holds for the library's
message ("PATH: ...") and the CLI's ("parity: PATH: ..."). Every reader must
refuse each file with exit status 2 (CLI) / a non-OK status (library).
The bytes are deterministic: re-running this script reproduces the
committed files exactly (tests/unit/test_safetensors.c checks that).
"""
import os
import struct
import sys

A8 = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'


def st(header, data=b"", pad=True):
    """8-byte LE length + header (space-padded to 8) + data."""
    h = header.encode("utf-8") if isinstance(header, str) else header
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def one(entry, data=b"\0" * 8):
    """A file with a single tensor 'a' whose entry is given as JSON text."""
    return st('{"a":%s}' % entry, data)


def ent(dtype='"F32"', shape="[2]", offs="[0,8]", extra=""):
    return '{"dtype":%s,"shape":%s,"data_offsets":%s%s}' % (dtype, shape,
                                                           offs, extra)


CASES = [
    # --- the 8-byte prefix -------------------------------------------------
    ("empty_file", b"", "too small for the 8-byte header length"),
    ("seven_bytes", b"\x10\0\0\0\0\0\0", "too small for the 8-byte header"),
    ("header_len_max", struct.pack("<Q", 2**64 - 1) + b"{}",
     "exceeds the limit of 100000000 bytes"),
    ("header_len_limit_plus_one", struct.pack("<Q", 100000001) + b"{}",
     "exceeds the limit of 100000000 bytes"),
    ("header_len_past_end", struct.pack("<Q", 1000) + b"{}" + b" " * 90,
     "runs past the end of the file"),
    ("header_len_zero", struct.pack("<Q", 0), "header: empty"),
    # --- header text -------------------------------------------------------
    ("utf8_invalid_byte", st(b'{"a\xff":' + ent().encode() + b'}', b"\0" * 8),
     "invalid UTF-8 at byte 11"),
    ("utf8_overlong", st(b'{"\xc0\xaf":' + ent().encode() + b'}', b"\0" * 8),
     "invalid UTF-8 at byte 10"),
    ("utf8_surrogate", st(b'{"\xed\xa0\x80":' + ent().encode() + b'}',
                          b"\0" * 8), "invalid UTF-8 at byte 10"),
    ("json_truncated", st('{"a":{"dtype":"F32"', pad=False),
     "header: invalid JSON at byte"),
    ("json_missing_value", st('{"a":}'), "header: invalid JSON at byte 13"),
    ("json_not_object", st("[1,2]"), "header: not a JSON object at byte 8"),
    ("json_nul_padding", st(b"{" + A8.encode() + b"}\0\0\0\0\0\0", b"\0" * 8,
                            pad=False), "NUL byte at byte 62 after the JSON"),
    ("json_trailing_garbage", st("{" + A8 + "} x", b"\0" * 8),
     "trailing characters after the JSON object at byte 63"),
    ("json_leading_space", st(" {" + A8 + "}", b"\0" * 8),
     "whitespace before '{' at byte 8"),
    ("json_deep_nesting", st('{"__metadata__":' + "[" * 100000),
     "JSON nesting deeper than 64 levels at byte 87"),
    ("json_nul_escape", st('{"a\\u0000b":' + ent() + "}", b"\0" * 8),
     "\\u0000 escape at byte 11"),
    ("json_control_char", st('{"a\nb":' + ent() + "}", b"\0" * 8),
     "control character 0x0a inside a string at byte 11"),
    ("json_control_outside_string", st(b'{"a":{"dtype":"F32",\x01"shape":'
                                       b'[2],"data_offsets":[0,8]}}',
                                       b"\0" * 8),
     "control character 0x01 outside strings at byte 28"),
    ("json_nul_between_values", st(b'{"a":{"dtype":"F32","shape":[2\0],'
                                   b'"data_offsets":[0,8]}}', b"\0" * 8),
     "control character 0x00 outside strings at byte 38"),
    # --- __metadata__ ------------------------------------------------------
    ("meta_number_value", st('{"__metadata__":{"k":1},' + A8 + "}",
                             b"\0" * 8),
     "__metadata__ 'k': value is a number (expected a string)"),
    ("meta_object_value", st('{"__metadata__":{"k":{"x":"y"}},' + A8 + "}",
                             b"\0" * 8),
     "__metadata__ 'k': value is an object (expected a string)"),
    ("meta_not_object", st('{"__metadata__":"x",' + A8 + "}", b"\0" * 8),
     "__metadata__ is a string (expected an object of string values)"),
    ("meta_duplicate_key", st('{"__metadata__":{"k":"1","k":"2"},' + A8 + "}",
                              b"\0" * 8),
     "__metadata__ 'k': duplicate key"),
    ("meta_twice", st('{"__metadata__":{},"__metadata__":{},' + A8 + "}",
                      b"\0" * 8), "duplicate key '__metadata__'"),
    # --- names and entries -------------------------------------------------
    ("dup_tensor_name", st('{"a":' + ent() + ',"a":' + ent(offs="[8,16]") +
                           "}", b"\0" * 16), "duplicate tensor name 'a'"),
    ("dup_tensor_name_escaped", st('{"a":' + ent() + ',"\\u0061":' +
                                   ent(offs="[8,16]") + "}", b"\0" * 16),
     "duplicate tensor name 'a'"),
    ("entry_not_object", one("[1]"),
     "tensor 'a': entry is an array (expected an object"),
    ("field_duplicate", one(ent(extra=',"dtype":"F32"')),
     "tensor 'a': dtype: duplicate field"),
    ("field_unknown", one(ent(extra=',"foo":"bar"')),
     "tensor 'a': unknown field 'foo'"),
    ("field_missing_dtype", one('{"shape":[2],"data_offsets":[0,8]}'),
     "tensor 'a': dtype: missing"),
    ("field_missing_shape", one('{"dtype":"F32","data_offsets":[0,8]}'),
     "tensor 'a': shape: missing"),
    ("field_missing_offsets", one('{"dtype":"F32","shape":[2]}'),
     "tensor 'a': data_offsets: missing"),
    # --- dtype -------------------------------------------------------------
    ("dtype_unknown", one(ent(dtype='"F128"')),
     "tensor 'a': dtype 'F128': unknown"),
    ("dtype_lowercase", one(ent(dtype='"f32"')),
     "tensor 'a': dtype 'f32': unknown"),
    ("dtype_parity_only_f80", one(ent(dtype='"F80"')),
     "tensor 'a': dtype 'F80': unknown"),
    ("dtype_not_string", one(ent(dtype="4")),
     "tensor 'a': dtype: a number (expected a string"),
    ("dtype_sub_byte_f4", one(ent(dtype='"F4"', offs="[0,1]"), b"\0"),
     "tensor 'a': dtype 'F4': sub-byte types are not supported"),
    ("dtype_sub_byte_f6", one(ent(dtype='"F6_E2M3"', shape="[4]",
                                  offs="[0,3]"), b"\0" * 3),
     "tensor 'a': dtype 'F6_E2M3': sub-byte types are not supported"),
    # --- shape -------------------------------------------------------------
    ("shape_not_array", one(ent(shape="2")),
     "tensor 'a': shape: a number (expected an array"),
    ("shape_string_dim", one(ent(shape='["2"]')),
     "tensor 'a': shape[0]: a string (expected a non-negative integer)"),
    ("shape_bool_dim", one(ent(shape="[true]")),
     "tensor 'a': shape[0]: a boolean"),
    ("shape_negative", one(ent(shape="[-2]")),
     "tensor 'a': shape: number '-2' at byte 37: negative"),
    ("shape_fraction", one(ent(shape="[2.0]")),
     "tensor 'a': shape: number '2.0' at byte 37: fractional"),
    ("shape_exponent", one(ent(shape="[2e0]")),
     "tensor 'a': shape: number '2e0' at byte 37: has an exponent"),
    ("shape_leading_zero", one(ent(shape="[02]")),
     "tensor 'a': shape: number '02' at byte 37: leading zero"),
    ("shape_33_dims", one(ent(shape="[" + ",".join(["1"] * 33) + "]",
                              offs="[0,4]"), b"\0" * 4),
     "tensor 'a': shape: more than 32 dims (expected at most 32)"),
    ("shape_c64_32_dims", one(ent(dtype='"C64"', shape="[" +
                                  ",".join(["1"] * 32) + "]"), b"\0" * 8),
     "tensor 'a': shape: more than 31 dims (expected at most 31)"),
    ("shape_count_overflow", one(ent(shape="[4294967296,4294967296,16]")),
     "tensor 'a': shape: element count overflows 64 bits"),
    # empty, but its other dimensions multiply past int64 (strides would)
    ("shape_empty_dims_overflow", one(ent(shape="[0,9007199254740992,9007199254740992]",
                                          offs="[0,0]")),
     "tensor 'a': shape: the dimensions multiply past 2^63"),
    # the same with the zero last: the element count overflows before it
    ("shape_empty_last_dims_overflow", one(ent(shape="[1099511627776,1099511627776,0]",
                                               offs="[0,0]")),
     "tensor 'a': shape: the dimensions multiply past 2^63"),
    ("shape_bytes_overflow", one(ent(dtype='"F64"',
                                     shape="[9007199254740992,1024]")),
     "tensor 'a': shape [9007199254740992,1024]: byte size overflows"),
    # --- data_offsets ------------------------------------------------------
    ("offsets_not_array", one(ent(offs='"0-8"')),
     "tensor 'a': data_offsets: a string (expected [begin, end]"),
    ("offsets_one", one(ent(offs="[0]")),
     "tensor 'a': data_offsets: not 2 elements"),
    ("offsets_three", one(ent(offs="[0,8,16]")),
     "tensor 'a': data_offsets: not 2 elements"),
    ("offsets_null", one(ent(offs="[0,null]")),
     "tensor 'a': data_offsets: not integers"),
    ("offsets_past_2p53", one(ent(offs="[0,18446744073709551616]")),
     "tensor 'a': data_offsets: number '18446744073709551616' at byte 58: "
     "exceeds 2^53"),
    ("offsets_end_before_start", one(ent(offs="[8,4]")),
     "tensor 'a': data_offsets [8,4]: end before start"),
    ("offsets_size_mismatch", one(ent(offs="[0,12]"), b"\0" * 12),
     "tensor 'a': data_offsets [0,12]: 12 bytes, but shape [2] of F32 "
     "needs 8"),
    ("offsets_first_not_zero", one(ent(offs="[4,12]"), b"\0" * 12),
     "the first tensor begins at 4 (expected 0)"),
    ("offsets_gap", st('{"a":' + ent() + ',"b":' + ent(offs="[12,20]") + "}",
                       b"\0" * 20),
     "tensor 'b': data_offsets [12,20]: gap after the previous tensor"),
    ("offsets_overlap", st('{"a":' + ent() + ',"b":' + ent() + "}",
                           b"\0" * 8),
     "tensor 'b': data_offsets [0,8]: overlaps the previous tensor"),
    ("offsets_overlap_partial", st('{"a":' + ent(shape="[4]", offs="[0,16]") +
                                   ',"b":' + ent(offs="[8,16]") + "}",
                                   b"\0" * 16),
     "tensor 'b': data_offsets [8,16]: overlaps the previous tensor"),
    ("offsets_zero_size_inside", st('{"a":' + ent() + ',"z":' +
                                    ent(shape="[0]", offs="[4,4]") + "}",
                                    b"\0" * 8),
     "tensor 'z': data_offsets [4,4]: overlaps the previous tensor"),
    # --- the data buffer ---------------------------------------------------
    ("data_trailing_bytes", one(ent(), b"\0" * 12),
     "tensors cover 8 of 12 data bytes"),
    ("data_polyglot_no_tensors", st("{}", b"PK\x03\x04"),
     "tensors cover 0 of 4 data bytes"),
    ("data_short", one(ent(), b"\0" * 4),
     "tensor 'a': data_offsets [0,8]: end is past the end of the data "
     "(4 bytes)"),
    ("data_missing", one(ent(), b""),
     "tensor 'a': data_offsets [0,8]: end is past the end of the data "
     "(0 bytes)"),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "tests", "bad", "safetensors")
    os.makedirs(out, exist_ok=True)
    lines = []
    names = set()
    for name, data, expect in CASES:
        assert name not in names, name
        names.add(name)
        fname = name + ".safetensors"
        with open(os.path.join(out, fname), "wb") as f:
            f.write(data)
        assert "\t" not in expect and "\n" not in expect
        lines.append("%s\t%s" % (fname, expect))
    with open(os.path.join(out, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
