"""check_report.py MODE REF PORT FACTS.json SCREENSHOT.png

Checks what the browser saw in a parity HTML report against numbers
computed here, independently, with NumPy from the two traces:
  every mode  the screenshot is not blank (pixel variance), every image
              decoded, the verdict counts add up to the stage rows;
              the stage table lists the stages in execution order (the
              reference's parity.order, inputs first), numbered from 1;
              the highlighted rows, their badges and the summary's links name
              the first divergence (the first stage whose relative error
              ||p - r|| / ||r|| exceeds the match tolerance 1e-4) and the
              culprit (the largest jump = relative / max(previous relative,
              1e-6), or the first member of its series jumping within x2 of
              it; docs/trace.md), both recomputed here;
              every linear chart axis ticks at round numbers (a step of 1, 2
              or 5 x 10^k, every tick a multiple of it, 0 among them when
              the axis spans it); every chart line has a contrast of at
              least 3:1 with its background, in the light and the dark
              scheme (WCAG 2 relative luminance);
  schedule    the schedule table: dt_k = <x_k - x_{k-1}, v_k> / <v_k, v_k>
              (x_0 = noise, v_k = dxdt) of both sides, to 1e-9 relative;
              the reference follows the cosine schedule
              t = 1 - cos(pi/2 * linspace(0, 1, n+1)), the port the linear
              one (dt = 1/n), to 1e-5; and the per-step error curve of
              ode.step{k}.x: relative = ||p - r|| / ||r|| per step, to 1e-9;
  norm        a per-channel profile of ode.step1.est.block1.norm (axis 1)
              whose values are mean(p - r) over the other axes, to 1e-6,
              and an explain entry for that stage.
"""
import json
import os
import re
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import safetensors_np  # noqa: E402  (the tests' own reader, tests/lib)


def load(path):
    """Tensors as float64 and the metadata of a safetensors file."""
    meta, tensors = safetensors_np.read(path)
    return {k: a.astype(np.float64) for k, a in tensors.items()}, meta


def stage_order(ref, meta, port):
    """The reference's execution order, inputs first, names on both sides."""
    order = json.loads(meta["parity.order"]) if "parity.order" in meta else sorted(ref)
    inputs = json.loads(meta.get("parity.inputs", "[]"))
    order = [n for n in order if n in inputs] + [n for n in order if n not in inputs]
    return [n for n in order if n in port]


def relative(r, p):
    nr = np.linalg.norm(r)
    return np.linalg.norm(p - r) / nr if nr else np.linalg.norm(p - r)


def series_key(a, b):
    """Do names a and b differ in exactly one run of digits?"""
    ta, tb = re.split(r"(\d+)", a), re.split(r"(\d+)", b)
    if len(ta) != len(tb):
        return False
    diff = [i for i in range(len(ta)) if ta[i] != tb[i]]
    return len(diff) == 1 and diff[0] % 2 == 1


def expected_marks(order, ref, port):
    rel = [relative(ref[n], port[n]) for n in order]
    bad = [r > 1e-4 for r in rel]
    first = next((i for i, b in enumerate(bad) if b), None)
    jumps = [rel[i] / max(rel[i - 1] if i else 0.0, 1e-6) if bad[i] else -1 for i in range(len(order))]
    top = int(np.argmax(jumps))
    members = [i for i in range(top) if bad[i] and series_key(order[i], order[top])
               and jumps[i] * 2 >= jumps[top]]
    series_size = sum(series_key(n, order[top]) for n in order) + 1
    culprit = members[0] if members and series_size >= 3 else top
    return first, culprit


def check_marks(facts, ref, port, meta):
    order = stage_order(ref, meta, port)
    if facts["stageNames"] != order:
        sys.exit(f"FAIL: stage table order {facts['stageNames'][:8]}... != execution order {order[:8]}...")
    for k, (name, row_id, shown) in enumerate(facts["stageNumbers"]):
        if (row_id, shown) != (order.index(name) + 1, order.index(name) + 1):
            sys.exit(f"FAIL: stage {name} is #{shown} (id stage-{row_id}), expected #{order.index(name) + 1}")
    first, culprit = expected_marks(order, ref, port)
    f, c = order[first], order[culprit]
    for what, got, want in (("first divergence row", facts["firstRows"], [f]),
                            ("first divergence badge", facts["firstBadge"], [f]),
                            ("culprit row", facts["culpritRows"], [c]),
                            ("culprit badge", facts["culpritBadge"], [c])):
        if got != want:
            sys.exit(f"FAIL: {what}: {got}, expected {want}")
    links = facts["verdictLinks"]
    for (text, href), name in zip(links, (f, c)):
        n = order.index(name) + 1
        if text != name or href not in (f"#card-{n}", f"#stage-{n}"):
            sys.exit(f"FAIL: summary link '{text}' -> {href}, expected {name} -> #card-{n}")
    print(f"marks: first divergence {f} (#{first + 1}), culprit {c} (#{culprit + 1})")


def check_ticks(facts):
    for t in facts["ticks"]:
        for axis in ("y", "x"):
            labels = t[axis]
            if not labels or labels[0].startswith("1e"):
                continue
            v = np.array([float(x) for x in labels])
            if len(v) < 2:
                continue
            step = v[1] - v[0]
            mant = step / 10 ** np.floor(np.log10(step))
            ok = (np.allclose(np.diff(v), step, rtol=1e-6)
                  and min(abs(mant - m) for m in (1, 2, 5, 10)) < 1e-6
                  and np.allclose(v / step, np.round(v / step), atol=1e-6)
                  and (not (v.min() < 0 < v.max()) or 0 in v))
            if not ok:
                sys.exit(f"FAIL: {t['chart']}: {axis} ticks {labels} are not round numbers")


def luminance(css):
    c = np.array([int(x) for x in re.findall(r"\d+", css)[:3]]) / 255
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def check_colours(facts):
    worst = {}
    for scheme, lines in facts["colours"].items():
        for ln in lines:
            a, b = luminance(ln["stroke"]), luminance(ln["background"])
            cr = (max(a, b) + 0.05) / (min(a, b) + 0.05)
            if cr < 3:
                sys.exit(f"FAIL: {scheme}: {ln['chart']}: line {ln['series']} {ln['stroke']} on "
                         f"{ln['background']}: contrast {cr:.2f} < 3")
            worst[scheme] = min(worst.get(scheme, 99), cr)
    print("line contrast, lowest: " + ", ".join(f"{k} {v:.2f}" for k, v in worst.items()))


def close(a, b, rtol, what):
    if not np.allclose(a, b, rtol=rtol, atol=rtol * 1e-3):
        sys.exit(f"FAIL: {what}: report {np.asarray(a)} != expected {np.asarray(b)}")


def inferred_dt(tr, n):
    x = [tr["noise"]] + [tr[f"ode.step{k}.x"] for k in range(1, n + 1)]
    dts = []
    for k in range(1, n + 1):
        v = tr[f"ode.step{k}.dxdt"].ravel()
        dts.append(np.dot((x[k] - x[k - 1]).ravel(), v) / np.dot(v, v))
    return np.array(dts)


def check_schedule(facts, ref, port):
    rows = facts["schedule"]
    n = len(rows)
    if n < 2 or facts["scheduleCharts"] != 2:
        sys.exit(f"FAIL: schedule: {n} rows and {facts['scheduleCharts']} charts")
    got = np.array([r["cells"] for r in rows])
    close(got[:, 0], inferred_dt(ref, n), 1e-9, "dt ref")
    close(got[:, 1], inferred_dt(port, n), 1e-9, "dt port")
    t = 1 - np.cos(np.pi / 2 * np.linspace(0, 1, n + 1))
    if np.max(np.abs(got[:, 0] - np.diff(t))) > 1e-5:
        sys.exit(f"FAIL: the reference dt is not the cosine schedule: {got[:, 0]}")
    if np.max(np.abs(got[:, 1] - 1.0 / n)) > 1e-5:
        sys.exit(f"FAIL: the port dt is not the linear schedule: {got[:, 1]}")
    curve = facts["series"].get("ode.step{k}.x")
    if not curve or len(curve) != n:
        sys.exit(f"FAIL: no per-step error curve for ode.step{{k}}.x: {curve}")
    for k, rel in curve:
        r, p = ref[f"ode.step{k}.x"], port[f"ode.step{k}.x"]
        close(rel, np.linalg.norm(p - r) / np.linalg.norm(r), 1e-9, f"relative of step {k}")
    print(f"schedule: {n} steps, dt and per-step error match NumPy")


def check_norm(facts, ref, port):
    name = "ode.step1.est.block1.norm"
    prof = [p for p in facts["profiles"] if p["stage"] == name and p["axis"] == 1]
    if not prof or not prof[0]["hasSvg"]:
        sys.exit(f"FAIL: no per-channel profile of {name}")
    d = port[name] - ref[name]
    want = d.mean(axis=tuple(k for k in range(d.ndim) if k != 1))
    if prof[0]["len"] != want.size:
        sys.exit(f"FAIL: profile length {prof[0]['len']} != {want.size}")
    close(np.array(prof[0]["values"]), want, 1e-6, "per-channel mean_diff")
    if name not in facts["explained"]:
        sys.exit(f"FAIL: the explain section does not cover {name}: {facts['explained']}")
    print(f"norm: per-channel profile of {want.size} channels matches NumPy")


def main():
    mode, ref_path, port_path, facts_path, shot = sys.argv[1:6]
    facts = json.load(open(facts_path))
    img = np.asarray(Image.open(shot).convert("L"), dtype=np.float64)
    if img.var() < 100:
        sys.exit(f"FAIL: the screenshot looks blank (variance {img.var():.1f})")
    if not facts["imgs"] or not all(i["ok"] for i in facts["imgs"]):
        sys.exit(f"FAIL: images missing or not decoded: {facts['imgs']}")
    if sum(facts["counts"]) != facts["stageRows"]:
        sys.exit(f"FAIL: verdict counts {facts['counts']} != {facts['stageRows']} rows")
    (ref, meta), (port, _) = load(ref_path), load(port_path)
    check_marks(facts, ref, port, meta)
    check_ticks(facts)
    check_colours(facts)
    if mode == "schedule":
        check_schedule(facts, ref, port)
    else:
        check_norm(facts, ref, port)
    print(f"{mode}: screenshot variance {img.var():.0f}, {len(facts['imgs'])} images, "
          f"{facts['stageRows']} stages, {facts['nCards']} cards")


main()
