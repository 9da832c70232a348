#!/usr/bin/env python3
"""Generate the small traces of the `parity trace` golden tests
(tests/cli/data/trace/).

Fixed seed, so the committed files are reproducible byte for byte:
    /usr/bin/python3 tools/gen_trace_fixtures.py [OUTDIR]

Each file is a parity trace: a safetensors file whose __metadata__ holds
"parity.order" (execution order) and "parity.inputs" (model inputs), as the
tracers write them. The model is a toy flow-matching solver in float32:

    inputs   mu [1, 4, 16], spks [1, 4], noise [1, 4, 16] (x_0)
    enc.out  tanh(mu + spks)
    step k = 1..4, from t_{k-1} to t_k:
      ode.step{k}.v_cond    c = enc.out - tanh(2 x)     (conditional)
      ode.step{k}.v_uncond  u = -0.5 x                  (unconditional)
      (nonlinear in x, so successive velocities point in different
      directions and the step sizes are identifiable)
      ode.step{k}.dxdt      g = c + w (c - u)           (guidance weight w)
      ode.step{k}.x         x + (t_k - t_{k-1}) g       (state after step k)
    mel      2 x_4 - 1

ref.safetensors         cosine schedule t = 1 - cos(pi/2 linspace(0,1,5)),
                        w = 0.7
port_same.safetensors   the same computation; every stage within float32
                        noise (scaled by 1 + 1e-7 noise): every stage MATCH
port_inputs.safetensors noise scaled by 1.0014 (relative 1.4e-03) and no
                        spks (the port forgot the speaker vector: zeros are
                        used, and spks is not traced): "Inputs differ"
port_solver.safetensors linear schedule t = linspace(0,1,5) and w = -0.7
                        (the cfg-sign bug): inputs equal, the schedules
                        differ from step 1, the guidance weights differ
port_fewer.safetensors  the reference's computation stopped after step 3
                        (t ends at 0.617): step 4 is only in ref
port_named.safetensors  the reference's computation plus a fifth step
                        (t 1 -> 1.1), under the port's own names
                        (solver.it{k}.state, .vel, .vc, .vu; port_named.map
                        pairs them): step 5 is only in port
port_f16.safetensors    the reference's computation, every tensor stored as
                        F16: the schedules and weights agree within F16
                        rounding
port_solver_f16.safetensors  port_solver stored as F16: the linear schedule
                        and w = -0.7 still differ
ref_calls.safetensors,  ref and port_solver with the solver's tensors named
port_solver_calls.safetensors  as the tracers name one stage recorded at
                        every call (ode.x, ode.x#1, ...): the default
                        patterns find them
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import safetensors_np as st  # noqa: E402  the test suite's safetensors writer

SEED = 20261125
F32 = np.float32


def write_safetensors(path, tensors, metadata, dtype="F32"):
    """tensors: list of (name, float32 ndarray) in execution order, stored
    as dtype."""
    st.write(path, {name: (dtype, a.shape, st.encode(a, dtype)) for name, a in tensors}, metadata)


def run(inputs, times, w, jitter=None):
    """The toy solver; returns [(name, array)] in order and the input names."""
    mu, spks, noise = inputs["mu"], inputs.get("spks"), inputs["noise"]
    out = [(n, inputs[n]) for n in ("mu", "spks", "noise") if n in inputs]
    input_names = [n for n, _ in out]
    s = spks if spks is not None else np.zeros((1, 4), F32)
    enc = np.tanh(mu + s[:, :, None]).astype(F32)
    out.append(("enc.out", enc))
    x = noise
    for k in range(1, len(times)):
        c = (enc - np.tanh(F32(2) * x)).astype(F32)
        u = (F32(-0.5) * x).astype(F32)
        g = (c + F32(w) * (c - u)).astype(F32)
        x = (x + F32(times[k] - times[k - 1]) * g).astype(F32)
        out += [("ode.step%d.v_cond" % k, c), ("ode.step%d.v_uncond" % k, u),
                ("ode.step%d.dxdt" % k, g), ("ode.step%d.x" % k, x)]
    out.append(("mel", (F32(2) * x - F32(1)).astype(F32)))
    if jitter is not None:
        out = [(n, a if n in input_names else
                (a * (F32(1) + F32(1e-7) * jitter.standard_normal(a.shape))).astype(F32))
               for n, a in out]
    return out, input_names


# The port's own names for the solver's tensors (port_named.map maps them
# back): a port numbers its steps its own way.
PORT_NAMES = {"v_cond": "vc", "v_uncond": "vu", "dxdt": "vel", "x": "state"}


def renamed(trace, names):
    """ode.step{k}.<what> -> solver.it{k}.<names[what]>; other names kept."""
    tensors, inputs = trace
    out = []
    for n, a in tensors:
        if n.startswith("ode.step"):
            step, what = n[len("ode.step"):].split(".")
            n = "solver.it%s.%s" % (step, names[what])
        out.append((n, a))
    return out, inputs


def calls(trace):
    """ode.step{k}.<what> -> ode.<what>, ode.<what>#1, ...: the names the
    tracers give one stage recorded at every call (the first without #k)."""
    tensors, inputs = trace
    out = []
    for n, a in tensors:
        if n.startswith("ode.step"):
            step, what = n[len("ode.step"):].split(".")
            n = "ode.%s" % what if step == "1" else "ode.%s#%d" % (what, int(step) - 1)
        out.append((n, a))
    return out, inputs


def save(path, trace, dtype="F32"):
    tensors, inputs = trace
    meta = {"parity.order": json.dumps([n for n, _ in tensors]),
            "parity.inputs": json.dumps(inputs)}
    write_safetensors(path, tensors, meta, dtype)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli", "data", "trace")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    inputs = {"mu": rng.standard_normal((1, 4, 16)).astype(F32),
              "spks": rng.standard_normal((1, 4)).astype(F32),
              "noise": rng.standard_normal((1, 4, 16)).astype(F32)}
    cosine = [1 - math.cos(math.pi / 2 * i / 4) for i in range(5)]
    linear = [i / 4 for i in range(5)]
    save(os.path.join(out, "ref.safetensors"), run(inputs, cosine, 0.7))
    save(os.path.join(out, "port_same.safetensors"),
         run(inputs, cosine, 0.7, jitter=np.random.default_rng(SEED + 1)))
    bad = {"mu": inputs["mu"], "noise": (inputs["noise"] * F32(1.0014)).astype(F32)}
    save(os.path.join(out, "port_inputs.safetensors"), run(bad, cosine, 0.7))
    save(os.path.join(out, "port_solver.safetensors"), run(inputs, linear, -0.7))
    save(os.path.join(out, "port_fewer.safetensors"), run(inputs, cosine[:4], 0.7))
    save(os.path.join(out, "port_named.safetensors"),
         renamed(run(inputs, cosine + [1.1], 0.7), PORT_NAMES))
    save(os.path.join(out, "port_f16.safetensors"), run(inputs, cosine, 0.7), "F16")
    save(os.path.join(out, "port_solver_f16.safetensors"), run(inputs, linear, -0.7), "F16")
    save(os.path.join(out, "ref_calls.safetensors"), calls(run(inputs, cosine, 0.7)))
    save(os.path.join(out, "port_solver_calls.safetensors"), calls(run(inputs, linear, -0.7)))


if __name__ == "__main__":
    main()
