#!/usr/bin/python3
"""Large and crafted inputs for the scale tests (tests/scale/) and the
listing benchmark (bench/run_scale_bench.sh). Deterministic; NumPy.

    gen_scale_fixtures.py many OUT N [ORDER]  safetensors of N one-element
                                              F32 tensors t0..t{N-1}; ORDER=1
                                              adds parity.order listing them
    gen_scale_fixtures.py npy-dir OUT N       folder of N one-element .npy
                                              files (written by np.save)
    gen_scale_fixtures.py order-file OUT N M  safetensors of N tensors whose
                                              names collide in a hash, and
                                              parity.order: M such names
    gen_scale_fixtures.py order-dir OUT N M   the same as a trace directory:
                                              one stage file, index.json order

Colliding names: FNV-1a 64 (the name hash parity once used, with its basis) of every name
has its low 21 bits zero, so they all fall in one bucket of a table of up
to 2^21 slots; the order names are absent from the set and collide too, so
each lookup in such a table walks every tensor. parity sorts names instead
(src/core/nameindex.c): these inputs must open as fast as any others.
"""
import json
import os
import struct
import sys

import numpy as np

FNV_OFFSET = 1469598103934665603  # as parity wrote it (not the standard basis)
FNV_PRIME = 1099511628211
BITS = 21
MASK = (1 << BITS) - 1
ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def fnv1a(b):
    h = FNV_OFFSET
    for c in b:
        h = ((h ^ c) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def colliding(prefix, count):
    """count names prefix + 6 digits + 4 letters, FNV-1a low BITS zero.

    The low bits of FNV-1a depend only on the low bits of its state, so
    the last four bytes c1..c4 are solved for: s2 (the state before c3) must
    be (c4 * P^-1) ^ c3, a table of 62^2 targets; each (c1, c2) then hits
    one with probability 62^2 / 2^21, about 7 hits over the 62^2 pairs."""
    p = FNV_PRIME & MASK
    pinv = pow(p, -1, 1 << BITS)
    target = np.full(1 << BITS, -1, dtype=np.int64)
    for c3 in ALPHABET:
        for c4 in ALPHABET:
            target[((c4 * pinv) & MASK) ^ c3] = (c3 << 8) | c4
    names = []
    start = 0
    while len(names) < count:
        want = count - len(names)
        heads = [b"%s%06d" % (prefix, i) for i in range(start, start + want)]
        start += want
        state = np.array([fnv1a(h) & MASK for h in heads], dtype=np.int64)
        found = np.full(len(heads), -1, dtype=np.int64)
        for c1 in ALPHABET:
            s1 = ((state ^ c1) * p) & MASK
            for c2 in ALPHABET:
                s2 = ((s1 ^ c2) * p) & MASK
                hit = target[s2]
                fill = (found < 0) & (hit >= 0)
                found[fill] = (c1 << 24) | (c2 << 16) | hit[fill]
            if (found >= 0).all():
                break
        for h, f in zip(heads, found.tolist()):
            if f >= 0:
                names.append(h + bytes([f >> 24, (f >> 16) & 255, (f >> 8) & 255, f & 255]))
    for n in names[:8]:
        assert fnv1a(n) & MASK == 0, n
    return [n.decode() for n in names[:count]]


def write_safetensors(path, names, meta=None):
    """One-element F32 tensors (value 0) under names, in that order."""
    parts = []
    if meta:
        parts.append('"__metadata__":' + json.dumps(meta, separators=(",", ":")))
    for i, n in enumerate(names):
        parts.append('%s:{"dtype":"F32","shape":[1],"data_offsets":[%d,%d]}'
                     % (json.dumps(n), 4 * i, 4 * i + 4))
    head = ("{" + ",".join(parts) + "}").encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        f.write(bytes(4 * len(names)))


def many(out, n, order=False):
    names = ["t%d" % i for i in range(n)]
    meta = {"parity.order": json.dumps(names, separators=(",", ":"))} if order else None
    write_safetensors(out, names, meta)


def npy_dir(out, n):
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        np.save(os.path.join(out, "s%d.npy" % i), np.array([i], dtype=np.float32))


def crafted_lists(n, m):
    names = colliding(b"t", n)
    absent = colliding(b"o", 64)
    order = [absent[i % len(absent)] for i in range(m)]
    return names, order


def order_file(out, n, m):
    names, order = crafted_lists(n, m)
    write_safetensors(out, names, {"parity.order": json.dumps(order, separators=(",", ":"))})


def order_dir(out, n, m):
    names, order = crafted_lists(n, m)
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "000001.safetensors"), names)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"format": "parity-trace", "version": 1, "order": order}, f,
                  separators=(",", ":"))


def main():
    cmd, out = sys.argv[1], sys.argv[2]
    nums = [int(a) for a in sys.argv[3:]]
    if cmd == "many":
        many(out, nums[0], len(nums) > 1 and nums[1] == 1)
    elif cmd == "npy-dir":
        npy_dir(out, nums[0])
    elif cmd == "order-file":
        order_file(out, nums[0], nums[1])
    elif cmd == "order-dir":
        order_dir(out, nums[0], nums[1])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
