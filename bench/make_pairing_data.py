#!/usr/bin/env python3
"""make_pairing_data.py OUTDIR [STAGES] — two traces of one made-up model for
the pairing bench (bench/bench_pairing.sh): the reference with STAGES stages
(default 5,000) in blocks of ten, and a port that names every stage its own
way, stores each [tokens, features] stage transposed, records three extra
stages per block and omits one stage in ten blocks. Values are seeded; the
port's are the reference's plus 1e-6 relative noise. Writes OUTDIR/ref.safetensors,
OUTDIR/port.safetensors (both with their execution order) and
OUTDIR/truth.json (port name -> reference name)."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from parity_trace import Tracer  # noqa: E402

KINDS = [("attn", 64), ("add", 64), ("norm1", 64), ("up", 128), ("act", 128),
         ("down", 64), ("add2", 64), ("norm2", 64), ("q", 64), ("scores", 16)]


def main():
    out = sys.argv[1]
    stages = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    rng = np.random.default_rng(7)
    os.makedirs(out, exist_ok=True)
    truth = {}
    tokens = 12
    with Tracer(os.path.join(out, "ref.safetensors")) as ref, \
            Tracer(os.path.join(out, "port.safetensors")) as port:
        for s in range(stages):
            block, (kind, width) = divmod(s, len(KINDS))[0], KINDS[s % len(KINDS)]
            x = rng.standard_normal((tokens, width)).astype(np.float32) * (1 + s % 7)
            if kind == "act":
                x = np.maximum(x, 0)
            name = f"model.layers.{block}.{kind}"
            ref.add(name, x)
            if kind == "norm1" and block % 50 == 7:
                continue  # the port does not record this one
            if kind == "attn":
                for extra in ("pre_q", "pre_k", "pre_v"):
                    port.add(f"blk{block}/{extra}",
                             rng.standard_normal((width, tokens)).astype(np.float32))
            noisy = x * (1 + 1e-6 * rng.standard_normal(x.shape)).astype(np.float32)
            pname = f"blk{block}/{kind}_out"
            port.add(pname, np.ascontiguousarray(noisy.T))
            truth[pname] = name
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=0)


if __name__ == "__main__":
    main()
