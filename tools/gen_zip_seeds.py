#!/usr/bin/python3
"""Write the seed corpora of the zip-based fuzz targets.

usage: gen_zip_seeds.py [FUZZDIR]   (default: fuzz)

FUZZDIR/corpus/zip/       small .npz and .pt archives of every kind, hand-
                          built archives (data descriptors, zip64) and the
                          bad zip corpus
FUZZDIR/corpus/npz/       np.savez / np.savez_compressed archives and the
                          bad npz corpus
FUZZDIR/corpus/torchzip/  torch.save checkpoints (dtypes, views, nested
                          containers, a module, a parameter, deflated) and
                          the bad checkpoint corpus
FUZZDIR/corpus/pickle/    the data.pkl of each of those checkpoints, and
                          hand-assembled pickles (attacks, bad opcodes)
Small files only (a few KiB), fixed seeds; NumPy and PyTorch from Debian.
"""
import collections
import io
import os
import sys
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_bad_zip as bad  # noqa: E402


def npz_seeds():
    rng = np.random.default_rng(3)
    arrays = {
        "f32": rng.standard_normal((3, 4)).astype("<f4"),
        "f16": rng.standard_normal(5).astype("<f2"),
        "i64": np.arange(-3, 3, dtype="<i8"),
        "b": np.array([True, False, True]),
        "c64": (rng.standard_normal(2) + 1j).astype("<c8"),
        "fortran": np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)),
        "be": np.arange(4, dtype=">i4"),
        "scalar": np.array(2.5),
    }
    out = {}
    for fn, save in (("savez", np.savez), ("compressed", np.savez_compressed)):
        buf = io.BytesIO()
        save(buf, **arrays)
        out["npz_%s.npz" % fn] = buf.getvalue()
        buf = io.BytesIO()
        save(buf, x=arrays["f32"])
        out["npz_%s_one.npz" % fn] = buf.getvalue()
    buf = io.BytesIO()
    np.savez(buf)
    out["npz_empty.npz"] = buf.getvalue()
    return out


def torch_seeds():
    torch.manual_seed(7)  # module initialisation draws from it
    g = torch.Generator().manual_seed(7)
    base = torch.randn(3, 4, generator=g)
    objs = {
        "dtypes": collections.OrderedDict(
            (str(dt).replace("torch.", ""), torch.ones(2, 2, dtype=dt))
            for dt in (torch.float32, torch.float16, torch.bfloat16,
                       torch.float64, torch.int8, torch.int16, torch.int32,
                       torch.int64, torch.uint8, torch.bool,
                       torch.complex64)),
        "views": collections.OrderedDict(
            base=base, t=base.t(), s=base[1:, 2:], e=torch.ones(2).expand(3, 2),
            tied=base),
        "nested": {"model": {"layers": [{"w": torch.ones(2)}],
                             "b": (torch.zeros(1), torch.ones(1))},
                   "epoch": 3, "lr": 0.5, "name": "x", "ok": True,
                   "opt": {"state": {0: {"step": torch.tensor(1)}}}},
        "module": torch.nn.Sequential(torch.nn.Linear(2, 2),
                                      torch.nn.BatchNorm1d(2)).state_dict(),
        "param": torch.nn.Parameter(torch.ones(3)),
        "lone": torch.arange(5),
        "list": [torch.ones(1), torch.zeros(2, dtype=torch.int8)],
    }
    out = {}
    for name, obj in objs.items():
        buf = io.BytesIO()
        torch.save(obj, buf)
        out["pt_%s.pt" % name] = buf.getvalue()
    # the same, deflated
    zin = zipfile.ZipFile(io.BytesIO(out["pt_views.pt"]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, zin.read(info.filename))
    out["pt_views_deflated.pt"] = buf.getvalue()
    return out


def handmade_zips():
    M, zb = bad.M, bad.zipfile_bytes
    text = bytes(range(256)) * 2
    d = M("a.npy", bad.A, method=8, flags=8)
    d.local = dict(crc=0, csize=0, usize=0)
    d.descriptor = bad.struct.pack("<IIII", 0x08074B50, d.crc, d.csize,
                                   d.usize)
    z = M("b.npy", bad.B)
    z.lextra = bad.zip64_extra(z.usize, z.csize)
    return {
        "hand_descriptor.npz": zb([d]),
        "hand_zip64.npz": zb([z], zip64={}),
        "hand_mixed.zip": zb([M("x.npy", bad.A), M("y.npy", text, method=8)]),
        "hand_checkpoint.pt": bad.checkpoint(bad.state_dict(
            ("w", bad.tensor()),
            ("t", bad.tensor(size=(3, 2), stride=(1, 3))),
            ("h", bad.tensor(key="1", stype="HalfStorage", numel=4,
                             size=(2, 2), stride=(2, 1)))),
            storages={"0": bad.F32, "1": b"\0\x3c" * 4}),
    }


def data_pkl(archive):
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        names = [n for n in z.namelist() if n.endswith("/data.pkl")]
        return z.read(names[0]) if names else None


def write(d, files):
    os.makedirs(d, exist_ok=True)
    for name, data in sorted(files.items()):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def bad_files(cases, limit=4096):
    return {"bad_" + n: d for n, d, _ in cases if len(d) <= limit}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    fuzz = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..",
                                                               "fuzz")
    corpus = os.path.join(fuzz, "corpus")
    npz, pt, hand = npz_seeds(), torch_seeds(), handmade_zips()
    zips = dict(npz)
    zips.update({k: v for k, v in pt.items() if len(v) <= 8192})
    zips.update(hand)
    zips.update(bad_files(bad.zip_cases()))
    write(os.path.join(corpus, "zip"), zips)
    npzs = dict(npz)
    npzs.update({k: v for k, v in hand.items() if k.endswith(".npz")})
    npzs.update(bad_files(bad.npz_cases()))
    write(os.path.join(corpus, "npz"), npzs)
    pts = {k: v for k, v in pt.items() if len(v) <= 8192}
    pts["hand_checkpoint.pt"] = hand["hand_checkpoint.pt"]
    torch_bad = bad.torch_cases()
    pts.update(bad_files(torch_bad))
    write(os.path.join(corpus, "torchzip"), pts)
    pkls = {}
    for name, data in list(pt.items()) + [("hand_checkpoint.pt",
                                           hand["hand_checkpoint.pt"])]:
        pkls[name.replace(".pt", ".pkl")] = data_pkl(data)
    for name, data, _ in torch_bad:
        if data.startswith(b"PK"):
            p = data_pkl(data)
            if p is not None:
                pkls["bad_" + name.replace(".pt", ".pkl")] = p
    write(os.path.join(corpus, "pickle"), pkls)


if __name__ == "__main__":
    main()
