#!/usr/bin/python3
"""Write .npz files with NumPy and .pt checkpoints with PyTorch, and what a
reader must see in them.

usage: gen_zip_fixtures.py OUTDIR

OUTDIR gets the archives and:
  manifest.txt  one line per tensor, tab-separated:
                  FILE NAME DTYPE SHAPE STRIDES OFFSET GROUP RAW
                DTYPE is parity's name of one stored component; SHAPE and
                STRIDES (in components) are the view parity must give,
                comma-separated ("-" for a scalar), a complex tensor with a
                trailing axis of 2 (re, im); OFFSET is the storage offset
                in components; GROUP names the storage (tensors of one
                group share their bytes; "-" when alone); RAW is a file of
                the logical elements' bytes, little-endian, C order.
  meta.txt      FILE KEY VALUE: the metadata a checkpoint's top-level
                scalars must give
  errors.txt    FILE SUBSTRING: files real writers make that parity must
                refuse, and a piece of the message
  attacks.txt   FILE GLOBAL: checkpoints whose data.pkl would run code if
                unpickled (a __reduce__ payload creating MARKER), and the
                global the refusal must name
Deterministic: fixed seeds only. Runs under /usr/bin/python3 (NumPy 1.24,
PyTorch 1.13 from Debian).
"""
import collections
import io
import os
import pickle
import sys
import zipfile

import numpy as np
import torch

PARITY_DTYPE = {
    "bool": "BOOL", "int8": "I8", "int16": "I16", "int32": "I32",
    "int64": "I64", "uint8": "U8", "uint16": "U16", "uint32": "U32",
    "uint64": "U64", "float16": "F16", "float32": "F32", "float64": "F64",
    "complex64": "F32", "complex128": "F64",
}
TORCH_DTYPE = {
    torch.bool: "BOOL", torch.int8: "I8", torch.int16: "I16",
    torch.int32: "I32", torch.int64: "I64", torch.uint8: "U8",
    torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32",
    torch.float64: "F64", torch.complex64: "F32", torch.complex128: "F64",
}


class Out:
    def __init__(self, outdir):
        self.dir = outdir
        self.manifest = []
        self.meta = []
        self.errors = []
        self.attacks = []
        self.nraw = 0

    def raw(self, data):
        self.nraw += 1
        name = "raw%04d.bin" % self.nraw
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)
        return name

    def row(self, file, name, dtype, shape, strides, offset, group, data):
        dims = ",".join(str(d) for d in shape) or "-"
        st = ",".join(str(s) for s in strides) or "-"
        self.manifest.append("\t".join([file, name, dtype, dims, st,
                                        str(offset), group, self.raw(data)]))

    def write(self):
        for fname, rows in (("manifest.txt", self.manifest),
                            ("meta.txt", self.meta),
                            ("errors.txt", self.errors),
                            ("attacks.txt", self.attacks)):
            with open(os.path.join(self.dir, fname), "w") as f:
                f.writelines(r + "\n" for r in rows)


# ---- NumPy ---------------------------------------------------------------

def np_values(name, shape, rng):
    n = int(np.prod(shape, dtype=np.int64))
    dt = np.dtype(name)
    if name == "bool":
        flat = rng.integers(0, 2, size=n).astype(bool)
    elif dt.kind == "c":
        flat = (rng.standard_normal(n) + 1j * rng.standard_normal(n))
        flat = (flat * 100).astype(dt)
    elif dt.kind == "f":
        flat = (rng.standard_normal(n) * 100).astype(dt)
        if n >= 4:
            flat[:4] = np.array([np.nan, np.inf, -np.inf, -0.0], dtype=dt)
    else:
        info = np.iinfo(dt)
        flat = rng.integers(info.min, info.max, size=n, dtype=dt,
                            endpoint=True)
        if n >= 2:
            flat[:2] = [info.min, info.max]
    return flat.reshape(shape)


def npz_arrays(seed):
    rng = np.random.default_rng(seed)
    arrays = collections.OrderedDict()
    shapes = [(3, 4), (2, 3, 5), (7,)]
    for i, name in enumerate(PARITY_DTYPE):
        arrays[name] = np_values(name, shapes[i % 3], rng)
    arrays["fortran_f32"] = np.asfortranarray(np_values("float32", (3, 5),
                                                        rng))
    arrays["fortran_c128"] = np.asfortranarray(np_values("complex128",
                                                         (2, 3), rng))
    arrays["scalar_f64"] = np.array(np.pi)
    arrays["empty_i32"] = np.zeros((0, 3), dtype=np.int32)
    arrays["big_endian_i32"] = np_values("int32", (4, 2), rng).astype(">i4")
    arrays["big_endian_f64"] = np_values("float64", (5,), rng).astype(">f8")
    # more than one 256 KiB inflate chunk, compressible and not
    arrays["large_f32"] = np_values("float32", (300, 700), rng)
    arrays["large_zeros"] = np.zeros((1024, 1024), dtype=np.uint8)
    return arrays


def np_strides(a):
    comp = 2 if a.dtype.kind == "c" else 1
    size = a.dtype.itemsize // comp
    st = [s // size for s in a.strides]
    return st + [1] if comp == 2 else st


def np_row(out, file, name, a):
    shape = list(a.shape) + ([2] if a.dtype.kind == "c" else [])
    le = a.astype(a.dtype.newbyteorder("<"))
    out.row(file, name, PARITY_DTYPE[a.dtype.name], shape, np_strides(a), 0,
            "-", le.tobytes(order="C"))


def gen_npz(out):
    arrays = npz_arrays(12)
    for fname, save in (("savez.npz", np.savez),
                        ("savez_compressed.npz", np.savez_compressed)):
        path = os.path.join(out.dir, fname)
        save(path, **arrays)
        with np.load(path) as back:  # NumPy reads what it wrote
            assert list(back.keys()) == list(arrays), fname
        for name, a in arrays.items():
            np_row(out, fname, name, a)
    # positional arrays are named arr_0, arr_1, ...
    rng = np.random.default_rng(5)
    a, b = np_values("float32", (2, 2), rng), np_values("int64", (3,), rng)
    np.savez(os.path.join(out.dir, "positional.npz"), a, b)
    np_row(out, "positional.npz", "arr_0", a)
    np_row(out, "positional.npz", "arr_1", b)
    np.savez(os.path.join(out.dir, "empty.npz"))  # an archive of nothing


# ---- PyTorch -------------------------------------------------------------

def raw_bytes(t):
    t = t.contiguous()
    if t.is_complex():
        t = torch.view_as_real(t).contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def t_row(out, file, name, t, group="-"):
    comp = t.is_complex()
    shape = list(t.shape) + ([2] if comp else [])
    st = [s * (2 if comp else 1) for s in t.stride()] + ([1] if comp else [])
    off = t.storage_offset() * (2 if comp else 1)
    out.row(file, name, TORCH_DTYPE[t.dtype], shape, st, off, group,
            raw_bytes(t))


def t_values(dtype, shape, gen):
    if dtype == torch.bool:
        return torch.rand(shape, generator=gen) > 0.5
    if dtype.is_complex:
        return torch.randn(shape, generator=gen, dtype=dtype) * 10
    if dtype.is_floating_point:
        t = (torch.randn(shape, generator=gen) * 100).to(dtype)
        if t.numel() >= 4:
            t.view(-1)[:4] = torch.tensor([float("nan"), float("inf"),
                                          float("-inf"), -0.0]).to(dtype)
        return t
    info = torch.iinfo(dtype)
    return torch.randint(info.min, info.max, shape, generator=gen,
                         dtype=dtype)


def flatten(out, file, obj, prefix=""):
    """Manifest rows for every tensor in obj, named as parity names them."""
    if isinstance(obj, torch.Tensor):
        t_row(out, file, prefix, obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            flatten(out, file, v, prefix + ("." if prefix else "") + str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            flatten(out, file, v, prefix + ("." if prefix else "") + str(i))


def save(out, name, obj, **kw):
    torch.save(obj, os.path.join(out.dir, name), **kw)
    back = torch.load(os.path.join(out.dir, name))  # torch reads it back
    assert type(back) == type(obj), name


def gen_dtypes(out, gen):
    sd = collections.OrderedDict()
    shapes = [(3, 4), (5,), (2, 3, 2)]
    for i, dt in enumerate(TORCH_DTYPE):
        sd[str(dt).replace("torch.", "")] = t_values(dt, shapes[i % 3], gen)
    sd["scalar_i64"] = torch.tensor(-(2 ** 62) - 5)
    sd["scalar_f32"] = torch.tensor(1.5)
    sd["empty_f32"] = torch.zeros(0, 3)
    save(out, "dtypes.pt", sd)
    flatten(out, "dtypes.pt", sd)


def gen_views(out, gen):
    base = torch.randn(4, 6, generator=gen)
    c = torch.randn(3, 4, generator=gen, dtype=torch.complex64)
    sd = collections.OrderedDict()
    sd["base"] = base
    sd["transposed"] = base.t()
    sd["slice"] = base[1:3, 2:5]
    sd["column"] = base[:, 1]
    sd["every_other"] = base[:, ::2]
    sd["tied"] = base  # the same tensor object twice: a memo reference
    sd["expanded"] = torch.arange(3.0).expand(4, 3)
    sd["complex_t"] = c.t()
    sd["complex_slice"] = c[1:, 1:3]
    save(out, "views.pt", sd)
    for k, t in sd.items():
        group = {"expanded": "-"}.get(k, "c" if k.startswith("complex")
                                      else "base")
        t_row(out, "views.pt", k, t, group)


def gen_nested(out, gen):
    layer = lambda: collections.OrderedDict(
        w=torch.randn(3, 2, generator=gen), b=torch.zeros(3))
    obj = {
        "model": {"layers": [layer(), layer()],
                  "emb": torch.randn(5, 3, generator=gen).half()},
        "opt": {"state": {0: {"step": torch.tensor(7)},
                          1: {"exp_avg": torch.ones(2, 2)}},
                "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999),
                                  "params": [0, 1]}]},
        "pair": (torch.arange(4), torch.arange(3).to(torch.int8)),
        "epoch": 7, "lr": 0.001, "name": "run-1", "done": True,
        "none": None, "neg": -123456789012,
    }
    save(out, "nested.pt", obj)
    flatten(out, "nested.pt", obj)
    for k, v in obj.items():
        if isinstance(v, bool) or v is None:
            out.meta.append("nested.pt\t%s\t%s" % (k, v))
        elif isinstance(v, (int, str)):
            out.meta.append("nested.pt\t%s\t%s" % (k, v))
        elif isinstance(v, float):
            for p in (15, 16, 17):
                s = "%.*g" % (p, v)
                if float(s) == v:
                    break
            out.meta.append("nested.pt\t%s\t%s" % (k, s))


def gen_module(out, gen):
    torch.manual_seed(3)
    m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Conv1d(3, 2, 3),
                            torch.nn.LayerNorm(2), torch.nn.BatchNorm1d(2),
                            torch.nn.Embedding(5, 2))
    sd = m.state_dict()  # an OrderedDict with _metadata: BUILD
    save(out, "module.pt", sd)
    flatten(out, "module.pt", sd)
    p = torch.nn.Parameter(torch.randn(2, 3, generator=gen))
    save(out, "param.pt", p)  # _rebuild_parameter around the tensor
    t_row(out, "param.pt", "param", p.detach())
    t = torch.randn(3, 2, generator=gen).t()
    save(out, "lone.pt", t)  # a lone (transposed) tensor: the file stem
    t_row(out, "lone.pt", "lone", t)
    lst = [torch.ones(2), (torch.zeros(1, dtype=torch.int16), torch.eye(2))]
    save(out, "list.pt", lst)
    flatten(out, "list.pt", lst)


def gen_folder(out, gen):
    """A plain folder of archives: tensors named stem/name, a lone tensor by
    its stem."""
    d = os.path.join(out.dir, "folder")
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(9)
    x, y = np_values("float16", (2, 3), rng), np_values("uint8", (4,), rng)
    np.savez_compressed(os.path.join(d, "one.npz"), x=x, y=y)
    np_row(out, "folder", "one/x", x)
    np_row(out, "folder", "one/y", y)
    sd = {"w": torch.randn(2, 2, generator=gen), "b": [torch.ones(1)]}
    torch.save(sd, os.path.join(d, "two.pt"))
    flatten(out, "folder", {"two/w": sd["w"], "two/b": sd["b"]})
    t = torch.arange(6, dtype=torch.int32)
    torch.save(t, os.path.join(d, "three.pth"))
    t_row(out, "folder", "three", t)


def rezip_deflated(out, src, dst):
    """The same members deflated: torch never does it, other tools may."""
    with zipfile.ZipFile(os.path.join(out.dir, src)) as zin, \
            zipfile.ZipFile(os.path.join(out.dir, dst), "w",
                            zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, zin.read(info.filename))
    assert torch.load(os.path.join(out.dir, dst)) is not None
    rows = [r for r in out.manifest if r.startswith(src + "\t")]
    for r in rows:
        f = r.split("\t")
        with open(os.path.join(out.dir, f[7]), "rb") as fh:
            data = fh.read()
        out.manifest.append("\t".join([dst] + f[1:7] + [out.raw(data)]))


def gen_refused(out, gen):
    t = torch.randn(3, generator=gen)
    save(out, "legacy.pt", {"w": t}, _use_new_zipfile_serialization=False)
    out.errors.append("legacy.pt\ta PyTorch legacy (non-zip) checkpoint: "
                      "not supported; re-save it with torch.save(..., "
                      "_use_new_zipfile_serialization=True)")
    save(out, "protocol4.pt", {"w": t}, pickle_protocol=4)
    out.errors.append("protocol4.pt\tis outside the safe subset")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)),
                   os.path.join(out.dir, "scripted.pt"))
    out.errors.append("scripted.pt\ta TorchScript archive")


class Payload:
    """Unpickling this would call func(*args): a __reduce__ attack."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def replace_pickle(out, src, dst, data_pkl):
    """A real checkpoint with its data.pkl replaced."""
    with zipfile.ZipFile(os.path.join(out.dir, src)) as zin, \
            zipfile.ZipFile(os.path.join(out.dir, dst), "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                body = data_pkl
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zout.writestr(zi, body)


def first_foreign_global(pkl):
    """The first GLOBAL outside the subset, as the pickle spells it (protocol
    2 writes Python 2 names: builtins.eval is '__builtin__ eval')."""
    import pickletools
    allowed = ("collections OrderedDict", "torch._utils ", "torch ")
    for op, arg, _ in pickletools.genops(pkl):
        if op.name == "GLOBAL" and not arg.startswith(allowed):
            return arg.replace(" ", ".")
    raise AssertionError("no foreign global")


def gen_attacks(out):
    import builtins
    import subprocess
    marker = os.path.join(out.dir, "MARKER")
    cmd = "touch " + marker
    cases = [
        ("attack_os_system.pt", Payload(os.system, (cmd,)),
         "%s.system" % os.system.__module__),
        ("attack_eval.pt", Payload(builtins.eval,
                                   ("open(%r, 'w')" % marker,)),
         "builtins.eval"),
        ("attack_exec.pt", Payload(builtins.exec,
                                   ("open(%r, 'w')" % marker,)),
         "builtins.exec"),
        ("attack_popen.pt", Payload(subprocess.Popen, (["touch", marker],)),
         "subprocess.Popen"),
        ("attack_import.pt", Payload(builtins.__import__, ("os",)),
         "builtins.__import__"),
        ("attack_torch_load.pt", Payload(torch.load, (marker,)),
         "torch.serialization.load"),
    ]
    sd = collections.OrderedDict(w=torch.ones(2))
    torch.save(sd, os.path.join(out.dir, "attack_base.pt"))
    for fname, payload, glob in cases:
        # the payload inside an otherwise normal state dict
        obj = collections.OrderedDict(w=torch.ones(2), x=payload)
        buf = io.BytesIO()
        torch.save(obj, buf)
        with zipfile.ZipFile(buf) as z:
            pkl = z.read([n for n in z.namelist()
                          if n.endswith("/data.pkl")][0])
        replace_pickle(out, "attack_base.pt", fname, pkl)
        out.attacks.append("%s\t%s" % (fname, first_foreign_global(pkl)))
        assert glob.split(".")[-1] in out.attacks[-1], (glob, out.attacks)
    # the payload as the whole pickle, protocol 2, as a plain dumps makes it
    pkl = pickle.dumps(Payload(os.system, (cmd,)), protocol=2)
    replace_pickle(out, "attack_base.pt", "attack_bare.pt", pkl)
    out.attacks.append("attack_bare.pt\t%s" % first_foreign_global(pkl))
    os.unlink(os.path.join(out.dir, "attack_base.pt"))


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    out = Out(outdir)
    gen = torch.Generator().manual_seed(1234)
    gen_npz(out)
    gen_dtypes(out, gen)
    gen_views(out, gen)
    gen_nested(out, gen)
    gen_module(out, gen)
    gen_folder(out, gen)
    rezip_deflated(out, "views.pt", "views_deflated.pt")
    rezip_deflated(out, "nested.pt", "nested_deflated.pt")
    gen_refused(out, gen)
    gen_attacks(out)
    out.write()
    assert not os.path.exists(os.path.join(outdir, "MARKER"))


if __name__ == "__main__":
    main()
