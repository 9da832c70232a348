"""check_png.py BUILD — decode the PNGs test_png.c wrote with PIL (an
independent decoder, which also verifies every chunk CRC) and check the
documented size and the colours at documented pixel positions.

Geometry (docs/pictures.md): M = 10, G = 20; c = clamp(256 // max(H, W),
1, 24); PW = max(W*c, 150); panel p starts at x = M + p*(PW + G); cells start
at y0 = M + 28; cell (i, j) covers [x + j*c, +c) x [y0 + i*c, +c); the colour
bar starts at y = y0 + H*c + 6 (10 rows, column x of the bar shows
t = x / (PW - 1)); profiles start 36 rows below the bar, 118 rows each.
Colours: viridis from its 10 published anchors (viridisLite::viridis(10)),
ColorBrewer RdBu for the diff, grey #808080 for non-finite cells.
"""
import math
import sys

from PIL import Image

VIRIDIS = ["440154", "482878", "3E4A89", "31688E", "26828E", "1F9E89", "35B779",
           "6DCD59", "B4DE2C", "FDE725"]
RDBU = ["0571B0", "92C5DE", "F7F7F7", "F4A582", "CA0020"]
GREY = (128, 128, 128)
M, G = 10, 20
failures = []


def rgb(h):
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def lerp(anchors, u):
    c = [rgb(a) for a in anchors]
    u = min(max(u, 0.0), len(c) - 1.0)
    k = min(int(math.floor(u)), len(c) - 2)
    f = u - k
    return tuple(int(math.floor(c[k][i] + f * (c[k + 1][i] - c[k][i]) + 0.5)) for i in range(3))


def viridis(t):
    return lerp(VIRIDIS, 9 * t)


def rdbu(t):
    return lerp(RDBU, 2 * (t + 1))


def near(a, b, tol):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def expect(img, x, y, want, what, tol=1):
    got = img.getpixel((x, y))[:3]
    if not near(got, want, tol):
        failures.append(f"{what} at ({x}, {y}): got {got}, expected {want}")


def geometry(h, w, n_prof):
    c = min(max(256 // max(h, w), 1), 24)
    pw = max(w * c, 150)
    width = 2 * M + 3 * pw + 2 * G
    y0 = M + 28
    bar = y0 + h * c + 6
    prof = bar + 36
    height = prof + n_prof * 118 - 16 + M if n_prof else bar + 14 + 7 + M
    return c, pw, width, height, y0, bar


def check_cells(img, values_ref, values_port, c, pw, y0, name):
    finite = [v for v in values_ref.values() if math.isfinite(v)]
    finite += [v for v in values_port.values() if math.isfinite(v)]
    lo, hi = min(finite), max(finite)
    diffs = [values_port[k] - values_ref[k] for k in values_ref
             if math.isfinite(values_port[k] - values_ref[k])]
    lim = max(abs(d) for d in diffs)
    for (i, j), r in values_ref.items():
        p = values_port[(i, j)]
        x, y = M + j * c + c // 2, y0 + i * c + c // 2
        expect(img, x, y, viridis((r - lo) / (hi - lo)), f"{name} ref cell ({i},{j})")
        want = viridis((p - lo) / (hi - lo)) if math.isfinite(p) else GREY
        expect(img, x + pw + G, y, want, f"{name} port cell ({i},{j})")
        d = p - r
        want = rdbu(d / lim if lim else 0) if math.isfinite(d) else GREY
        expect(img, x + 2 * (pw + G), y, want, f"{name} diff cell ({i},{j})")


def check_bars(img, pw, bar, name):
    y = bar + 5
    expect(img, M, y, viridis(0), f"{name} bar start")
    expect(img, M + pw - 1, y, viridis(1), f"{name} bar end")
    # matplotlib's own viridis at t = 0.25, 0.5, 0.75 (#3b528b, #21918c,
    # #5ec962): the 10-anchor interpolation stays within 4 per channel.
    for t, h in ((0.25, "3b528b"), (0.5, "21918c"), (0.75, "5ec962")):
        x = round(t * (pw - 1))
        expect(img, M + x, y, rgb(h), f"{name} bar at t={t} vs matplotlib", tol=4)
    expect(img, M + 2 * (pw + G), y, rgb(RDBU[0]), f"{name} diff bar start")
    expect(img, M + 2 * (pw + G) + pw - 1, y, rgb(RDBU[-1]), f"{name} diff bar end")


def pattern(a, port_changes):
    ref = {(i, j): a * 100 + i * 6 + j for i in range(4) for j in range(6)}
    port = dict(ref)
    port.update(port_changes)
    return ref, port


def check(path, name, n_prof, ref, port):
    img = Image.open(path)
    img.load()
    c, pw, width, height, y0, bar = geometry(4, 6, n_prof)
    if img.size != (width, height) or img.mode != "RGB":
        failures.append(f"{name}: size {img.size} mode {img.mode}, expected ({width}, {height}) RGB")
        return
    check_cells(img, ref, port, c, pw, y0, name)
    check_bars(img, pw, bar, name)
    if n_prof:  # the profile curves are drawn in #C03020
        box = img.crop((M + 70, bar + 36, width - M, height - M))
        if (192, 48, 32) not in {px[:3] for px in box.getdata()}:
            failures.append(f"{name}: no profile curve drawn")


def main():
    build = sys.argv[1]
    ref, port = pattern(1, {(1, 2): 110.0, (3, 5): float("nan")})
    check(f"{build}/test_png_slice1.png", "slice 1", 2, ref, port)
    ref, port = pattern(0, {(2, 3): 11.0})
    check(f"{build}/test_png_default.png", "default slice", 0, ref, port)
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print("PNG checks passed: sizes, cell colours, colour bars, profiles")


main()
