"""check_png.py gen|check BUILD — the data of tests/unit/test_png.c and the
independent check of the PNGs it draws.

  gen    writes the cases below as .npy pairs BUILD/png_<case>_{ref,port}.npy
         (NumPy, fixed seeds); test_png.c plots them to BUILD/png_<case>.png.
  check  decodes each PNG with PIL (which also verifies every chunk CRC) and
         checks, against NumPy computations made here:
         - the documented size (geometry of docs/pictures.md);
         - the colour of every cell of the three panels: each cell is the
           block of rs x cs elements, rs = ceil(H/256), cs = ceil(W/256);
           ref and port show the block mean, diff the signed d of largest
           |d| (first in row-major order), grey #808080 when any element of
           the block is non-finite;
         - the colour scales over the whole slice, read from the PNG's tEXt
           chunks: value_range = (min, max) of the finite values of both
           sides, diff_limit = max |port - ref|, equal to NumPy's bit for bit;
         - the colour-bar ends and viridis at t = 1/4, 1/2, 3/4 against
           matplotlib's table; the profile curve; the index tick labels;
         - that a single shifted row or column shows as a full line of
           saturated cells in the diff panel (the defects of the big cases).

Geometry: M = 10, G = 20; Hs x Ws cells; ch = clamp(256 // Hs, 1, 24),
cw = clamp(256 // Ws, 1, 24); PW = max(Ws*cw, 150); LW = width of the text
of H - 1 (6 px per character, less 1) + 6; panel p starts at
x = M + LW + p*(PW + G); cells start at y0 = M + 28; the colour bar at
y0 + Hs*ch + 18 (10 rows; column x shows t = x/(PW - 1)); profiles start 36
rows below the bar, 130 rows apart, 115 rows each.
"""
import math
import sys

import numpy as np
from PIL import Image

VIRIDIS = ["440154", "482878", "3E4A89", "31688E", "26828E", "1F9E89", "35B779",
           "6DCD59", "B4DE2C", "FDE725"]
RDBU = ["0571B0", "92C5DE", "F7F7F7", "F4A582", "CA0020"]
GREY = np.array([128, 128, 128])
INK = (0x20, 0x20, 0x20)
M, G = 10, 20
failures = []

# name: (slice as test_png.c passes it, profiles drawn)
CASES = {
    "pattern1": ("-1,:,:", 2),
    "pattern0": (None, 0),
    "rows600": (None, 0),
    "mel": (None, 2),
    "strided": (":,:,1", 0),
}


def gen(build):
    """The tensors: ref and port of each case, C order."""
    a, i, j = np.meshgrid(np.arange(2), np.arange(4), np.arange(6), indexing="ij")
    ref = (a * 100 + i * 6 + j).astype(np.float64)
    port = ref.copy()
    port[1, 1, 2] += 2           # slice 1, cell (1, 2): 108 -> 110
    port[1, 3, 5] = np.nan       # slice 1, cell (3, 5): non-finite
    port[0, 2, 3] -= 4           # slice 0, cell (2, 3): 15 -> 11
    pairs = {"pattern1": (ref, port), "pattern0": (ref, port)}
    rng = np.random.default_rng(6)
    ref = rng.standard_normal((600, 600)).astype(np.float32)
    port = ref.copy()
    port[301, :] += 5            # one row up, one column down: 3x3 blocks
    port[:, 100] -= 5
    pairs["rows600"] = (ref, port)
    ref = (rng.standard_normal((1, 80, 1000)) * 2 - 5).astype(np.float32)
    port = ref.copy()
    port[0, 37, :] += 3          # one mel bin too bright
    port[0, :, 501] -= 2         # one frame too dark
    pairs["mel"] = (ref, port)
    ref = rng.standard_normal((300, 270, 2)).astype(np.float32)
    port = ref.copy()
    port[:, 200, 1] += 4         # a column of the drawn slice (axis 2 = 1)
    port[7, :, 0] += 9           # outside the slice: must not show
    port[150, 10, 1] = np.nan
    pairs["strided"] = (ref, port)
    for name, (r, p) in pairs.items():
        np.save(f"{build}/png_{name}_ref.npy", r)
        np.save(f"{build}/png_{name}_port.npy", p)


def take_slice(a, spec):
    if spec is None:
        return a.reshape(-1, *a.shape[-2:])[0] if a.ndim > 2 else a
    idx = tuple(slice(None) if e == ":" else int(e) for e in spec.split(","))
    return a[idx]


def rgb(h):
    return np.array([int(h[k:k + 2], 16) for k in (0, 2, 4)], dtype=np.float64)


def lerp(anchors, u):
    """Piecewise-linear anchors at u in [0, n-1], rounded (u: any array)."""
    c = np.array([rgb(a) for a in anchors])
    u = np.clip(np.asarray(u, dtype=np.float64), 0, len(c) - 1)
    k = np.minimum(np.floor(u).astype(int), len(c) - 2)
    f = (u - k)[..., None]
    return np.floor(c[k] + f * (c[k + 1] - c[k]) + 0.5)


def viridis(t):
    return lerp(VIRIDIS, 9 * np.asarray(t))


def rdbu(t):
    return lerp(RDBU, 2 * (np.asarray(t) + 1))


def blocks(x, rs, cs, fill):
    """x [H, W] -> [Hs, Ws, rs*cs], padded with fill."""
    h, w = x.shape
    hs, ws = -(-h // rs), -(-w // cs)
    pad = np.full((hs * rs, ws * cs), fill, dtype=np.float64)
    pad[:h, :w] = x
    return pad.reshape(hs, rs, ws, cs).transpose(0, 2, 1, 3).reshape(hs, ws, rs * cs)


def expected_cells(r, p, rs, cs):
    """Block means of both sides and the signed d of largest |d|."""
    counts = blocks(np.ones_like(r, dtype=np.float64), rs, cs, 0).sum(axis=2)
    bad_r = blocks(~np.isfinite(r), rs, cs, 0).any(axis=2)
    bad_p = blocks(~np.isfinite(p), rs, cs, 0).any(axis=2)
    mr = np.where(bad_r, np.nan, blocks(np.where(np.isfinite(r), r, 0), rs, cs, 0).sum(axis=2) / counts)
    mp = np.where(bad_p, np.nan, blocks(np.where(np.isfinite(p), p, 0), rs, cs, 0).sum(axis=2) / counts)
    d = p - r
    db = blocks(np.where(np.isfinite(d), d, 0), rs, cs, 0)
    pick = np.take_along_axis(db, np.abs(db).argmax(axis=2)[..., None], axis=2)[..., 0]
    md = np.where(bad_r | bad_p, np.nan, pick)
    return mr, mp, md


def geometry(h, w, n_prof):
    rs = -(-h // 256) if h > 256 else 1
    cs = -(-w // 256) if w > 256 else 1
    hs, ws = -(-h // rs), -(-w // cs)
    ch, cw = min(max(256 // hs, 1), 24), min(max(256 // ws, 1), 24)
    pw = max(ws * cw, 150)
    lw = 6 * len(str(max(h - 1, 0))) - 1 + 6
    width = 2 * M + lw + 3 * pw + 2 * G
    y0 = M + 28
    bar = y0 + hs * ch + 18
    prof = bar + 36
    height = M + (prof + (n_prof - 1) * 130 + 115 if n_prof else bar + 22)
    return dict(rs=rs, cs=cs, hs=hs, ws=ws, ch=ch, cw=cw, pw=pw, lw=lw, width=width,
                height=height, y0=y0, bar=bar, prof=prof)


def fail(msg):
    failures.append(msg)


def check_panel(px, g, x0, want, what):
    """Every cell centre of one panel against want [Hs, Ws, 3]."""
    ys = g["y0"] + np.arange(g["hs"]) * g["ch"] + g["ch"] // 2
    xs = x0 + np.arange(g["ws"]) * g["cw"] + g["cw"] // 2
    got = px[np.ix_(ys, xs)].astype(np.float64)
    bad = np.abs(got - want).max(axis=2) > 1
    if bad.any():
        i, j = np.argwhere(bad)[0]
        fail(f"{what}: {bad.sum()} of {bad.size} cells differ; first cell ({i},{j}) "
             f"got {got[i, j]}, expected {want[i, j]}")


def colour_values(m, lo, hi):
    t = (m - lo) / (hi - lo) if hi > lo else np.full(m.shape, 0.5)
    return np.where(np.isnan(m)[..., None], GREY, viridis(np.nan_to_num(t)))


def check_scales(img, r, p, name):
    fin = np.concatenate([r[np.isfinite(r)], p[np.isfinite(p)]]).astype(np.float64)
    d = p.astype(np.float64) - r.astype(np.float64)
    lo, hi, lim = fin.min(), fin.max(), np.abs(d[np.isfinite(d)]).max()
    try:
        got_lo, got_hi = map(float, img.text["parity.value_range"].split())
        got_lim = float(img.text["parity.diff_limit"])
    except (KeyError, ValueError) as e:
        fail(f"{name}: no colour scale in the PNG text chunks ({e}): {img.text}")
        return lo, hi, lim
    if (got_lo, got_hi, got_lim) != (lo, hi, lim):
        fail(f"{name}: scales ({got_lo!r}, {got_hi!r}, {got_lim!r}) != NumPy "
             f"({lo!r}, {hi!r}, {lim!r})")
    return lo, hi, lim


def check_bars(px, g, name):
    y = g["bar"] + 5
    x0 = M + g["lw"]
    want = {x0: viridis(0), x0 + g["pw"] - 1: viridis(1),
            x0 + 2 * (g["pw"] + G): rgb(RDBU[0]), x0 + 2 * (g["pw"] + G) + g["pw"] - 1: rgb(RDBU[-1])}
    # matplotlib's own viridis at t = 0.25, 0.5, 0.75 (#3b528b, #21918c,
    # #5ec962): the 10-anchor interpolation stays within 4 per channel.
    for t, h in ((0.25, "3b528b"), (0.5, "21918c"), (0.75, "5ec962")):
        x = x0 + round(t * (g["pw"] - 1))
        if np.abs(px[y, x] - rgb(h)).max() > 4:
            fail(f"{name}: bar at t={t}: {px[y, x]} vs matplotlib #{h}")
    for x, w in want.items():
        if np.abs(px[y, x] - w).max() > 1:
            fail(f"{name}: colour bar at x={x}: {px[y, x]}, expected {w}")


def check_ticks(px, g, name):
    """Ink left of panel 0 (row labels) and under it (column labels)."""
    x0 = M + g["lw"]
    rows = px[g["y0"]:g["y0"] + g["hs"] * g["ch"], M:x0 - 4]
    cols = px[g["y0"] + g["hs"] * g["ch"] + 5:g["bar"] - 4, x0:x0 + g["pw"]]
    for what, box in (("row", rows), ("column", cols)):
        if not (box == INK).all(axis=2).any():
            fail(f"{name}: no {what} index labels")


def check_line(px, g, panel, axis, at, colour, skip, name):
    """Cells [at] along axis (0: a row of cells, 1: a column) of the diff
    panel all show colour, but the one crossing at skip."""
    x0 = M + g["lw"] + panel * (g["pw"] + G)
    n = g["ws"] if axis == 0 else g["hs"]
    for k in range(n):
        if k == skip:
            continue
        i, j = (at, k) if axis == 0 else (k, at)
        y = g["y0"] + i * g["ch"] + g["ch"] // 2
        x = x0 + j * g["cw"] + g["cw"] // 2
        if np.abs(px[y, x] - colour).max() > 1:
            fail(f"{name}: cell ({i},{j}) of the shifted {'row' if axis == 0 else 'column'} "
                 f"shows {px[y, x]}, expected {colour}")
            return


def check_case(build, name):
    spec, n_prof = CASES[name]
    r = take_slice(np.load(f"{build}/png_{name}_ref.npy"), spec)
    p = take_slice(np.load(f"{build}/png_{name}_port.npy"), spec)
    if r.ndim == 1:
        r, p = r[None, :], p[None, :]
    img = Image.open(f"{build}/png_{name}.png")
    img.load()
    g = geometry(r.shape[0], r.shape[1], n_prof)
    if img.size != (g["width"], g["height"]) or img.mode != "RGB":
        fail(f"{name}: size {img.size} mode {img.mode}, expected ({g['width']}, {g['height']}) RGB")
        return None
    px = np.asarray(img).astype(np.float64)
    lo, hi, lim = check_scales(img, r, p, name)
    mr, mp, md = expected_cells(r.astype(np.float64), p.astype(np.float64), g["rs"], g["cs"])
    x0 = M + g["lw"]
    check_panel(px, g, x0, colour_values(mr, lo, hi), f"{name} ref")
    check_panel(px, g, x0 + g["pw"] + G, colour_values(mp, lo, hi), f"{name} port")
    want = np.where(np.isnan(md)[..., None], GREY, rdbu(np.nan_to_num(md / lim if lim else md * 0)))
    check_panel(px, g, x0 + 2 * (g["pw"] + G), want, f"{name} diff")
    check_bars(px, g, name)
    check_ticks(px, g, name)
    if n_prof:  # the profile curves are drawn in #C03020
        box = img.crop((M + 70, g["prof"], g["width"] - M, g["height"] - M))
        if (192, 48, 32) not in {q[:3] for q in box.getdata()}:
            fail(f"{name}: no profile curve drawn")
    return g, px


def main():
    mode, build = sys.argv[1:3]
    if mode == "gen":
        gen(build)
        return
    for name in CASES:
        got = check_case(build, name)
        if not got:
            continue
        g, px = got
        red, blue = rgb(RDBU[-1]), rgb(RDBU[0])
        if name == "rows600":   # row 301 -> cell row 100, column 100 -> cell column 33
            check_line(px, g, 2, 0, 301 // 3, red, 100 // 3, name)
            check_line(px, g, 2, 1, 100 // 3, blue, 301 // 3, name)
        if name == "mel":       # every mel bin kept: row 37 is cell row 37
            if g["rs"] != 1 or g["hs"] != 80:
                fail(f"mel: {g['hs']} cell rows of {g['rs']} bins, expected 80 of 1")
            check_line(px, g, 2, 0, 37, red, 501 // 4, name)
        if name == "strided":   # column 200 -> cell column 100, saturated: the
            check_line(px, g, 2, 1, 200 // 2, red, -1, name)  # +9 off the slice is not L
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print(f"PNG checks passed: {len(CASES)} cases; sizes, every cell, scales, bars, ticks")


main()
