"""The Python tracer's writes and locks (docs/reliability.md): a trace is
never blended with another writer's, never written through a link, never
consumes a user's file, and a single-file trace that was not closed is
recovered stage by stage from its journal. The journal layout is checked
against tests/lib/safetensors_np.py, a reader independent of the tracer.
"""
import os
import stat
import struct
import subprocess
import sys

import numpy as np

import parity_trace as pt
from parity_trace import _safetensors
from tempdir_case import TempDir

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_np as stnp  # noqa: E402


class TestLocks(TempDir):
    def test_second_tracer_fails_at_open(self):
        for path in (self.p("t.safetensors"), self.p("tdir")):
            with pt.Tracer(path) as t:
                t.add("a", np.zeros(2))
                with self.assertRaises(pt.TraceLockedError) as cm:
                    pt.Tracer(path)
                self.assertIn(path, str(cm.exception))
                self.assertIn("another process is writing a trace there",
                              str(cm.exception))
                t.add("b", np.ones(2))
            tr = pt.read_trace(path)            # only the first writer's
            self.assertEqual(tr.order, ["a", "b"])
            with pt.Tracer(path) as t:          # free again after close
                t.add("c", np.ones(1))
            self.assertEqual(pt.read_trace(path).order, ["c"])

    def test_c_and_python_exclude_each_other(self):
        """A C tracer holding the file makes the Python one fail, and the
        other way round (both take flock)."""
        build = os.environ.get("PARITY_BUILD")
        prog = build and os.path.join(build, "trace_many")
        if not prog or not os.access(prog, os.X_OK):
            self.skipTest("PARITY_BUILD/trace_many not built")
        path = self.p("shared.safetensors")
        env = dict(os.environ, PARITY_TRACE=path)
        c = subprocess.Popen([prog, "100000000"], env=env, stdout=subprocess.PIPE)
        try:
            c.stdout.readline()                 # the C tracer holds the lock now
            with self.assertRaises(pt.TraceLockedError):
                pt.Tracer(path)
        finally:
            c.kill()
            c.wait()
            c.stdout.close()
        with pt.Tracer(path) as t:
            t.add("x", np.zeros(1))
            r = subprocess.run([prog, "3"], env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("another process is writing a trace there", r.stderr)


class TestWrites(TempDir):
    def test_refuses_what_is_no_trace_and_links(self):
        notes = self.p("notes.safetensors")
        with open(notes, "w") as f:
            f.write("keep me\n")
        with self.assertRaises(ValueError) as cm:
            pt.Tracer(notes)
        self.assertIn("exists and is not a parity trace", str(cm.exception))
        os.symlink("notes.safetensors", self.p("link.safetensors"))
        with self.assertRaises(ValueError) as cm:
            pt.Tracer(self.p("link.safetensors"))
        self.assertIn("a symbolic link", str(cm.exception))
        with self.assertRaises(ValueError):
            pt.write_safetensors(self.p("link.safetensors"), {"a": np.zeros(1)})
        with open(notes) as f:
            self.assertEqual(f.read(), "keep me\n")

    def test_temp_names_and_modes(self):
        """No link planted at the old predictable NAME.tmp is followed, no
        user's NAME.tmp consumed; a new file gets the umask's mode (not
        0600), a replaced file keeps its own."""
        out = self.p("t.safetensors")
        with open(self.p("victim"), "w") as f:
            f.write("victim")
        os.symlink("victim", out + ".tmp")
        old = os.umask(0o027)
        try:
            with pt.Tracer(out) as t:
                t.add("a", np.zeros(2))
        finally:
            os.umask(old)
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o640)
        with open(self.p("victim")) as f:
            self.assertEqual(f.read(), "victim")
        self.assertTrue(os.path.islink(out + ".tmp"))
        os.chmod(out, 0o604)
        pt.write_safetensors(out, {"b": np.ones(1)})
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o604)
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["t.safetensors", "t.safetensors.tmp", "victim"])

    def test_inject_reference_is_not_destroyed(self):
        ref = self.p("ref.safetensors")
        with pt.Tracer(ref) as t:
            t.add("a", np.arange(3.0))
        before = os.stat(ref)
        with self.assertRaises(ValueError) as cm:
            pt.Tracer(ref, inject=ref)
        self.assertIn("would destroy the reference", str(cm.exception))
        d = self.p("refdir")
        with pt.Tracer(d) as t:
            t.add("a", np.arange(3.0))
        with self.assertRaises(ValueError):
            pt.Tracer(d, inject=d)
        self.assertEqual(os.stat(ref).st_mtime_ns, before.st_mtime_ns)
        self.assertEqual(pt.read_trace(d).order, ["a"])


class TestJournal(TempDir):
    def test_unclosed_trace_is_recovered(self):
        path = self.p("run.safetensors")
        t = pt.Tracer(path)
        t.add("x", np.arange(4, dtype=np.float32), input=True)
        t.add("y", np.ones(3), parents="x")
        t.meta("model", "a")
        t.meta("model", "b")
        t.add("z", np.full(2, 7, dtype=np.int64))
        # what a crash leaves: the journal, read independently of the tracer
        order, inputs, parents, meta, tensors = stnp.journal(path)
        self.assertEqual((order, inputs, parents), (["x", "y", "z"], ["x"], {"y": ["x"]}))
        self.assertEqual(meta["model"], "b")
        self.assertEqual(tensors["z"].tolist(), [7, 7])
        tr = pt.read_trace(path)
        self.assertEqual((tr.order, tr.inputs, tr.parents), (["x", "y", "z"], ["x"],
                                                             {"y": ["x"]}))
        self.assertIn("recovered 3 stages", tr.recovered)
        self.assertEqual(tr["y"].tolist(), [1.0, 1.0, 1.0])
        # a stage cut short is dropped and counted
        size = os.path.getsize(path)
        with open(path, "ab") as f:
            f.write(struct.pack("<Q", 1000) + b"{\"w\":")
        tr = pt.read_trace(path)
        self.assertEqual(tr.order, ["x", "y", "z"])
        self.assertIn("the last 13 bytes", tr.recovered)
        os.truncate(path, size)
        t.close()
        tr = pt.read_trace(path)
        self.assertIsNone(tr.recovered)
        self.assertEqual((tr.order, tr.metadata["model"]), (["x", "y", "z"], "b"))
        meta, got = stnp.read(path)             # a plain safetensors file now
        self.assertEqual(list(got), ["x", "y", "z"])
        self.assertEqual(got["x"].tolist(), [0, 1, 2, 3])

    def test_parity_reads_the_journal(self):
        parity = os.environ.get("PARITY")
        if not parity:
            self.skipTest("PARITY (the CLI) is not set")
        path = self.p("run.safetensors")
        t = pt.Tracer(path)
        t.add("x", np.arange(4, dtype=np.float32), input=True)
        t.add("y", np.ones(3, dtype=np.float32))
        r = subprocess.run([parity, "info", "-q", path], capture_output=True, text=True)
        t.close()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "x: F32 [4]\ny: F32 [3]\n")
        self.assertEqual(r.stderr, "parity: %s: an unfinished trace (its tracer did not "
                         "close it): recovered 2 stages from 2 records\n" % path)
        self.assertFalse(_safetensors.read_file(path)[0].get("parity.recovered"))
