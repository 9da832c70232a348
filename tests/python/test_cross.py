"""The Python tracer against the C side, through the `parity` CLI.

- Acceptance 2 of the tracing issue: tests/programs/trace_pipeline.c
  traced by the C tracer, and the same six stages computed here in NumPy
  (float32, like the C program) traced by the Python tracer, compare as
  MATCH stage by stage in `parity trace` (exit 0), in both directions and
  with each side written as a file or a directory.
- Acceptance 4: a 10-step Euler integration of dx/dt = (1 + w)c - w u,
  traced by the Python tracer on both sides, the reference with the cosine
  schedule t = 1 - cos(pi s / 2) and w = 0.7, the port with the linear one
  and w = 0.5. `parity trace --format json` must give both schedules to 4
  decimals of the true dt and both weights to 3 decimals, whether the loop
  records its state after each step or before it (then the first state is
  the noise itself, a marked input).

Skipped when PARITY (the CLI) or PARITY_BUILD (trace_pipeline) is not set.
"""

import json
import os
import subprocess
import unittest

import numpy as np

import parity_trace as pt
import tempdir_case

F32 = np.float32


def cli():
    exe = os.environ.get("PARITY", "")
    if not exe or not os.access(exe, os.X_OK):
        raise unittest.SkipTest("PARITY (the CLI binary) is not set")
    return exe


class TempDir(tempdir_case.TempDir):
    def trace_json(self, ref, port, *args):
        r = subprocess.run([cli(), "trace", ref, port, "--format", "json"] + list(args),
                           capture_output=True, text=True)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return r.returncode, json.loads(r.stdout)


# ---- acceptance 2: the C pipeline and its NumPy twin ----------------------


def pipeline_numpy():
    """The stages of trace_pipeline.c in float32, [1, 8, 32] each:
    input ((i mod 17) - 8) / 8; 2x + 1; x^2/2 - 1/4; x + row mean;
    3x/4 + x[previous column]/10; x / (1 + |x|); x - row max."""
    x = ((np.arange(256) % 17 - 8) / F32(8)).astype(F32).reshape(1, 8, 32)
    out = [("input", x)]
    s1 = F32(2) * x + F32(1)
    s2 = s1 * s1 / F32(2) - F32(0.25)
    s3 = s2 + (s2 / F32(32)).sum(axis=-1, keepdims=True, dtype=F32)
    prev = np.concatenate([np.zeros_like(s3[..., :1]), s3[..., :-1]], axis=-1)
    s4 = F32(0.75) * s3 + prev / F32(10)
    s5 = s4 / (F32(1) + np.abs(s4))
    s6 = s5 - s5.max(axis=-1, keepdims=True)
    out += [("stage%d" % (k + 1), s) for k, s in enumerate([s1, s2, s3, s4, s5, s6])]
    return out


class TestPipeline(TempDir):
    def c_trace(self, path):
        build = os.environ.get("PARITY_BUILD", "")
        exe = os.path.join(build, "trace_pipeline")
        if not build or not os.access(exe, os.X_OK):
            self.skipTest("PARITY_BUILD/trace_pipeline is not built")
        r = subprocess.run([exe], env=dict(os.environ, PARITY_TRACE=path),
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def py_trace(self, path):
        with pt.Tracer(path) as t:
            for name, x in pipeline_numpy():
                t.add(name, x, input=name == "input")

    def test_c_and_numpy_match_stage_by_stage(self):
        cli()
        names = ["input"] + ["stage%d" % k for k in range(1, 7)]
        for c_path, py_path in ((self.p("c"), self.p("py.safetensors")),
                                (self.p("c.safetensors"), self.p("py"))):
            self.c_trace(c_path)
            self.py_trace(py_path)
            for ref, port in ((py_path, c_path), (c_path, py_path)):
                rc, doc = self.trace_json(ref, port)
                self.assertEqual(rc, 0, (ref, port, doc["stages"]))
                self.assertEqual([s["name"] for s in doc["stages"]], names)
                self.assertEqual([s["verdict"] for s in doc["stages"]], ["MATCH"] * 7)
                self.assertTrue(doc["inputs"]["equal"])
                self.assertEqual(doc["inputs"]["names"], ["input"])
                self.assertIsNone(doc["first_divergence"])
                self.assertEqual(doc["only_in_ref"] + doc["only_in_port"], [])


# ---- acceptance 4: schedules and guidance weights -------------------------


def grid(cosine, s):
    return 1 - np.cos(np.pi * s / 2) if cosine else s


def velocities(x, t):
    i = np.arange(x.size)
    c = (-x + np.sin(3.0 * t + 0.05 * i)).astype(F32)
    u = (-0.5 * x + 0.2 * np.cos(0.1 * i)).astype(F32)
    return c, u


def euler(path, cosine, w, convention):
    """Trace 10 Euler steps. convention:
    "after"   ode.step{k}.x after step k, k = 1..10
    "before"  ode.step{k}.x before step k, k = 0..9, and the final state
              as ode.step10.x; velocities k = 0..9
    "before1" ode.step{k}.x before step k, k = 1..10 (ode.step1.x is the
              noise); the final state is "out", outside the series."""
    x = np.sin(0.37 * np.arange(256)).astype(F32)
    k0 = 0 if convention == "before" else 1
    with pt.Tracer(path) as t:
        t.add("noise", x, input=True)
        for j in range(10):
            k = k0 + j
            t0, t1 = grid(cosine, j / 10), grid(cosine, (j + 1) / 10)
            if convention != "after":
                t.add("ode.step%d.x" % k, x)
            c, u = velocities(x, t0)
            g = ((1 + w) * c - w * u).astype(F32)
            x = (x + (t1 - t0) * g).astype(F32)
            t.add("ode.step%d.v_cond" % k, c)
            t.add("ode.step%d.v_uncond" % k, u)
            t.add("ode.step%d.dxdt" % k, g)
            if convention == "after":
                t.add("ode.step%d.x" % k, x)
        if convention == "before":
            t.add("ode.step10.x", x)
        if convention == "before1":
            t.add("out", x)


class TestSolver(TempDir):
    true_ref = np.diff(grid(True, np.arange(11) / 10))
    true_port = np.diff(grid(False, np.arange(11) / 10))

    def schedule(self, convention):
        ref, port = self.p(convention + "_ref.safetensors"), self.p(convention + "_port")
        euler(ref, True, 0.7, convention)
        euler(port, False, 0.5, convention)
        rc, doc = self.trace_json(ref, port)
        self.assertEqual(rc, 1)
        g = doc["guidance"]
        self.assertEqual(g["n"], 10)
        np.testing.assert_allclose(g["w_ref"], 0.7, atol=5e-4)
        np.testing.assert_allclose(g["w_port"], 0.5, atol=5e-4)
        return doc["schedule"]

    def check_dt(self, s, rows):
        """rows: the schedule rows (0-based) that must hold the true dt."""
        dt_ref = np.array([s["dt_ref"][j] for j in rows], dtype=float)
        dt_port = np.array([s["dt_port"][j] for j in rows], dtype=float)
        np.testing.assert_allclose(dt_ref, self.true_ref[rows], atol=5e-5, rtol=0)
        np.testing.assert_allclose(dt_port, self.true_port[rows], atol=5e-5, rtol=0)
        self.assertEqual([s["status"][j] for j in rows], ["ok"] * len(rows))

    def test_state_after_each_step(self):
        s = self.schedule("after")
        self.assertEqual((s["alignment"], s["x0"], s["k"]), ("after", "noise", list(range(1, 11))))
        self.check_dt(s, list(range(10)))
        np.testing.assert_allclose(s["t_ref"], grid(True, np.arange(11) / 10), atol=1e-4)
        self.assertTrue(s["differ"])

    def test_state_before_each_step(self):
        s = self.schedule("before")
        self.assertEqual((s["alignment"], s["x0"], s["k"]), ("before", None, list(range(10))))
        self.check_dt(s, list(range(10)))
        np.testing.assert_allclose(s["t_port"], np.arange(11) / 10, atol=1e-4)

    def test_first_state_is_the_noise(self):
        # ode.step1.x == noise: read as "after", step 1 would not move the
        # state at all; that is the worst fit, so "before" is chosen and no
        # dt is shifted by one step. Step 10 has no state after it.
        s = self.schedule("before1")
        self.assertEqual((s["alignment"], s["k"]), ("before", list(range(1, 11))))
        self.check_dt(s, list(range(9)))
        self.assertEqual(s["status"][9], "no_state_after")
        self.assertIsNone(s["dt_ref"][9])
        self.assertLess(s["fit_ref"], 1e-4)


if __name__ == "__main__":
    unittest.main()
