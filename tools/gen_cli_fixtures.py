#!/usr/bin/env python3
"""Generate the small tensor files of the CLI golden tests (tests/cli/data/).

Fixed seed, so the committed files are reproducible byte for byte:
    /usr/bin/python3 tools/gen_cli_fixtures.py [OUTDIR]

mel_ref.safetensors      the reference: tokens (I64 [1, 12]), flow.mu
                         (F32 [1, 80, 50]), decoder.final_proj (F32 [1, 80, 200],
                         a log-mel: mean about -5.81, max 0), order in metadata
mel_port.safetensors     the port: same tokens, flow.mu within f32 noise,
                         decoder.final_proj exactly 1.46 lower (the seed plan's
                         "Swift is 1.46 dB darker": -12.68 dB in ln-mag)
mel_port_T.safetensors   the port storing decoder.final_proj as [1, 200, 80]
                         (MLX's [B, T, C]); values equal: MATCH after permute
python/, swift/          one .npy per stage, as teams dump them; paired by stem:
                         step1_tokens differ (708 vs 21, lengths 14 vs 12),
                         step2_text_enc equal, step3_mu stored as f16 by swift
                         (SMALL DIFF), step10_mel offset (LARGE DIFF),
                         step4_x0 only in python, step11_extra only in swift,
                         step5_pool [2, 3, 5] vs [2, 4, 4] (irreconcilable)
run1/run2.safetensors    two runs of one side: y identical, x differs in one
                         element by one ulp (parity same)
truncated.safetensors    a header length pointing past the end (exit 2)
edge/                    edge cases of parity diff: I64 values beyond 2^53
                         that doubles cannot tell apart (ints_*.npy, one
                         side big-endian), U64 2^64-1 vs I64 -1, ones vs one
                         1e200 (huge_*.npy), a 1-D and a 3-D tensor for
                         --axis beyond a rank (rank_*.safetensors), a --map
                         --map files (map_digits.txt: \d is a digit;
                         map_unused.txt: a rule that renames nothing),
                         notes.wav (a WAV file: not tensors), i32/ and f32/
                         (token ids as I32 and, one higher, as F32),
                         odd_*.safetensors (a name with '|', a newline and an
                         ANSI escape), ctl_*.safetensors (names that differ
                         only by a newline, a screen-clearing escape, a C1
                         control, a control character in metadata),
                         empty_wide.npy (F32 [0, 2^30, 2^30])
                         ids_*.safetensors (sequences: a dropped first token,
                         insertions, replacements, ids stored as F32, a mel
                         with 398 more frames, audio starting 10 samples late),
                         scr_*.npy (the values in Fortran order), fortran.npy
dumps/                   a folder whose .npy files sit in python/ and swift/
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import safetensors_np as st  # noqa: E402  the test suite's safetensors writer

SEED = 20240611
DT = {np.dtype("float32"): "F32", np.dtype("float16"): "F16",
      np.dtype("int64"): "I64", np.dtype("float64"): "F64", np.dtype("int32"): "I32"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, ndarray) in file order."""
    arrays = [(name, np.ascontiguousarray(a)) for name, a in tensors]
    st.write(path, {name: (DT[a.dtype], a.shape, a.astype(a.dtype.newbyteorder("<")).tobytes())
                    for name, a in arrays}, metadata)


def mel_files(out, rng):
    tokens = rng.integers(1, 6000, size=(1, 12)).astype(np.int64)
    mu = rng.standard_normal((1, 80, 50)).astype(np.float32)
    mel = np.clip(-5.81 + 2.1 * rng.standard_normal((1, 80, 200)), -10.38, 0)
    mel = mel.astype(np.float32)
    noise = (1 + 1e-7 * rng.standard_normal(mu.shape)).astype(np.float32)
    order = {"parity.order": json.dumps(["tokens", "flow.mu", "decoder.final_proj"])}
    write_safetensors(os.path.join(out, "mel_ref.safetensors"),
                      [("tokens", tokens), ("flow.mu", mu), ("decoder.final_proj", mel)], order)
    write_safetensors(os.path.join(out, "mel_port.safetensors"),
                      [("tokens", tokens), ("flow.mu", (mu * noise).astype(np.float32)),
                       ("decoder.final_proj", mel - np.float32(1.46))], order)
    write_safetensors(os.path.join(out, "mel_port_T.safetensors"),
                      [("tokens", tokens), ("flow.mu", mu),
                       ("decoder.final_proj", np.ascontiguousarray(mel.transpose(0, 2, 1)))],
                      order)


def npy_dirs(out, rng):
    py, sw = os.path.join(out, "python"), os.path.join(out, "swift")
    os.makedirs(py, exist_ok=True)
    os.makedirs(sw, exist_ok=True)
    tok = rng.integers(1, 6000, size=14).astype(np.int64)
    tok[0] = 708
    tok_sw = tok[:12].copy()
    tok_sw[0] = 21
    enc = rng.standard_normal((1, 14, 32)).astype(np.float32)
    mu = rng.standard_normal((1, 80, 50)).astype(np.float32)
    x0 = rng.standard_normal((1, 80, 50)).astype(np.float32)
    mel = (-5.81 + 2.1 * rng.standard_normal((1, 80, 50))).astype(np.float32)
    extra = rng.standard_normal(8).astype(np.float32)
    for d, arrays in ((py, {"step1_tokens": tok, "step2_text_enc": enc, "step3_mu": mu,
                            "step4_x0": x0, "step10_mel": mel}),
                      (sw, {"step1_tokens": tok_sw, "step2_text_enc": enc,
                            "step3_mu": mu.astype(np.float16),
                            "step10_mel": mel - np.float32(0.5), "step11_extra": extra})):
        for name, a in arrays.items():
            np.save(os.path.join(d, name + ".npy"), a)
    # shapes no squeeze, permutation or reshape reconciles (own generator,
    # so the other fixtures keep their values)
    pool = np.random.default_rng(SEED + 1).standard_normal(32).astype(np.float32)
    np.save(os.path.join(py, "step5_pool.npy"), pool[:30].reshape(2, 3, 5))
    np.save(os.path.join(sw, "step5_pool.npy"), pool.reshape(2, 4, 4))


def same_files(out, rng):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    y = rng.standard_normal(6).astype(np.float32)
    x2 = x.copy()
    x2[2, 3] = np.nextafter(x2[2, 3], np.float32(np.inf))
    write_safetensors(os.path.join(out, "run1.safetensors"), [("x", x), ("y", y)])
    write_safetensors(os.path.join(out, "run2.safetensors"), [("x", x2), ("y", y)])


def bad_files(out):
    with open(os.path.join(out, "truncated.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 1000) + b'{"x":{"dtype":"F32"')


def edge_files(out):
    d = os.path.join(out, "edge")
    os.makedirs(d, exist_ok=True)
    big = np.array([2**53, 5, 2**62 + 1], dtype=np.int64)
    np.save(os.path.join(d, "ints_ref.npy"), big)
    np.save(os.path.join(d, "ints_port.npy"),
            np.array([2**53 + 1, 5, 2**62], dtype=">i8"))  # big-endian
    np.save(os.path.join(d, "u64_ref.npy"), np.array([2**64 - 1, 7], dtype=np.uint64))
    np.save(os.path.join(d, "i64_port.npy"), np.array([-1, 7], dtype=np.int64))
    ones = np.ones(100)
    huge = ones.copy()
    huge[5] = 1e200
    np.save(os.path.join(d, "huge_ref.npy"), ones)
    np.save(os.path.join(d, "huge_port.npy"), huge)
    vec = np.arange(4, dtype=np.float32)
    cube = np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4)
    write_safetensors(os.path.join(d, "rank_ref.safetensors"), [("vec", vec), ("cube", cube)])
    write_safetensors(os.path.join(d, "rank_port.safetensors"),
                      [("vec", vec + np.float32(0.5)), ("cube", cube * np.float32(1.5))])
    with open(os.path.join(d, "map_digits.txt"), "w") as f:
        f.write("# \\d is a digit, as [0-9] (and as in Python's re)\n"
                "^step10_(mel)$ => step10_\\1\n"
                "^step(\\d+)_extra$ => step4_x0\n")
    with open(os.path.join(d, "map_unused.txt"), "w") as f:
        f.write("# rule 3 renames nothing: no PORT stage is called step..._extras (a typo)\n"
                "^step10_(mel)$ => step10_\\1\n"
                "^step([0-9]+)_extras$ => step4_x0\n")
    # an empty tensor whose other axes are 2^30 long: nothing to allocate
    np.save(os.path.join(d, "empty_wide.npy"), np.empty((0, 2**30, 2**30), dtype=np.float32))
    # names a terminal must not receive raw: two that differ only by a
    # newline, an escape that clears the screen, a C1 control (U+009B, CSI)
    base = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    names = ["stage", "stage\n", "\x1b[2J", "x\u009b31m"]
    meta = {"note\n": "a\x1bb", "parity.order": json.dumps(names)}
    for side, delta in (("ref", 0), ("port", 0.5)):
        write_safetensors(os.path.join(d, "ctl_%s.safetensors" % side),
                          [(n, base + np.float32(delta * k)) for k, n in enumerate(names)],
                          meta)


def folder_files(out):
    """dumps/: no tensor file of its own, its stages in python/ and swift/
    (parity names them); notes.wav: a WAV header, which is no tensor file."""
    for side in ("python", "swift"):
        d = os.path.join(out, "dumps", side)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "step1_mu.npy"), np.arange(6, dtype=np.float32))
    with open(os.path.join(out, "dumps", "README.txt"), "w") as f:
        f.write("one .npy per stage, per side\n")
    # token ids as I32 on one side and as F32 (what MLX saves) on the other
    for side, dt in (("i32", np.int32), ("f32", np.float32)):
        d = os.path.join(out, "edge", side)
        os.makedirs(d, exist_ok=True)
        ids = np.array([3, 708, 21, 5, 99, 1], dtype=dt) + (1 if side == "f32" else 0)
        np.save(os.path.join(d, "tokens.npy"), ids)
    # names a renderer must escape: a table bar, a newline, an ANSI escape
    odd = "blk|0\nout\x1b[31m"
    base = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    for side, delta in (("ref", 0), ("port", 0.25)):
        write_safetensors(os.path.join(out, "edge", "odd_%s.safetensors" % side),
                          [("in", base), (odd, base + np.float32(delta))],
                          {"parity.order": json.dumps(["in", odd])})
    with open(os.path.join(out, "edge", "notes.wav"), "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + struct.pack(
            "<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", 0))


def ids_files(out, rng):
    """edge/ids_{ref,port}.safetensors: what ports do to sequences. Token ids
    with the first dropped (I32 [46] vs the F32 MLX saves, [45]), two ids
    inserted, two replaced by three, equal ids in another dtype; a mel whose
    port has 398 more frames, audio the port starts 10 samples late."""
    tok = rng.integers(0, 6000, 46).astype(np.int32)
    tok[0] = 708
    ins = rng.integers(0, 6000, 10).astype(np.int64)
    rep = rng.integers(0, 6000, 10).astype(np.int32)
    same = np.array([3, 1, 4, 1, 5, 9], dtype=np.int64)
    mel = rng.standard_normal((1, 898, 80)).astype(np.float32) * 2 - 6
    audio = rng.standard_normal(16000).astype(np.float32) * 0.1
    ref = [("tokens", tok), ("inserted", ins), ("replaced", rep), ("same_ids", same),
           ("mel", mel[:, :500]), ("audio", audio)]
    port = [("tokens", tok[1:].astype(np.float32)),
            ("inserted", np.concatenate([ins[:5], [77, 78], ins[5:]]).astype(np.int64)),
            ("replaced", np.concatenate([rep[:7], [1, 2, 3], rep[9:]]).astype(np.int32)),
            ("same_ids", same.astype(np.float32)), ("mel", mel), ("audio", audio[10:])]
    d = os.path.join(out, "edge")
    # a port that wrote the reference's values in Fortran order; a .npy
    # stored fortran_order (parity reads it through its strides)
    x = rng.standard_normal((6, 5)).astype(np.float32)
    np.save(os.path.join(d, "scr_ref.npy"), x)
    np.save(os.path.join(d, "scr_port.npy"), x.ravel(order="F").reshape(6, 5))
    np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(x))
    write_safetensors(os.path.join(d, "ids_ref.safetensors"), ref)
    write_safetensors(os.path.join(d, "ids_port.safetensors"), port)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli", "data")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    mel_files(out, rng)
    npy_dirs(out, rng)
    same_files(out, rng)
    bad_files(out)
    edge_files(out)
    folder_files(out)
    ids_files(out, rng)


if __name__ == "__main__":
    main()
