#!/usr/bin/python3
"""Write the malformed GGUF corpus: tests/bad/gguf/*.gguf and expected.txt.

usage: gen_bad_gguf.py [OUTDIR]     (default: tests/bad/gguf next to tools/)

Each file breaks one rule of the format (docs/formats.md, GGUF), among them
every class of known attack on ggml's reader (research:
formats-and-attacks.md section 3.4): huge string lengths (TALOS-2024-1913),
n_dims past GGML_MAX_DIMS (TALOS-2024-1914), tensor and pair counts whose
allocation would wrap (TALOS-2024-1915/1916), element counts and byte sizes
that overflow, sizes that wrap when summed (CVE-2025-53630), tensor data
past the end of the file (CVE-2026-7482), misaligned and overlapping
offsets, huge arrays. expected.txt has one line per file,
"<filename>\\t<substring of the error message>". The files are committed;
rerun this script only to change the corpus on purpose. Every byte is
spelled out here (no NumPy needed).
"""
import os
import struct
import sys

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)


def s(b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def kv(key, t, payload):
    """A pair whose value bytes are given as they are."""
    return s(key) + struct.pack("<I", t) + payload


def kv_u32(key, v):
    return kv(key, U32, struct.pack("<I", v))


def info(name, ne, type_id=0, offset=0, n_dims=None):
    nd = len(ne) if n_dims is None else n_dims
    return (s(name) + struct.pack("<I", nd) +
            b"".join(struct.pack("<Q", x) for x in ne) +
            struct.pack("<IQ", type_id, offset))


def gguf(kvs=(), infos=(), data=b"", version=3, n_tensors=None, n_kv=None,
         align=32):
    """Header + pairs + infos, padded to align when there are tensors, +
    data. n_tensors / n_kv override the counts."""
    nt = len(infos) if n_tensors is None else n_tensors
    nk = len(kvs) if n_kv is None else n_kv
    head = b"GGUF" + struct.pack("<IQQ", version, nt, nk) + b"".join(kvs) + \
        b"".join(infos)
    if infos:
        head += b"\0" * ((-len(head)) % align)
    return head + data


F32x4 = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)
ARCH = kv("general.architecture", STR, s("llama"))
GOOD_T = info("w", [4], 0, 0)


def nested(depth):
    """An array of arrays ... depth levels, the innermost one u8 [1]."""
    inner = struct.pack("<IQ", U8, 1) + b"\x01"
    for _ in range(depth - 1):
        inner = struct.pack("<IQ", ARR, 1) + inner
    return inner


CASES = [
    # --- header ----------------------------------------------------------
    ("empty.gguf", b"", "empty file"),
    ("truncated_magic.gguf", b"GGU", "truncated: 3 bytes"),
    ("bad_magic.gguf", b"GGUX" + gguf([ARCH])[4:], "bad magic 'GGUX'"),
    ("version_0.gguf", gguf([ARCH], version=0), "version 0 (expected 2 or 3)"),
    ("version_1.gguf", gguf([ARCH], version=1), "GGUF v1 (32-bit counts)"),
    ("version_4.gguf", gguf([ARCH], version=4), "version 4 is newer"),
    # a version-3 file written big-endian: every integer byte-swapped
    ("big_endian.gguf", b"GGUF" + struct.pack(">IQQ", 3, 0, 1) +
     struct.pack(">Q", 20) + b"general.architecture" + struct.pack(">I", STR) +
     struct.pack(">Q", 5) + b"llama", "big-endian GGUF file"),
    ("truncated_header.gguf", b"GGUF" + struct.pack("<IQ", 3, 0)[:8],
     "header: tensor count: truncated at byte 8"),
    # --- counts (TALOS-2024-1915/1916: n x sizeof wrapped malloc) ----------
    ("n_tensors_huge.gguf", gguf([ARCH], n_tensors=2**64 - 1),
     "18446744073709551615 tensors exceed the limit"),
    ("n_kv_huge.gguf", gguf([ARCH], n_kv=2**64 - 1),
     "18446744073709551615 metadata pairs exceed the limit"),
    ("n_tensors_past_end.gguf", gguf([ARCH], n_tensors=100000),
     "100000 tensors and 1 metadata pairs cannot fit"),
    # --- strings (TALOS-2024-1913: calloc(len + 1) of SIZE_MAX) -----------
    ("key_len_huge.gguf", gguf([struct.pack("<Q", 2**64 - 1) + b"x" * 16]),
     "string length 18446744073709551615"),
    ("key_len_past_end.gguf", gguf([struct.pack("<Q", 1000) + b"general.name"]),
     "string length 1000 at byte 24 runs past the end"),
    ("key_empty.gguf", gguf([kv("", U8, b"\x01")]), "key: empty at byte 24"),
    ("key_nul.gguf", gguf([kv("a\0b", U8, b"\x01")]), "NUL byte in the key"),
    ("key_invalid_utf8.gguf", gguf([s(b"a\xff") + struct.pack("<I", U8) + b"\x01"]),
     "key: invalid UTF-8"),
    ("key_duplicate.gguf", gguf([ARCH, kv("general.name", STR, s("a")),
                                 kv("general.name", STR, s("b"))]),
     "metadata 'general.name': duplicate key"),
    ("value_string_huge.gguf", gguf([kv("general.name", STR,
                                        struct.pack("<Q", 2**63) + b"abc")]),
     "metadata 'general.name': string length 9223372036854775808"),
    ("value_invalid_utf8.gguf", gguf([kv("general.name", STR, s(b"caf\xe9"))]),
     "string: invalid UTF-8 at byte"),
    # --- value types ---------------------------------------------------------
    ("kv_type_13.gguf", gguf([kv("general.name", 13, b"\0" * 8)]),
     "value type 13"),
    ("kv_type_truncated.gguf", gguf([s("general.name") + b"\x08\0"]),
     "metadata 'general.name': truncated at byte"),
    ("bool_2.gguf", gguf([ARCH, kv("tokenizer.ggml.add_bos_token", BOOL, b"\x02")]),
     "bool byte 0x02"),
    ("array_elem_type_13.gguf", gguf([kv("a.b", ARR, struct.pack("<IQ", 13, 1) + b"\0")]),
     "array element type 13"),
    ("array_count_huge.gguf", gguf([kv("tokenizer.ggml.scores", ARR,
                                       struct.pack("<IQ", F32, 2**62) + b"\0" * 8)]),
     "array of 4611686018427387904 f32"),
    ("array_past_end.gguf", gguf([kv("tokenizer.ggml.token_type", ARR,
                                     struct.pack("<IQ", I32, 1000) + b"\0" * 16)]),
     "needs at least 4 bytes per element, only 16 bytes left"),
    ("array_strings_past_end.gguf", gguf([kv("tokenizer.ggml.tokens", ARR,
                                             struct.pack("<IQ", STR, 3) + s("a") + s("b"))]),
     "array of 3 str at byte"),
    ("array_string_len_huge.gguf", gguf([kv("tokenizer.ggml.tokens", ARR,
                                            struct.pack("<IQ", STR, 2) + s("a") +
                                            struct.pack("<Q", 2**64 - 2) + b"xyz")]),
     "element 1: string length 18446744073709551614"),
    ("array_nested_deep.gguf", gguf([kv("a.b", ARR, nested(9))]),
     "arrays nested more than 8 levels deep"),
    # --- general.alignment -------------------------------------------------
    ("alignment_i32.gguf", gguf([kv("general.alignment", I32, struct.pack("<i", 32))]),
     "metadata 'general.alignment': type i32"),
    ("alignment_0.gguf", gguf([kv_u32("general.alignment", 0)]),
     "0 at byte 53 is not a power of two"),
    ("alignment_13.gguf", gguf([kv_u32("general.alignment", 13)]),
     "13 at byte 53 is not a power of two"),
    ("alignment_4.gguf", gguf([kv_u32("general.alignment", 4)]),
     "strict mode expects a multiple of 8"),
    ("alignment_huge.gguf", gguf([kv_u32("general.alignment", 2**31)]),
     "exceeds 1 MiB"),
    # --- tensor infos (TALOS-2024-1914: ne[n_dims] written out of bounds) ---
    ("n_dims_5.gguf", gguf([ARCH], [info("w", [1, 1, 1, 1, 4])], F32x4),
     "tensor 'w': n_dims 5"),
    ("n_dims_huge.gguf", gguf([ARCH], [info("w", [4], n_dims=2**32 - 1)], F32x4),
     "n_dims 4294967295"),
    ("ne_negative.gguf", gguf([ARCH], [info("w", [4, 2**64 - 2])], F32x4),
     "ne[1] = -2 at byte"),
    ("ne_product_overflow.gguf", gguf([ARCH], [info("w", [2**32, 2**32, 2])], F32x4),
     "the element count overflows int64"),
    ("byte_size_overflow.gguf", gguf([ARCH], [info("w", [2**62], 28)], F32x4),
     "type F64: the byte size overflows 64 bits"),
    ("type_removed_q4_2.gguf", gguf([ARCH], [info("w", [32], 4)], F32x4),
     "type 4 (Q4_2) at byte"),
    ("type_removed_q4_0_4_4.gguf", gguf([ARCH], [info("w", [32], 31)], F32x4),
     "type 31 (Q4_0_4_4) at byte"),
    ("type_unknown.gguf", gguf([ARCH], [info("w", [4], 99)], F32x4),
     "type 99 at byte"),
    ("type_iq2_xxs.gguf", gguf([ARCH], [info("w", [256], 16)], b"\0" * 66),
     "type 16 (IQ2_XXS)"),
    ("type_q4_k_ne0_100.gguf", gguf([ARCH], [info("w", [100, 2], 12)], b"\0" * 288),
     "type Q4_K: ne[0] = 100 is not a multiple of its block of 256"),
    ("name_too_long.gguf", gguf([ARCH], [info("x" * 64, [4])], F32x4),
     "64 bytes at byte"),
    ("name_empty.gguf", gguf([ARCH], [info("", [4])], F32x4),
     "tensor info 0: name: empty"),
    ("name_duplicate.gguf", gguf([ARCH], [info("w", [4]), info("w", [4], 0, 32)],
                                 F32x4 + b"\0" * 16 + F32x4),
     "tensor 'w': duplicate name"),
    ("name_invalid_utf8.gguf", gguf([ARCH], [s(b"w\xc0") + info("", [4])[8:]], F32x4),
     "tensor info 0: name: invalid UTF-8"),
    ("info_truncated.gguf", b"GGUF" + struct.pack("<IQQ", 3, 1, 0) + info("w", [4])[:-5],
     "truncated at byte"),
    # --- the data section ---------------------------------------------------
    ("offset_unaligned.gguf", gguf([ARCH], [info("w", [4], 0, 4)], b"\0" * 4 + F32x4),
     "offset 4 at byte"),
    ("offset_out_of_order.gguf", gguf([ARCH], [info("a", [4], 0, 32), info("b", [4], 0, 0)],
                                      F32x4 + b"\0" * 16 + F32x4),
     "strict mode expects 0"),
    ("overlap.gguf", gguf([ARCH], [info("a", [16], 0, 0), info("b", [4], 0, 32)],
                          b"\0" * 64),
     "overlaps tensor 'a'"),
    # the offset was trusted to stay inside the file (CVE-2026-7482)
    ("data_past_end.gguf", gguf([ARCH], [info("w", [4], 0, 64)], F32x4),
     "runs past the end of the file"),
    ("data_truncated.gguf", gguf([ARCH], [info("w", [1024])], F32x4),
     "data [0, +4096) runs past the end"),
    # a size near 2^64: padded and summed it would wrap (CVE-2025-53630)
    ("size_wraps.gguf", gguf([ARCH], [info("a", [4]), info("b", [2**61 - 1], 28, 32)],
                             F32x4 + b"\0" * 16 + F32x4),
     "tensor 'b': data [32, +18446744073709551608) runs past the end"),
    ("data_start_past_end.gguf",
     b"GGUF" + struct.pack("<IQQ", 3, 1, 0) + info("w", [0]),
     "data section: starts at byte"),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "bad", "gguf")
    os.makedirs(out, exist_ok=True)
    names = set()
    with open(os.path.join(out, "expected.txt"), "w") as f:
        for name, data, want in CASES:
            assert name not in names, name
            names.add(name)
            with open(os.path.join(out, name), "wb") as g:
                g.write(data)
            f.write("%s\t%s\n" % (name, want))


if __name__ == "__main__":
    main()
