#!/usr/bin/python3
"""Write the malformed zip, .npz and PyTorch checkpoint corpus and its
pinned expected errors.

Usage: gen_bad_zip.py [OUTDIR]   (default: tests/bad)

Writes OUTDIR/zip/ (the container: end records, central directory, local
headers, methods, names, overlaps, bombs), OUTDIR/npz/ (valid archives of
bad members) and OUTDIR/torchzip/ (valid archives of bad checkpoints: the
pickle subset, storages, views, layout). Each folder's expected.txt has one
line per file:

    <file name><TAB><substring the one-line error message must contain>

Every byte is built here (zip records by hand, pickles opcode by opcode,
.npy files by numpy.lib.format), so re-running reproduces the committed
files exactly (tests/unit/test_torchzip.c checks that).
"""
import io
import os
import struct
import sys
import zlib

import numpy as np
import numpy.lib.format as npf

# ---- zip records ---------------------------------------------------------


class M:
    """One member; fields may be overridden to build broken archives."""

    def __init__(self, name, data, method=0, **kw):
        self.name = name.encode() if isinstance(name, str) else name
        self.data = data                       # the member's content
        self.method = method
        self.body = zlib.compress(data)[2:-4] if method == 8 else data
        if method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            self.body = c.compress(data) + c.flush()
        self.crc = zlib.crc32(data)
        self.flags = 0
        self.csize, self.usize = len(self.body), len(data)
        self.lextra = b""                      # local extra field
        self.cextra = b""                      # central extra field
        self.descriptor = None                 # bytes after the data
        self.local = {}                        # overrides in the local header
        self.central = {}                      # overrides in the central one
        self.disk = 0
        self.__dict__.update(kw)


def local_header(m):
    f = dict(flags=m.flags, method=m.method, crc=m.crc, csize=m.csize,
             usize=m.usize, name=m.name, extra=m.lextra)
    f.update(m.local)
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, f["flags"],
                       f["method"], 0, 0x21, f["crc"],
                       min(f["csize"], 0xFFFFFFFF),
                       min(f["usize"], 0xFFFFFFFF), len(f["name"]),
                       len(f["extra"])) + f["name"] + f["extra"]


def central_header(m, offset):
    f = dict(flags=m.flags, method=m.method, crc=m.crc, csize=m.csize,
             usize=m.usize, name=m.name, extra=m.cextra, offset=offset,
             disk=m.disk)
    f.update(m.central)
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, f["flags"],
                       f["method"], 0, 0x21, f["crc"], f["csize"],
                       f["usize"], len(f["name"]), len(f["extra"]), 0,
                       f["disk"], 0, 0, f["offset"]) + f["name"] + f["extra"]


def zipfile_bytes(members, gap=b"", prefix=b"", cd_extra=b"", eocd=None,
                  zip64=None, offsets=None):
    """prefix, then each member's local header, data and descriptor (gap
    after the first), the central directory (+ cd_extra), [zip64 end record
    and locator], the end record (fields overridable through eocd)."""
    out = bytearray(prefix)
    offs = []
    for i, m in enumerate(members):
        offs.append(len(out))
        out += local_header(m) + m.body + (m.descriptor or b"")
        if i == 0:
            out += gap
    if offsets:
        offs = offsets
    cd_off = len(out)
    for m, o in zip(members, offs):
        out += central_header(m, o)
    out += cd_extra
    cd_size = len(out) - cd_off
    e = dict(disk=0, cd_disk=0, here=len(members), n=len(members),
             size=cd_size, off=cd_off, comment=b"")
    if zip64 is not None:
        z = dict(n=len(members), size=cd_size, off=cd_off)
        z.update(zip64)
        rec = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0,
                           z["n"], z["n"], z["size"], z["off"])
        out += struct.pack("<IIQI", 0x07064B50, 0, z.get("loc", rec), 1)
    e.update(eocd or {})
    out += struct.pack("<IHHHHIIH", 0x06054B50, e["disk"], e["cd_disk"],
                       e["here"], e["n"], e["size"], e["off"],
                       len(e["comment"])) + e["comment"]
    return bytes(out)


def zip64_extra(*values):
    return struct.pack("<HH", 1, 8 * len(values)) + b"".join(
        struct.pack("<Q", v) for v in values)


def npy(a):
    buf = io.BytesIO()
    npf.write_array(buf, a, allow_pickle=False)
    return buf.getvalue()


A = npy(np.arange(6, dtype="<f4").reshape(2, 3))
B = npy(np.array([1, -2, 3], dtype="<i8"))


def good():
    return [M("a.npy", A), M("b.npy", B)]


def patch(data, at, new):
    return data[:at] + new + data[at + len(new):]


# ---- zip/ ----------------------------------------------------------------

def zip_cases():
    c = []
    base = zipfile_bytes(good())
    eocd = base.rfind(b"PK\x05\x06")
    c.append(("no_end_record.npz", patch(base, eocd, b"XX\x05\x06"),
              "no end of central directory record"))
    c.append(("truncated_half.npz", base[: len(base) // 2],
              "no end of central directory record"))
    c.append(("empty.npz", b"", "not a zip archive"))
    c.append(("not_zip.npz", b"this is plain text, not an archive\n",
              "not a zip archive"))
    c.append(("cd_offset_past_end.npz",
              zipfile_bytes(good(), eocd=dict(off=0x7FFFFFF0)),
              "runs past its end record"))
    c.append(("multi_disk.npz", zipfile_bytes(good(), eocd=dict(disk=1)),
              "multi-disk archives are not read"))
    c.append(("entries_overclaimed.npz",
              zipfile_bytes(good(), eocd=dict(here=60000, n=60000)),
              "60000 entries cannot fit"))
    c.append(("cd_trailing_bytes.npz",
              zipfile_bytes(good(), cd_extra=b"PK\x05\x05" + b"\0" * 12),
              "bytes after the 2 entries"))
    c.append(("method_bzip2.npz",
              zipfile_bytes([M("a.npy", A, method=12)]),
              "compression method 12 (bzip2)"))
    c.append(("method_lzma.npz", zipfile_bytes([M("a.npy", A, method=14)]),
              "compression method 14 (LZMA)"))
    c.append(("method_aes.npz", zipfile_bytes([M("a.npy", A, method=99)]),
              "(AES encryption)"))
    c.append(("encrypted.npz", zipfile_bytes([M("a.npy", A, flags=1)]),
              "encrypted (flags 0x0001)"))
    c.append(("reserved_flags.npz",
              zipfile_bytes([M("a.npy", A, flags=0x0010)]),
              "reserved flag bits set (flags 0x0010)"))
    for fname, name, want in (
            ("name_dotdot.npz", "../a.npy", "'..' path component"),
            ("name_absolute.npz", "/tmp/a.npy", "absolute path"),
            ("name_nul.npz", b"a\0b.npy", "NUL byte in the name"),
            ("name_backslash.npz", "..\\a.npy", "backslash in the name"),
            ("name_bad_utf8.npz", b"a\xff.npy", "not valid UTF-8"),
            ("name_control.npz", b"a\nb.npy",
             "control character 0x0a in the name")):
        c.append((fname, zipfile_bytes([M(name, A)]), want))
    c.append(("duplicate_names.npz",
              zipfile_bytes([M("a.npy", A), M("a.npy", B)]),
              "two members named 'a.npy'"))
    c.append(("local_name_mismatch.npz",
              zipfile_bytes([M("a.npy", A, local=dict(name=b"z.npy"))]),
              "local header names another file"))
    c.append(("local_method_mismatch.npz",
              zipfile_bytes([M("a.npy", A, local=dict(method=8))]),
              "local header says method 8, central directory 0"))
    c.append(("local_size_mismatch.npz",
              zipfile_bytes([M("a.npy", A, local=dict(csize=7))]),
              "local header says compressed size 7"))
    c.append(("stored_size_mismatch.npz",
              zipfile_bytes([M("a.npy", A, usize=len(A) + 1)]),
              "stored, but compressed size"))
    bad = zipfile_bytes(good())
    c.append(("crc_mismatch.npz", patch(bad, 30 + 5 + len(A) - 1, b"\x7f"),
              "CRC-32 0x"))
    c.append(("hidden_bytes.npz", zipfile_bytes(good(), gap=b"\0" * 16),
              "16 bytes at offset %d belong to no member"
              % (30 + 5 + len(A))))
    pre = b"#!/bin/sh\necho polyglot\n"
    ms = good()
    c.append(("prepended.npz",
              zipfile_bytes(ms, prefix=pre,
                            offsets=[len(pre), len(pre) + 35 + len(A)]),
              "%d bytes at offset 0 belong to no member" % len(pre)))
    # quoted overlap: b's local header and data sit inside a's data
    inner = M("b.npy", B)
    inner_bytes = local_header(inner) + inner.body
    outer = M("a.npy", inner_bytes)
    c.append(("overlap_quoted.npz",
              zipfile_bytes([outer, inner], offsets=[0, 30 + 5]),
              "members 'a.npy' and 'b.npy' overlap"))
    # 1 KiB of deflate claiming 10 GiB: more than deflate can expand
    z = M("a.npy", b"\0" * 4096, method=8)
    ten = 10 << 30
    z.usize = 0xFFFFFFFF
    z.cextra = zip64_extra(ten)
    z.lextra = zip64_extra(ten, z.csize)
    z.local = dict(usize=0xFFFFFFFF)
    c.append(("bomb_claims_10gib.npz", zipfile_bytes([z]),
              "declares 10737418240 bytes from"))
    s = M("a.npy", A)
    s.csize = s.usize = 0xFFFFFFFF
    s.cextra = zip64_extra(ten, ten)
    s.lextra = zip64_extra(ten, ten)
    c.append(("stored_claims_10gib.npz", zipfile_bytes([s]),
              "run into the central directory"))
    more = M("a.npy", b"\0" * (1 << 20), method=8)
    more.usize = 1000
    c.append(("bomb_inflates_more.npz", zipfile_bytes([more]),
              "inflates past its declared 1000 bytes"))
    less = M("a.npy", A, method=8)
    less.usize = len(A) + 10
    c.append(("inflates_less.npz", zipfile_bytes([less]),
              "inflates to %d bytes, declared %d" % (len(A), len(A) + 10)))
    garbage = M("a.npy", A, method=8)
    garbage.body = bytes(range(7, 7 + 64))
    garbage.csize = 64
    c.append(("deflate_garbage.npz", zipfile_bytes([garbage]),
              "invalid deflate data"))
    cut = M("a.npy", bytes(range(256)) * 8, method=8)
    cut.body = cut.body[: len(cut.body) // 2]
    cut.csize = len(cut.body)
    c.append(("deflate_truncated.npz", zipfile_bytes([cut]),
              "deflate stream truncated"))
    c.append(("zip64_locator_bad.npz",
              zipfile_bytes(good(), zip64=dict(loc=1 << 40)),
              "zip64 locator points at offset"))
    c.append(("zip64_disagrees.npz", zipfile_bytes(good(), zip64=dict(n=3),
                                                   eocd=dict(here=2, n=2)),
              "end record says entries 2, zip64 end record 3"))
    big = M("a.npy", A)
    big.central = dict(csize=0xFFFFFFFF, usize=0xFFFFFFFF)
    c.append(("zip64_extra_missing.npz", zipfile_bytes([big]),
              "the zip64 extra field does not hold it"))
    x = M("a.npy", A, cextra=struct.pack("<HH", 0x5455, 40) + b"\0" * 4)
    c.append(("extra_overlong.npz", zipfile_bytes([x]),
              "extra field 0x5455: 40 bytes, 4 left"))
    d = M("a.npy", A, flags=8)
    d.local = dict(crc=0, csize=0, usize=0)
    d.descriptor = struct.pack("<IIII", 0x08074B50, d.crc ^ 1, d.csize,
                               d.usize)
    c.append(("descriptor_mismatch.npz", zipfile_bytes([d]),
              "data descriptor says crc"))
    return c


# ---- npz/ ----------------------------------------------------------------

def npz_cases():
    c = []
    one = lambda name, data, **kw: zipfile_bytes([M(name, data, **kw)])
    c.append(("other_member.npz", zipfile_bytes([M("a.npy", A),
                                                 M("notes.txt", b"hi\n")]),
              "neither an .npz (only NAME.npy members; 'notes.txt' is not "
              "one)"))
    c.append(("directory_member.npz", zipfile_bytes([M("a.npy", A),
                                                     M("sub/", b"")]),
              "'sub/' is not one"))
    c.append(("empty_array_name.npz", one(".npy", A), "empty array name"))
    c.append(("member_not_npy.npz", one("a.npy", b"PK not a numpy file"),
              "member 'a.npy': tensor 'a': bad magic"))
    c.append(("member_truncated.npz", one("a.npy", A[:-4]),
              "member 'a.npy': tensor 'a': truncated data"))
    c.append(("member_trailing.npz", one("a.npy", A + b"\0\0\0\0"),
              "member 'a.npy': tensor 'a': trailing data: 4 bytes"))
    obj = A.replace(b"'<f4'", b"'|O' ")
    c.append(("member_object.npz", one("a.npy", obj),
              "object arrays are not read"))
    c.append(("deflated_member_bad.npz", one("b.npy", A[:60], method=8),
              "member 'b.npy': tensor 'b': header_len"))
    shape = A.replace(b"(2, 3)", b"(9999999999999, 9999999)"[:6])
    c.append(("member_bad_shape.npz", one("a.npy", shape),
              "member 'a.npy': tensor 'a': shape"))
    fo = A.replace(b"False", b"0    ")
    c.append(("member_fortran_int.npz", one("a.npy", fo),
              "fortran_order: expected True or False"))
    v2 = b"\x93NUMPY\x02\x00\xff\xff\xff\xff" + A[10:]
    c.append(("member_header_len_huge.npz", one("a.npy", v2),
              "header_len 4294967295"))
    c.append(("member_legacy_torch.npz",
              one("a.npy", b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.",
                  method=8),
              "tensor 'a': bad magic"))
    return c


# ---- torchzip/ -----------------------------------------------------------

def op_int(v):
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if 0 <= v < 65536:
        return b"M" + struct.pack("<H", v)
    if -2 ** 31 <= v < 2 ** 31:
        return b"J" + struct.pack("<i", v)
    n = (v.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


def op_str(s):
    b = s.encode() if isinstance(s, str) else s
    return b"X" + struct.pack("<I", len(b)) + b


def op_global(mod, name):
    return b"c" + mod.encode() + b"\n" + name.encode() + b"\n"


def tup(*items):
    return b"(" + b"".join(items) + b"t"


ODICT = op_global("collections", "OrderedDict") + b")R"


def tensor(stype="FloatStorage", key="0", numel=6, offset=0, size=(2, 3),
           stride=(3, 1), tag="storage"):
    pid = tup(op_str(tag), op_global("torch", stype), op_str(key),
              op_str("cpu"), op_int(numel))
    return (op_global("torch._utils", "_rebuild_tensor_v2") + b"(" + pid +
            b"Q" + op_int(offset) + tup(*map(op_int, size)) +
            tup(*map(op_int, stride)) + b"\x89" + ODICT + b"tR")


def state_dict(*items):
    body = b"".join(op_str(k) + v for k, v in items)
    return b"\x80\x02" + ODICT + b"(" + body + b"u."


F32 = np.arange(6, dtype="<f4").tobytes()


def checkpoint(pkl, storages=None, extra=(), prefix="archive"):
    storages = {"0": F32} if storages is None else storages
    ms = [M(prefix + "/data.pkl", pkl)]
    ms += [M("%s/data/%s" % (prefix, k), v) for k, v in storages.items()]
    ms += [M(n, d) for n, d in extra]
    ms.append(M(prefix + "/version", b"3\n"))
    return zipfile_bytes(ms, zip64={})  # torch writes zip64 end records


def torch_cases():
    c = []
    good = tensor()
    pk = lambda body: b"\x80\x02" + body + b"."
    c.append(("global_os_system.pt",
              checkpoint(pk(op_global("posix", "system") +
                            tup(op_str("touch /tmp/x")) + b"R")),
              "byte 2: global 'posix.system' refused"))
    c.append(("global_builtins_eval.pt",
              checkpoint(state_dict(("w", good), (
                  "x", op_global("builtins", "eval") +
                  tup(op_str("1+1")) + b"R"))),
              "global 'builtins.eval' refused"))
    c.append(("global_torch_load.pt",
              checkpoint(pk(op_global("torch", "load") + tup() + b"R")),
              "global 'torch.load' refused"))
    for fname, op, name in (("opcode_inst.pt", b"i", "INST (0x69)"),
                            ("opcode_obj.pt", b"o", "OBJ (0x6f)"),
                            ("opcode_stack_global.pt", b"\x93",
                             "STACK_GLOBAL (0x93)"),
                            ("opcode_newobj.pt", b"\x81", "NEWOBJ (0x81)"),
                            ("opcode_ext1.pt", b"\x82\x01", "EXT1 (0x82)"),
                            ("opcode_binbytes8.pt", b"\x8e",
                             "BINBYTES8 (0x8e)")):
        c.append((fname, checkpoint(pk(b"N" + op)),
                  "byte 3: opcode %s is outside the safe subset" % name))
    c.append(("unknown_opcode.pt", checkpoint(pk(b"\xff")),
              "unknown opcode 0xff"))
    c.append(("setitem_on_list.pt",
              checkpoint(pk(b"]" + op_int(1) + op_int(2) + b"s")),
              "SETITEM on a list: only a dict takes it"))
    c.append(("append_on_dict.pt", checkpoint(pk(b"}" + op_int(1) + b"a")),
              "APPEND on a dict: only a list takes it"))
    c.append(("build_on_list.pt", checkpoint(pk(b"]}b")),
              "BUILD on a list: only an OrderedDict"))
    c.append(("reduce_storage.pt",
              checkpoint(pk(op_global("torch", "FloatStorage") + b")R")),
              "REDUCE calls torch.FloatStorage"))
    c.append(("stack_underflow.pt", checkpoint(pk(b"}s")),
              "SETITEM needs 3 values on the stack, 1 there"))
    c.append(("below_mark.pt", checkpoint(pk(b"](" + op_int(1) + b"a")),
              "APPEND needs 2 values on the stack above the MARK, 1 there"))
    c.append(("appends_no_mark.pt", checkpoint(pk(b"]e")),
              "APPENDS without a MARK"))
    c.append(("binget_unset.pt", checkpoint(pk(b"h\x05")),
              "BINGET 5: memo slot never set"))
    c.append(("memo_skip.pt", checkpoint(pk(b"]q\x05")),
              "BINPUT 5 skips memo slots"))
    c.append(("deep_marks.pt", checkpoint(pk(b"(" * 100)),
              "more than 64 open MARKs"))
    c.append(("deep_nesting.pt",
              checkpoint(b"\x80\x02" + b"]" * 100 + b"a" * 99 + b"."),
              "containers nested deeper than 64"))
    c.append(("self_cycle.pt", checkpoint(pk(b"]q\x00h\x00a")),
              "a list that contains itself"))
    c.append(("no_stop.pt", checkpoint(b"\x80\x02}"),
              "the pickle ends without STOP"))
    c.append(("after_stop.pt", checkpoint(pk(b"}") + b"N."),
              "2 bytes after STOP"))
    c.append(("protocol_1.pt", checkpoint(b"\x80\x01}."),
              "pickle protocol 1"))
    c.append(("binunicode_huge.pt",
              checkpoint(pk(b"X\xff\xff\xff\xff")),
              "BINUNICODE: truncated (4294967295 operand bytes needed"))
    c.append(("long1_wide.pt", checkpoint(pk(b"\x8a\x09" + b"\1" * 9)),
              "LONG1 integer of 9 bytes: wider than 64 bits"))
    c.append(("root_int.pt", checkpoint(pk(op_int(5))),
              "data.pkl holds a int, not tensors"))
    c.append(("persid_not_storage.pt",
              checkpoint(state_dict(("w", tensor(tag="module")))),
              "persistent id is not ('storage'"))
    c.append(("storage_missing.pt",
              checkpoint(state_dict(("w", tensor(key="9")))),
              "tensor 'w': storage '9' has no member 'archive/data/9'"))
    c.append(("storage_key_path.pt",
              checkpoint(state_dict(("w", tensor(key="../0")))),
              "is not a plain member name"))
    c.append(("storage_size_mismatch.pt",
              checkpoint(state_dict(("w", tensor(numel=10)))),
              "of 10 FloatStorage elements needs 40 bytes, the member "
              "holds 24"))
    c.append(("storage_type_conflict.pt",
              checkpoint(state_dict(("w", tensor()), ("h", tensor(
                  stype="HalfStorage", numel=12, size=(12,), stride=(1,))))),
              "declared as FloatStorage of 6 and HalfStorage of 12"))
    c.append(("view_out_of_bounds.pt",
              checkpoint(state_dict(("w", tensor(offset=2, size=(5,),
                                                 stride=(1,))))),
              "tensor 'w': reaches element 6 of a storage of 6"))
    c.append(("negative_stride.pt",
              checkpoint(state_dict(("w", tensor(stride=(-3, 1))))),
              "dim 0 has size 2, stride -3"))
    c.append(("negative_offset.pt",
              checkpoint(state_dict(("w", tensor(offset=-1)))),
              "storage_offset -1 is negative"))
    c.append(("shape_overflow.pt",
              checkpoint(state_dict(("w", tensor(size=(2 ** 62, 8),
                                                 stride=(0, 0))))),
              "size and stride overflow 64 bits"))
    c.append(("expand_bomb.pt",
              checkpoint(state_dict(("w", tensor(size=(2 ** 30, 2 ** 20),
                                                 stride=(0, 0))))),
              "exceeds max_decompressed_bytes"))
    c.append(("size_stride_ranks.pt",
              checkpoint(state_dict(("w", tensor(stride=(1,))))),
              "size has 2 dims, stride 1"))
    c.append(("byteorder_big.pt",
              checkpoint(state_dict(("w", good)),
                         extra=[("archive/byteorder", b"big")]),
              "byteorder 'big': big-endian checkpoints are not read"))
    c.append(("mixed_prefix.pt",
              checkpoint(state_dict(("w", good)),
                         extra=[("other/data/1", b"\0" * 4)]),
              "is outside the archive directory 'archive/'"))
    c.append(("unknown_member.pt",
              checkpoint(state_dict(("w", good)),
                         extra=[("archive/extra.py", b"print(1)\n")]),
              "'archive/extra.py' is not part of a torch.save checkpoint"))
    c.append(("torchscript.pt",
              checkpoint(state_dict(("w", good)),
                         extra=[("archive/constants.pkl", b"\x80\x02).")]),
              "a TorchScript archive"))
    c.append(("no_data_pkl.pt",
              zipfile_bytes([M("archive/data/0", F32),
                             M("archive/version", b"3\n")]),
              "nor a PyTorch checkpoint (no ARCHIVE/data.pkl)"))
    c.append(("legacy.pt",
              b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.",
              "a PyTorch legacy (non-zip) checkpoint: not supported; "
              "re-save it with torch.save(..., "
              "_use_new_zipfile_serialization=True)"))
    c.append(("dict_key_tuple.pt",
              checkpoint(pk(b"}" + tup(op_int(1)) + good + b"s")),
              "a dict key of type tuple"))
    c.append(("dict_key_newline.pt",
              checkpoint(state_dict(("a\nb", good))),
              "control character 0x0a in a dict key"))
    c.append(("storage_key_newline.pt",
              checkpoint(state_dict(("w", tensor(key="0\n")))),
              "is not a plain member name"))
    c.append(("bad_utf8_string.pt", checkpoint(pk(op_str(b"\xc3\x28"))),
              "BINUNICODE: invalid UTF-8"))
    return c


def write(outdir, sub, cases):
    d = os.path.join(outdir, sub)
    os.makedirs(d, exist_ok=True)
    names = set()
    lines = []
    for fname, data, want in cases:
        assert fname not in names, fname
        assert "\t" not in want and "\n" not in want
        names.add(fname)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
        lines.append("%s\t%s" % (fname, want))
    with open(os.path.join(d, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "tests", "bad")
    write(out, "zip", zip_cases())
    write(out, "npz", npz_cases())
    write(out, "torchzip", torch_cases())


if __name__ == "__main__":
    main()
