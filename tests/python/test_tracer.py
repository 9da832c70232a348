"""Tests of the Python tracer (python/parity_trace).

Every file the tracer writes is re-read twice: with the package's reader and
with parse(), a dozen lines of NumPy written here from the safetensors
layout alone, so a bug shared by writer and reader cannot hide. Values are
compared bit for bit against tensors the test computes itself. Run by
tests/python/run_python.sh (CTest python.run_python).
"""

import copy
import json
import os
import re
import struct
import subprocess
import sys
import unittest
import warnings
from unittest import mock

import numpy as np

import parity_trace as pt
import tempdir_case
from tempdir_case import TempDir
from parity_trace import _safetensors

try:
    import torch
    from torch import nn
except ImportError:  # PyTorch is optional
    torch = None

needs_torch = unittest.skipIf(torch is None, "PyTorch is not installed")

# The layout of safetensors, restated independently of the package.
NP_OF = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
         "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
         "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}


def parse(path):
    """(metadata, {name: (dtype, shape, raw bytes)}, header names in order)
    of a safetensors file, checking the padding rules on the way."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert (8 + n) % 8 == 0, "header not padded to a multiple of 8"
    text = blob[8:8 + n].decode("utf-8")
    assert text == text.rstrip(" ") + " " * (len(text) - len(text.rstrip(" ")))
    header = json.loads(text)
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    out, end = {}, 0
    for name, e in header.items():
        b, e_ = e["data_offsets"]
        out[name] = (e["dtype"], tuple(e["shape"]), data[b:e_])
        end = max(end, e_)
    assert end == len(data), "data block longer than its tensors"
    return meta, out, list(header)


def resolve(meta, got, name):
    """The stored entry of stage name in a parsed file: its own, or, for
    an alias (metadata parity.aliases), the stage it names."""
    aliases = json.loads(meta.get("parity.aliases", "{}"))
    return got[aliases.get(name, name)]


def array_of(entry):
    dtype, shape, raw = entry
    return np.frombuffer(raw, dtype=NP_OF[dtype]).reshape(shape)


def bits(a):
    """Bytes of a NumPy array or torch tensor, C order, little-endian."""
    if torch is not None and isinstance(a, torch.Tensor):
        a = a.detach().cpu().contiguous()
        if a.dtype == torch.bfloat16:
            a = a.view(torch.int16)
        a = a.numpy()
    a = np.asarray(a)
    return np.asarray(a, dtype=a.dtype.newbyteorder("<"), order="C").tobytes()


# ---- the file format -------------------------------------------------------


class TestFormat(TempDir):
    def test_bytes_exactly(self):
        """The whole file, byte for byte, for a small case built by hand."""
        a = np.array([1.5, -2.0], dtype=np.float32)
        pt.write_safetensors(self.p("a.safetensors"), [("a", a)], {"k": "v"})
        text = ('{"__metadata__":{"k":"v"},'
                '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}')
        text += " " * (-len(text) % 8)
        want = struct.pack("<Q", len(text)) + text.encode() + a.tobytes()
        with open(self.p("a.safetensors"), "rb") as f:
            self.assertEqual(f.read(), want)

    def test_numpy_dtypes_bit_exact(self):
        f = np.array([0.0, -0.0, 1.0 / 3, np.inf, -np.inf, np.nan, 5e-324, -1e308])
        with np.errstate(over="ignore"):     # -1e308 becomes -inf, on purpose
            f32, f16 = f.astype(np.float32), f.astype(np.float16)
        cases = {
            "F64": f, "F32": f32, "F16": f16,
            "I8": np.array([-128, 0, 127], np.int8),
            "I16": np.array([-32768, 1, 32767], np.int16),
            "I32": np.array([-2**31, 7, 2**31 - 1], np.int32),
            "I64": np.array([-2**63, 9, 2**63 - 1], np.int64),
            "U8": np.array([0, 255], np.uint8), "U16": np.array([65535], np.uint16),
            "U32": np.array([2**32 - 1], np.uint32),
            "U64": np.array([2**64 - 1], np.uint64),
            "BOOL": np.array([[True, False], [False, True]]),
            "scalar": np.float32(2.5).reshape(()), "empty": np.zeros((0, 3), np.int32),
            "bigendian": np.arange(6, dtype=">f4").reshape(2, 3),
            "fortran": np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
            "strided": np.arange(20, dtype=np.float64)[::3],
        }
        path = self.p("d.safetensors")
        with pt.Tracer(path) as t:
            for name, a in cases.items():
                self.assertIs(t.add(name, a), a)
        _, got, names = parse(path)
        self.assertEqual(names, list(cases))
        tr = pt.read_trace(path)
        for name, a in cases.items():
            dt, shape, raw = got[name]
            self.assertEqual(shape, a.shape, name)
            self.assertEqual(raw, bits(a), name)
            if name in NP_OF:
                self.assertEqual(dt, name)
            self.assertEqual(tr.raw(name).tobytes(), bits(a), name)
        self.assertEqual(got["bigendian"][0], "F32")
        self.assertEqual(got["fortran"][0], "I16")

    def test_reader_refuses_malformed(self):
        def write(name, header, data=b""):
            body = json.dumps(header).encode()
            with open(self.p(name), "wb") as f:
                f.write(struct.pack("<Q", len(body)) + body + data)
            return self.p(name)

        cases = [
            (write("order.st", {"a": {"dtype": "F32", "shape": [1],
                                      "data_offsets": [4, 0]}}, b"\0" * 4),
             "tensor 'a': data_offsets [4,0]: end before start"),
            (write("size.st", {"a": {"dtype": "F32", "shape": [2],
                                     "data_offsets": [0, 4]}}, b"\0" * 4),
             "tensor 'a': data_offsets [0,4]: 4 bytes"),
            (write("gap.st", {"a": {"dtype": "U8", "shape": [1],
                                    "data_offsets": [1, 2]}}, b"\0" * 2),
             "leaves a gap"),
            (write("oob.st", {"a": {"dtype": "U8", "shape": [8],
                                    "data_offsets": [0, 8]}}, b"\0" * 4),
             "beyond the data (4 bytes)"),
            (write("dtype.st", {"a": {"dtype": "Q7", "shape": [0],
                                      "data_offsets": [0, 0]}}),
             "dtype 'Q7'"),
            (write("meta.st", {"__metadata__": {"k": 1}}), "expected a string"),
        ]
        with open(self.p("short.st"), "wb") as f:
            f.write(b"\1\0")
        cases.append((self.p("short.st"), "shorter than the 8-byte"))
        with open(self.p("long.st"), "wb") as f:
            f.write(struct.pack("<Q", 64) + b"{}")
        cases.append((self.p("long.st"), "header length 64: beyond the end"))
        for path, msg in cases:
            with self.assertRaises(ValueError, msg=path) as cm:
                pt.read_trace(path)
            self.assertIn(msg, str(cm.exception))
            self.assertIn(path, str(cm.exception))

    def test_builtin_writer_when_package_absent(self):
        """The package is used when present; this checks the choice and, if
        it is installed, that both writers produce the same tensors."""
        serialize = _safetensors._package_serialize()
        a = np.arange(12, dtype=np.float32).reshape(3, 4)
        items = [("a", "F32", a), ("b", "U8", np.arange(3, dtype=np.uint8))]
        own = b"".join(bytes(c) for c in _safetensors.encode(items, {"m": "1"},
                                                             use_package=False))
        if serialize is None:
            auto = b"".join(bytes(c) for c in _safetensors.encode(items, {"m": "1"}))
            self.assertEqual(auto, own)
            return
        for blob, name in ((own, "own"), (b"".join(bytes(c) for c in
                           _safetensors.encode(items, {"m": "1"})), "pkg")):
            with open(self.p(name), "wb") as f:
                f.write(blob)
            meta, got, _ = parse(self.p(name))
            self.assertEqual(meta, {"m": "1"})
            self.assertEqual(got["a"][2], a.tobytes())


# ---- the tracer, NumPy only ------------------------------------------------


class TestTracer(TempDir):
    def test_repeats_get_suffixes_and_order_metadata(self):
        path = self.p("t.safetensors")
        with pt.Tracer(path) as t:
            for i in range(3):
                t.add("step", np.full(2, i, np.int32))
            t.add("x#1", np.zeros(1))      # taken explicitly: x's repeat skips it
            t.add("x", np.zeros(1))
            t.add("x", np.zeros(1), input=True)
            t.add("noise", np.ones(1))
            t.mark_input("noise")
            t.meta("model", "demo")
        want = ["step", "step#1", "step#2", "x#1", "x", "x#2", "noise"]
        self.assertEqual(t.order, want)
        meta, got, _ = parse(path)
        self.assertEqual(json.loads(meta["parity.order"]), want)
        self.assertEqual(json.loads(meta["parity.inputs"]), ["x#2", "noise"])
        self.assertEqual(meta["parity.format"], "parity-trace/1")
        self.assertEqual(meta["model"], "demo")
        self.assertEqual(array_of(got["step#2"]).tolist(), [2, 2])
        tr = pt.read_trace(path)
        self.assertEqual((tr.order, tr.inputs), (want, ["x#2", "noise"]))

    def test_disabled_returns_input(self):
        a = np.ones(3)
        t = pt.Tracer()                       # PARITY_TRACE is unset
        self.assertFalse(t.enabled)
        self.assertIs(t.add("a", a), a)
        t.meta("k", "v")
        t.close()
        off = pt.Tracer(self.p("x.safetensors"), enabled=False)
        self.assertIs(off.add("a", a), a)
        off.close()
        self.assertEqual(os.listdir(self.dir), [])
        with self.assertRaises(ValueError):
            pt.Tracer(enabled=True)

    def test_environment_enables(self):
        path = self.p("env.safetensors")
        with mock.patch.dict(os.environ, {"PARITY_TRACE": path}):
            with pt.Tracer() as t:
                t.add("a", np.arange(3.0))
        self.assertEqual(array_of(parse(path)[1]["a"]).tolist(), [0.0, 1.0, 2.0])

    def test_copy_is_taken_at_add(self):
        a = np.zeros(4)
        with pt.Tracer(self.p("c.safetensors")) as t:
            t.add("a", a)
            a += 1                                # the caller reuses its buffer
        self.assertEqual(array_of(parse(self.p("c.safetensors"))[1]["a"]).tolist(),
                         [0.0] * 4)

    def test_metadata_rules(self):
        with pt.Tracer(self.p("m.safetensors")) as t:
            with self.assertRaises(ValueError):
                t.meta("parity.order", "[]")
            with self.assertRaises(TypeError):
                t.meta("k", 3)
            with self.assertRaises(KeyError):
                t.mark_input("never-added")

    def test_directory_mode(self):
        d = self.p("trace")
        t = pt.Tracer(d)
        # An empty but valid trace from the start.
        self.assertEqual(pt.read_trace(d).order, [])
        stages = [("mel", np.arange(6, dtype=np.float32).reshape(2, 3), True),
                  ("enc", np.ones((2, 2), np.float16), False),
                  ("enc", np.full(3, 7, np.int64), False)]
        for i, (name, a, inp) in enumerate(stages):
            t.add(name, a, input=inp)
            # Readable after every stage, before close(): nothing is lost
            # (index.json may lag; the stage files are read after it).
            self.assertEqual(pt.read_trace(d).order, ["mel", "enc", "enc#1"][:i + 1])
        t.meta("side", "python")
        t.close()
        self.assertEqual(sorted(os.listdir(d)), ["000001.safetensors",
                                                 "000002.safetensors",
                                                 "000003.safetensors",
                                                 "index.json"])
        with open(os.path.join(d, "index.json")) as f:
            text = f.read()
        want = {"format": "parity-trace", "version": 1,
                "order": ["mel", "enc", "enc#1"], "inputs": ["mel"],
                "files": {"mel": "000001.safetensors", "enc": "000002.safetensors",
                          "enc#1": "000003.safetensors"},
                "metadata": {"side": "python"}}
        self.assertEqual(json.loads(text), want)
        self.assertEqual(list(json.loads(text)), list(want))  # key order
        for (name, a, _), fname in zip(stages, ["000001", "000002", "000003"]):
            full = {"000003": "enc#1"}.get(fname, name)
            meta, got, names = parse(os.path.join(d, fname + ".safetensors"))
            self.assertEqual((names, meta), ([full], {}))
            self.assertEqual(got[full][2], bits(a))
        tr = pt.read_trace(d)
        self.assertEqual((tr.order, tr.inputs, tr.order_source),
                         (["mel", "enc", "enc#1"], ["mel"], "index"))
        # A second run into the same directory replaces the old trace,
        # including the temporary files a crash would leave behind.
        open(os.path.join(d, "000009.safetensors.tmp"), "w").close()
        open(os.path.join(d, "1234567.safetensors"), "w").close()
        open(os.path.join(d, "notes.txt"), "w").close()
        with pt.Tracer(d) as t2:
            t2.add("only", np.zeros(1))
        self.assertEqual(sorted(os.listdir(d)),
                         ["000001.safetensors", "index.json", "notes.txt"])

    def test_directory_refuses_foreign_index(self):
        d = self.p("other")
        os.mkdir(d)
        with open(os.path.join(d, "index.json"), "w") as f:
            f.write('{"something": "else"}')
        with self.assertRaises(ValueError):
            pt.Tracer(d)
        self.assertTrue(os.path.exists(os.path.join(d, "index.json")))

    def test_directory_refuses_a_folder_that_is_no_trace(self):
        # Files but no parity index: nothing is deleted or overwritten, as
        # in the C tracer; an empty directory is fine.
        d = self.p("mine")
        os.mkdir(d)
        for name, text in (("000001.safetensors", "not a stage"), ("notes.txt", "keep")):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        with self.assertRaises(ValueError) as cm:
            pt.Tracer(d)
        self.assertIn(d, str(cm.exception))
        self.assertIn("not a parity trace", str(cm.exception))
        self.assertEqual(sorted(os.listdir(d)), ["000001.safetensors", "notes.txt"])
        with open(os.path.join(d, "000001.safetensors")) as f:
            self.assertEqual(f.read(), "not a stage")
        os.mkdir(self.p("empty"))
        with pt.Tracer(self.p("empty")) as t:
            t.add("a", np.zeros(1))

    def test_index_is_linear_and_stages_are_recovered(self):
        d = self.p("many")
        rewrites = []
        real = pt.Tracer._write_index

        def counting(tracer):
            rewrites.append(len(tracer.order))
            real(tracer)

        with mock.patch.object(pt.Tracer, "_write_index", counting), \
                mock.patch.object(pt.time, "monotonic", lambda: 0.0):
            t = pt.Tracer(d)
            t.add("x", np.zeros(2), input=True)     # inputs: indexed at once
            for k in range(1, 301):
                t.add("s%d" % k, np.full(2, k))
            # a crash now: the index lists fewer stages than the files hold
            names = ["x"] + ["s%d" % k for k in range(1, 301)]
            with open(os.path.join(d, "index.json")) as f:
                indexed = json.load(f)["order"]
            self.assertLess(len(indexed), len(names))
            self.assertEqual(indexed, names[:len(indexed)])
            tr = pt.read_trace(d)
            self.assertEqual((tr.order, tr.inputs), (names, ["x"]))
            self.assertEqual(tr["s300"].tolist(), [300, 300])
            t.close()
        # geometric rewrites: 0 (open), 1 (the input), then after 64 stages
        # or half the indexed count, whichever is more, and at close
        self.assertEqual(rewrites, [0, 1, 65, 129, 193, 289, 301])

    def test_writes_are_atomic(self):
        """Each file is written to a new hidden .NAME.XXXXXX.tmp beside it,
        fsynced, then renamed; at the rename the temporary file is already
        complete."""
        log = []
        real_fsync, real_replace = os.fsync, os.replace

        def fsync(fd):
            log.append(("fsync", os.readlink("/proc/self/fd/%d" % fd)))
            return real_fsync(fd)

        def replace(src, dst):
            if dst.endswith(".safetensors"):
                parse(src)          # complete and valid before it is visible
            else:
                with open(src) as f:
                    json.load(f)
            log.append(("replace", src, dst))
            return real_replace(src, dst)

        if not os.path.exists("/proc/self/fd"):
            self.skipTest("needs /proc to name file descriptors")
        d = self.p("atomic")
        with mock.patch.object(_safetensors.os, "fsync", fsync), \
                mock.patch.object(_safetensors.os, "replace", replace):
            with pt.Tracer(d) as t:
                t.add("a", np.zeros(2), input=True)  # an input: indexed at once
                t.add("b", np.ones(2))
            with pt.Tracer(self.p("one.safetensors")) as t:
                t.add("a", np.zeros(2))
        renames = [e for e in log if e[0] == "replace"]
        self.assertEqual([os.path.basename(e[2]) for e in renames],
                         ["index.json", "000001.safetensors", "index.json",
                          "000002.safetensors", "index.json",
                          "one.safetensors"])
        for e in renames:
            self.assertEqual(os.path.dirname(e[1]), os.path.dirname(e[2]))
            self.assertRegex(os.path.basename(e[1]),
                             r"^\.%s\.[0-9a-f]{6}\.tmp$" % re.escape(os.path.basename(e[2])))
            i = log.index(e)
            synced = [x[1] for x in log[:i] if x[0] == "fsync"]
            self.assertEqual(os.path.realpath(synced[-1]),
                             os.path.realpath(e[1]))
        self.assertFalse([f for f in os.listdir(d) if f.endswith(".tmp")])


# ---- inject mode, NumPy ----------------------------------------------------


class TestInjectNumpy(TempDir):
    def reference(self, **arrays):
        path = self.p("ref.safetensors")
        with pt.Tracer(path) as t:
            for k, v in arrays.items():
                t.add(k, v)
        return path

    def test_replaces_in_place_and_returns(self):
        rng = np.random.default_rng(1)
        ref = rng.standard_normal((2, 3)).astype(np.float32)
        path = self.reference(a=ref, b=ref * 2)
        port = np.zeros((2, 3), np.float32)
        with pt.Tracer(self.p("port.safetensors"), inject=path) as t:
            out = t.add("a", port)
            self.assertIs(out, port)
            ro = np.zeros((2, 3), np.float32)
            ro.flags.writeable = False
            out_ro = t.add("b", ro)
        self.assertEqual(port.tobytes(), ref.tobytes())
        self.assertEqual(out_ro.tobytes(), (ref * 2).tobytes())
        self.assertFalse(ro.any())
        self.assertEqual(t.injected, 2)
        # The trace holds the port's own values, not the injected ones.
        self.assertFalse(array_of(parse(self.p("port.safetensors"))[1]["a"]).any())

    def test_layouts(self):
        rng = np.random.default_rng(2)
        ncl = rng.standard_normal((1, 3, 5))
        sq = rng.standard_normal((1, 4, 1, 6))
        flat = rng.standard_normal((2, 12))
        path = self.reference(ncl=ncl, sq=sq, flat=flat, cnt=np.zeros(5))
        with pt.Tracer(self.p("p.safetensors"), inject=path) as t:
            # The port is NLC and close to the reference transposed.
            nlc = ncl.transpose(0, 2, 1) + 1e-3
            out = t.add("ncl", nlc.copy())
            np.testing.assert_array_equal(out, ncl.transpose(0, 2, 1))
            np.testing.assert_array_equal(t.add("sq", np.zeros((4, 6))),
                                          sq.reshape(4, 6))
            np.testing.assert_array_equal(t.add("flat", np.zeros((2, 3, 4))),
                                          flat.reshape(2, 3, 4))
            with self.assertRaises(ValueError) as cm:
                t.add("cnt", np.zeros((2, 3)))
            self.assertIn("'cnt'", str(cm.exception))
            self.assertIn("[5]", str(cm.exception))
            self.assertIn("[2, 3]", str(cm.exception))
            with self.assertRaises(KeyError) as cm:
                t.add("missing", np.zeros(1))
            self.assertIn("missing", str(cm.exception))
        self.assertEqual([x[1] for x in t.inject_log],
                         ["permute(1,0)", "squeeze", "reshape [2, 12] -> [2, 3, 4]"])

    def test_dtype_follows_port(self):
        path = self.reference(a=np.array([1.7, -2.2, 3.0]))
        with pt.Tracer(self.p("p.safetensors"), inject=path) as t:
            out = t.add("a", np.zeros(3, np.float32))
        self.assertEqual(out.dtype, np.float32)
        self.assertEqual(out.tobytes(), np.array([1.7, -2.2, 3.0], np.float32).tobytes())

    def table(self, name):
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "tracer", name)) as f:
            return json.load(f)

    def test_integer_conversion_table(self):
        """tests/tracer/inject_table.json, the table the C tracer is tested
        against: round half to even, saturate, NaN -> 0, bool = x != 0."""
        doc = self.table("inject_table.json")
        values = np.array([float(v) for v in doc["values"]])
        path = self.p("table.safetensors")
        with pt.Tracer(path) as t:
            for k in doc["expected"]:
                t.add(k, values)
                t.add(k, values)        # "k#1", for the read-only port
        np_of = {"I8": np.int8, "U8": np.uint8, "I16": np.int16, "U16": np.uint16,
                 "I32": np.int32, "U32": np.uint32, "I64": np.int64, "U64": np.uint64,
                 "BOOL": np.bool_}
        with pt.Tracer(self.p("p.safetensors"), inject=path) as t:
            for k, want in doc["expected"].items():
                port = np.zeros(len(values), np_of[k])
                out = t.add(k, port)
                self.assertEqual([str(int(v)) for v in port], want, k)
                ro = np.zeros(len(values), np_of[k])
                ro.flags.writeable = False
                got = t.add(k, ro)
                self.assertEqual((got.dtype, [str(int(v)) for v in got]), (port.dtype, want), k)
                self.assertIs(out, port)
        # the example of the report: NumPy's cast would give [1, -1, 44]
        path = self.reference(a=np.array([1.7, -1.7, 300.0]))
        with pt.Tracer(self.p("q.safetensors"), inject=path) as t:
            self.assertEqual(t.add("a", np.zeros(3, np.int8)).tolist(), [2, -2, 127])

    def test_names_matched_as_parity_diff_does(self):
        """tests/tracer/names_table.json, shared with the C tracer: exact
        name first, then the normalized one (finalProj = final_proj)."""
        doc = self.table("names_table.json")
        path = self.p("names.safetensors")
        with pt.Tracer(path) as t:
            for k, name in enumerate(doc["reference"]):
                t.add(name, np.array([k + 1.0]))
        with pt.Tracer(self.p("p.safetensors"), inject=path) as t:
            for name, want in doc["cases"]:
                if want is None:
                    with self.assertRaises(KeyError, msg=name):
                        t.add(name, np.zeros(1))
                    continue
                expect = doc["reference"].index(want) + 1.0
                self.assertEqual(t.add(name, np.zeros(1)).tolist(), [expect], name)

    def test_inject_from_environment_and_off_switch(self):
        path = self.reference(a=np.ones(2))
        with mock.patch.dict(os.environ, {"PARITY_INJECT": path}):
            with pt.Tracer(self.p("p.safetensors")) as t:
                self.assertEqual(t.add("a", np.zeros(2)).tolist(), [1.0, 1.0])
            with pt.Tracer(self.p("q.safetensors"), inject=False) as t:
                self.assertEqual(t.add("a", np.zeros(2)).tolist(), [0.0, 0.0])

    def test_inject_from_directory_and_npy_folder(self):
        d = self.p("refdir")
        with pt.Tracer(d) as t:
            t.add("a", np.arange(3.0))
            t.add("a", np.arange(3.0) * 10)
        folder = self.p("npy")
        os.mkdir(folder)
        np.save(os.path.join(folder, "step2_mu.npy"), np.arange(4, dtype=np.int16))
        with pt.Tracer(self.p("p.safetensors"), inject=d) as t:
            t.add("a", np.zeros(3))
            self.assertEqual(t.add("a", np.zeros(3)).tolist(), [0.0, 10.0, 20.0])
        with pt.Tracer(self.p("q.safetensors"), inject=folder) as t:
            self.assertEqual(t.add("step2_mu", np.zeros(4, np.int16)).tolist(),
                             [0, 1, 2, 3])


# ---- PyTorch ---------------------------------------------------------------

if torch is not None:
    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv1d(c, c, 3, padding=1)
            self.norm = nn.GroupNorm(4, c)
            self.act = nn.GELU()

        def forward(self, x):
            return self.act(self.norm(self.conv(x)))

    class Net(nn.Module):
        """Conv1d, GroupNorm, LayerNorm, attention, a block run 3 times,
        a dict-of-tuple output."""

        def __init__(self):
            super().__init__()
            self.conv_in = nn.Conv1d(4, 16, 3, padding=1)
            self.block = Block(16)
            self.ln = nn.LayerNorm(16)
            self.attn = nn.MultiheadAttention(16, 4, batch_first=True)
            self.head = nn.Linear(16, 8)

        def forward(self, x):
            h = self.conv_in(x)
            for _ in range(3):
                h = h + self.block(h)
            s = self.ln(h.transpose(1, 2))
            a, w = self.attn(s, s, s)
            return {"y": self.head(a), "attn": (a, w), "steps": 3}


    class Split(nn.Module):
        """Returns a list, not a tuple."""

        def forward(self, x):
            return [x * 2, x + 1]

    class ListNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)
            self.split = Split()

        def forward(self, x):
            a, b = self.split(self.lin(x))
            return [a - b, b.sum(dim=-1)]


class Unfused(torch.overrides.TorchFunctionMode if torch is not None else object):
    """Runs PyTorch's step-by-step path, as a hooked call does: an active
    torch function mode turns the fused fast path of nn.MultiheadAttention
    and nn.TransformerEncoderLayer off (docs/python.md)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))


def manual_forward(net, x):
    """The stages hook() must record, computed by calling the submodules
    here, in the order (post-order) and with the names documented."""
    with Unfused():
        return _manual_forward(net, x)


def _manual_forward(net, x):
    out = []
    h = net.conv_in(x)
    out.append(("conv_in", h))
    for k in range(3):
        sfx = "#%d" % k if k else ""
        c = net.block.conv(h)
        n = net.block.norm(c)
        g = net.block.act(n)
        out += [("block.conv" + sfx, c), ("block.norm" + sfx, n),
                ("block.act" + sfx, g), ("block" + sfx, g)]
        h = h + g
    s = net.ln(h.transpose(1, 2))
    a, w = net.attn(s, s, s)
    y = net.head(a)
    out += [("ln", s), ("attn.0", a), ("attn.1", w), ("head", y),
            ("@root.y", y), ("@root.attn.0", a), ("@root.attn.1", w)]
    return out


@needs_torch
class TestTorch(TempDir):
    def setUp(self):
        super().setUp()
        # Net's nn.MultiheadAttention runs its step-by-step path while
        # hooked (docs/python.md); test_dataflow.py checks the warning.
        quiet = warnings.catch_warnings()
        quiet.__enter__()
        self.addCleanup(quiet.__exit__, None, None, None)
        warnings.simplefilter("ignore", pt.FastPathWarning)
        torch.manual_seed(0)
        self.net = Net().eval()
        self.x = torch.randn(2, 4, 10)

    def trace(self, path, net=None, **kw):
        net = net or self.net
        with torch.no_grad(), pt.Tracer(path, inject=kw.pop("inject", None)) as t:
            h = t.hook(net, **kw)
            out = net(self.x)
            h.remove()
        return t, out

    def test_hook_records_every_stage_in_execution_order(self):
        with torch.no_grad():
            want = manual_forward(self.net, self.x)
        path = self.p("ref.safetensors")
        t, _ = self.trace(path)
        names = [n for n, _ in want]
        self.assertEqual(t.order, names)
        self.assertNotIn("attn.out_proj", t.order)   # never called on its own
        meta, got, _ = parse(path)
        self.assertEqual(json.loads(meta["parity.order"]), names)
        tr = pt.read_trace(path)
        for name, tensor in want:
            self.assertEqual(resolve(meta, got, name)[2], bits(tensor), name)
            self.assertEqual(tr.raw(name).tobytes(), bits(tensor), name)
            self.assertEqual(resolve(meta, got, name)[1], tuple(tensor.shape),
                             name)
        # A block returns its last child's output, the model its head's:
        # stored once, listed as aliases (order intact, above).
        self.assertEqual(json.loads(meta["parity.aliases"]),
                         {"block": "block.act", "block#1": "block.act#1",
                          "block#2": "block.act#2", "@root.y": "head",
                          "@root.attn.0": "attn.0", "@root.attn.1": "attn.1"})
        self.assertEqual(len(got), len(names) - 6)

    def test_include_exclude_and_remove(self):
        t, _ = self.trace(self.p("a.safetensors"), include="block*",
                          exclude=["block.act"])
        self.assertEqual(t.order[:3], ["block.conv", "block.norm", "block"])
        self.assertEqual(len(t.order), 9)
        with torch.no_grad(), pt.Tracer(self.p("b.safetensors")) as t2:
            h = t2.hook(self.net)
            h.remove()
            self.net(self.x)
        self.assertEqual(t2.order, [])
        self.assertFalse(any("forward" in m.__dict__ for m in self.net.modules()))

    def test_inputs_recorded_and_marked(self):
        t, _ = self.trace(self.p("i.safetensors"), include="head", inputs=True)
        self.assertEqual(t.order, ["input.0", "head"])
        self.assertEqual(t.inputs, ["input.0"])
        self.assertEqual(parse(self.p("i.safetensors"))[1]["input.0"][2],
                         bits(self.x))

    def test_inject_isolates_each_stage(self):
        ref_path = self.p("ref.safetensors")
        _, ref_out = self.trace(ref_path)
        port = copy.deepcopy(self.net)
        with torch.no_grad():
            port.block.norm.weight.mul_(1.01)      # the port's one bug
        _, plain = self.trace(self.p("plain.safetensors"), net=port)
        self.assertNotEqual(bits(plain["y"]), bits(ref_out["y"]))
        # Everything injected: only the buggy stage differs from the reference.
        t, _ = self.trace(self.p("port.safetensors"), net=port, inject=ref_path)
        rmeta, ref, _ = parse(ref_path)
        meta, got, _ = parse(self.p("port.safetensors"))
        differ = [n for n in t.order
                  if resolve(meta, got, n)[2] != resolve(rmeta, ref, n)[2]]
        self.assertEqual(differ, ["block.norm", "block.norm#1", "block.norm#2"])
        self.assertEqual(t.injected, len(t.order))
        # Only the buggy stage injected: everything downstream sees the
        # reference values, so the model's output is the reference's.
        t, out = self.trace(self.p("one.safetensors"), net=port, inject=ref_path,
                            include="block.norm")
        self.assertEqual(t.order, ["block.norm", "block.norm#1", "block.norm#2"])
        self.assertEqual(bits(out["y"]), bits(ref_out["y"]))
        self.assertEqual(bits(out["attn"][1]), bits(ref_out["attn"][1]))
        self.assertEqual(out["steps"], 3)

    def test_torch_dtypes_and_inject_type(self):
        g = torch.Generator().manual_seed(3)
        f = torch.randn(3, 5, generator=g)
        cases = {"f64": f.double(), "f32": f, "f16": f.half(), "bf16": f.bfloat16(),
                 "i8": (f * 50).to(torch.int8), "i16": (f * 900).to(torch.int16),
                 "i32": (f * 1e6).to(torch.int32), "i64": (f * 1e9).long(),
                 "u8": (f * 50).abs().to(torch.uint8), "bool": f > 0,
                 "grad": f.clone().requires_grad_(True), "t": f.t()}
        path = self.p("dt.safetensors")
        with pt.Tracer(path) as t:
            for k, v in cases.items():
                self.assertIs(t.add(k, v), v)
        _, got, _ = parse(path)
        self.assertEqual(got["bf16"][0], "BF16")
        self.assertEqual(got["bool"][0], "BOOL")
        tr = pt.read_trace(path)
        for k, v in cases.items():
            self.assertEqual(got[k][2], bits(v), k)
        # Decoded BF16 equals torch's own widening, bit for bit.
        self.assertEqual(tr["bf16"].tobytes(), cases["bf16"].float().numpy().tobytes())
        with pt.Tracer(self.p("p.safetensors"), inject=path) as t:
            for k, v in cases.items():
                out = t.add(k, torch.zeros_like(v.detach()))
                self.assertIsInstance(out, torch.Tensor)
                self.assertEqual((out.dtype, out.device), (v.dtype, v.device), k)
                self.assertEqual(bits(out), bits(v), k)
        # torch has no uint32: an unsigned reference lands in an int64 port.
        u32 = np.array([0, 7, 2**32 - 1], np.uint32)
        pt.write_safetensors(self.p("u.safetensors"), {"u": u32})
        with pt.Tracer(self.p("q.safetensors"), inject=self.p("u.safetensors")) as t:
            self.assertEqual(t.add("u", torch.zeros(3, dtype=torch.int64)).tolist(),
                             [0, 7, 2**32 - 1])

    def test_hooked_module_returning_a_list(self):
        torch.manual_seed(1)
        net = ListNet().eval()
        with torch.no_grad():
            h = net.lin(self.x.transpose(1, 2))
            a, b = h * 2, h + 1
            want = [("lin", h), ("split.0", a), ("split.1", b),
                    ("@root.0", a - b), ("@root.1", b.sum(dim=-1))]
        ref = self.p("list.safetensors")
        with torch.no_grad(), pt.Tracer(ref) as t:
            hooks = t.hook(net)
            out = net(self.x.transpose(1, 2))
            hooks.remove()
        self.assertIsInstance(out, list)
        self.assertEqual(t.order, [n for n, _ in want])
        _, got, _ = parse(ref)
        for name, tensor in want:
            self.assertEqual(got[name][2], bits(tensor), name)
        # inject: the hooks hand back lists rebuilt from the reference
        port = copy.deepcopy(net)
        with torch.no_grad():
            port.lin.bias.add_(1.0)
        with torch.no_grad(), pt.Tracer(self.p("lp.safetensors"), inject=ref) as t:
            hooks = t.hook(port)
            pout = port(self.x.transpose(1, 2))
            hooks.remove()
        self.assertIsInstance(pout, list)
        self.assertEqual([bits(v) for v in pout], [bits(v) for v in out])
        self.assertEqual(t.injected, 5)
        _, pgot, _ = parse(self.p("lp.safetensors"))
        self.assertNotEqual(pgot["lin"][2], got["lin"][2])   # its own error
        self.assertEqual(pgot["split.0"][2], got["split.0"][2])  # reference input

    def test_torch_integer_inject_rounds_and_saturates(self):
        path = self.p("r.safetensors")
        v = np.array([1.7, -1.7, 300.0, 2.5, np.nan])
        pt.write_safetensors(path, {"a": v, "b": v, "c": v})
        with pt.Tracer(self.p("p.safetensors"), inject=path) as t:
            self.assertEqual(t.add("a", torch.zeros(5, dtype=torch.int8)).tolist(),
                             [2, -2, 127, 2, 0])
            self.assertEqual(t.add("b", torch.zeros(5, dtype=torch.uint8)).tolist(),
                             [2, 0, 255, 2, 0])
            self.assertEqual(t.add("c", torch.zeros(5, dtype=torch.bool)).tolist(),
                             [True] * 5)

    def test_disabled_hook_registers_nothing(self):
        t = pt.Tracer()
        h = t.hook(self.net)
        self.assertFalse(any("forward" in m.__dict__ for m in self.net.modules()))
        h.remove()

    def test_torch_is_imported_lazily(self):
        code = ("import sys, numpy as np, parity_trace as pt\n"
                "t = pt.Tracer(sys.argv[1]); t.add('a', np.ones(2)); t.close()\n"
                "assert 'torch' not in sys.modules, 'torch imported'\n")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        r = subprocess.run([sys.executable, "-c", code, self.p("l.safetensors")],
                           env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)


# ---- the C command line ----------------------------------------------------


class TestCli(TempDir):
    """parity info reads what the Python tracer wrote (when the CLI exists)."""

    def run_info(self, path):
        exe = os.environ.get("PARITY", "")
        if not exe or not os.access(exe, os.X_OK):
            self.skipTest("PARITY (the CLI binary) is not set")
        r = subprocess.run([exe, "info", path], capture_output=True, text=True)
        if r.returncode != 0 and not r.stdout and not r.stderr:
            self.skipTest("the CLI prints nothing: 'info' is not implemented yet")
        return r

    def test_info_reads_file_and_directory(self):
        for path in (self.p("t.safetensors"), self.p("tdir")):
            with pt.Tracer(path) as t:
                t.add("mel", np.arange(12, dtype=np.float32).reshape(3, 4), input=True)
                t.add("layer", np.ones(5, np.float16))
                t.add("layer", np.array([True, False]))
                t.add("ids", np.arange(3, dtype=np.int64))
            r = self.run_info(path)
            self.assertEqual(r.returncode, 0, r.stderr)
            # Every stage listed, in execution order (not name order).
            pos = []
            for name in ("mel", "layer", "layer#1", "ids"):
                m = re.search(r"(?<![\w#])%s(?![\w#])" % re.escape(name), r.stdout)
                self.assertIsNotNone(m, "%s: %s missing" % (path, name))
                pos.append(m.start())
            self.assertEqual(pos, sorted(pos), r.stdout)


if __name__ == "__main__":
    unittest.main()
