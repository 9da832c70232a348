"""Bringing a reference tensor to the port's shape for inject mode.

The candidates, tried in this order like parity diff does (docs/matching.md):
  1. same shape: used as is;
  2. equal after dropping size-1 axes: a reshape (no element moves);
  3. an axis permutation of the squeezed reference that gives the squeezed
     port shape (NLC vs NCL activations, Conv1d [out,k,in] vs [out,in,k]),
     and a reshape of equal element count. When several of these fit, the
     one closest to the port's own value wins:
       relative = ||p - T(r)||_2 / ||p||_2   (float64 sums)
     so a transposed port takes a transpose, not a scrambling reshape.
A reference whose element count differs cannot be aligned: ValueError.
"""

import itertools

import numpy as np

# Permutations are tried up to this many (squeezed) axes: 7! = 5040.
MAX_PERMUTE_DIMS = 7


def _squeezed(shape):
    return tuple(d for d in shape if d != 1)


def _relative(port, cand):
    """||p - c|| / ||p||, NaN-safe enough to rank candidates."""
    p = np.asarray(port, dtype=np.float64).reshape(-1)
    c = np.asarray(cand, dtype=np.float64).reshape(-1)
    d = np.nan_to_num(p - c, nan=np.inf)
    num = float(np.sqrt(np.sum(d * d)))
    den = float(np.sqrt(np.sum(np.nan_to_num(p) ** 2)))
    return num / den if den > 0 else num


def _candidates(ref, shape):
    """(description, array of shape `shape`) for every permutation of the
    squeezed reference that fits, then the plain reshape."""
    r = ref.reshape(_squeezed(ref.shape))
    want = _squeezed(shape)
    out = []
    if r.ndim == len(want) and 1 < r.ndim <= MAX_PERMUTE_DIMS:
        for perm in itertools.permutations(range(r.ndim)):
            if perm == tuple(range(r.ndim)):
                continue
            if tuple(r.shape[a] for a in perm) == want:
                desc = "permute(%s)" % ",".join(str(a) for a in perm)
                out.append((desc, r.transpose(perm).reshape(shape)))
    out.append(("reshape %s -> %s" % (list(ref.shape), list(shape)),
                ref.reshape(shape)))
    return out


def align(stage, ref, port_value, shape):
    """(array of `shape`, layout text) from ref, the reference values.

    port_value: a function returning the port's own values (NumPy, any
    dtype), called only to choose between layouts that all fit. The layout
    text is "" when the shapes were equal."""
    shape = tuple(int(d) for d in shape)
    if tuple(ref.shape) == shape:
        return ref, ""
    if ref.size != int(np.prod(shape, dtype=np.int64)):
        raise ValueError(
            "parity inject: stage '%s': reference shape %s and port shape %s "
            "have different element counts (%d vs %d); they cannot be aligned"
            % (stage, list(ref.shape), list(shape), ref.size,
               int(np.prod(shape, dtype=np.int64))))
    if _squeezed(ref.shape) == _squeezed(shape):
        return ref.reshape(shape), "squeeze"
    cands = _candidates(ref, shape)
    if len(cands) == 1:
        return cands[0][1], cands[0][0]
    port = port_value()
    best = min(cands, key=lambda c: _relative(port, c[1]))
    return best[1], best[0]


def convert(value, dtype):
    """value (a NumPy array) in the port's dtype, as the C tracer converts:
    the same dtype is kept bit for bit; floats round to nearest, ties to
    even (NumPy's casts); integers go through float64, round to nearest,
    ties to even, and saturate to the type's range, NaN -> 0; bool is
    x != 0 (so NaN is true). NumPy's own casts would truncate and wrap
    ([1.7, -1.7, 300] as int8: [1, -1, 44] instead of [2, -2, 127])."""
    dtype = np.dtype(dtype)
    value = np.asarray(value)
    if value.dtype == dtype:
        return value
    if dtype.kind == "b":
        return np.asarray(value != 0)
    if dtype.kind not in "iu":
        return value.astype(dtype)
    info = np.iinfo(dtype)
    v = value.astype(np.float64)
    r = np.where(np.isnan(v), 0.0, np.rint(v))
    # float(info.max) is not exact for 64 bits: compare with 2^bits (2^63
    # signed) exactly, and with the exact minimum.
    over = r >= 2.0 ** (info.bits - (1 if info.min < 0 else 0))
    under = r < float(info.min)
    inside = np.where(over | under, 0.0, r).astype(dtype)
    out = np.where(over, np.array(info.max, dtype), inside)
    return np.asarray(np.where(under, np.array(info.min, dtype), out), dtype=dtype)
