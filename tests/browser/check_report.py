"""check_report.py MODE REF PORT FACTS.json SCREENSHOT.png

Checks what the browser saw in a parity HTML report against numbers
computed here, independently, with NumPy from the two traces:
  every mode  the screenshot is not blank (pixel variance), every image
              decoded, the verdict counts add up to the stage rows;
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
import struct
import sys

import numpy as np
from PIL import Image

DT = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in head.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=DT[t["dtype"]]).reshape(t["shape"])
        out[name] = arr.astype(np.float64)
    return out


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
    ref, port = load(ref_path), load(port_path)
    if mode == "schedule":
        check_schedule(facts, ref, port)
    else:
        check_norm(facts, ref, port)
    print(f"{mode}: screenshot variance {img.var():.0f}, {len(facts['imgs'])} images, "
          f"{facts['stageRows']} stages")


main()
