#!/usr/bin/env python3
"""Malformed parts for parity merge (tests/bad/merge/): each is a real part
written by `parity diff --slice 0/1` (one part is the whole run) on the CLI
fixtures, with one thing broken, so the merge must refuse it with one line
naming the file (tests/bad/run_bad.sh runs `parity merge FILE` on this
folder). The good part is committed too (good.json), to show the cases
break only what they say.

With --seeds, writes instead the seed corpus of fuzz/fuzz_merge.c: whole
reports and one-part runs of every pair kind (float with --axis
profiles, int, sequence, overlap, irreconcilable shapes, unpaired).

Usage: gen_bad_merge.py PARITY OUTDIR            (tests/bad/merge)
       gen_bad_merge.py --seeds PARITY OUTDIR    (fuzz/corpus/merge)
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "cli", "data")


def part(parity, *args):
    return subprocess.run([parity, "diff", *args, "--slice", "0/1"], cwd=DATA,
                          capture_output=True, check=True).stdout


def sub(b, pattern, repl, count=1):
    out, n = re.subn(pattern.encode(), repl.encode(), b, count=count)
    assert n, pattern
    return out


def seeds(parity, out):
    os.makedirs(out, exist_ok=True)
    runs = {
        "mel_axis": ["mel_ref.safetensors", "mel_port.safetensors", "--axis", "1", "--axis", "2"],
        "dirs": ["python", "swift"],
        "ints": ["edge/ints_ref.npy", "edge/ints_port.npy"],
        "rank": ["edge/rank_ref.safetensors", "edge/rank_port.safetensors", "--axis", "2"],
    }
    for name, args in runs.items():
        with open(os.path.join(out, f"part_{name}.json"), "wb") as f:
            f.write(part(parity, *args))
        whole = subprocess.run([parity, "diff", *args, "--format", "json"], cwd=DATA,
                               capture_output=True).stdout
        with open(os.path.join(out, f"report_{name}.json"), "wb") as f:
            f.write(whole)


def main():
    if sys.argv[1] == "--seeds":
        return seeds(os.path.abspath(sys.argv[2]), sys.argv[3])
    parity, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    good = part(parity, "mel_ref.safetensors", "mel_port.safetensors", "--axis", "1")
    ints = part(parity, "edge/ints_ref.npy", "edge/ints_port.npy")
    lines = good.split(b"\n")
    cases = {
        "good.json": None,
        "empty.json": (b"", "empty"),
        "truncated.json": (good[:len(good) // 2], "newline"),
        "no_final_newline.json": (good[:-1], "newline"),
        "header_not_json.json": (b"{\"parity\":\"diff-part\",\n" + b"\n".join(lines[1:]), "header"),
        "not_a_part.json": (sub(good, '"parity":"diff-part"', '"parity":"weights"'), "parity"),
        "tensor_not_json.json": (sub(good, r'\n\{"index":1,', '\n{"index":1,,'), "line 3"),
        "index_out_of_order.json": (sub(good, '"index":1,', '"index":0,'), "index"),
        "index_past_end.json": (sub(good, '"index":2,', '"index":9,'), "index"),
        "range_gap.json": (sub(good, '"index":1,"name":"flow.mu","whole":true',
                               '"index":1,"name":"flow.mu","range":[0,100]'), "flow.mu"),
        "state_missing.json": (sub(good, r',"state":\{"kind":"float"', ',"xstate":{"kind":"float"'), "state"),
        "xsum_fraction.json": (sub(good, r'"sum":"-?0x[0-9a-f]+p-?[0-9]+"', '"sum":"0x1.8p3"'), "sum"),
        "xsum_even.json": (sub(good, r'"sum":"-?0x[0-9a-f]+p-?[0-9]+"', '"sum":"0x2p0"'), "sum"),
        "xsum_huge_exponent.json": (sub(good, r'"sum":"-?0x[0-9a-f]+p-?[0-9]+"', '"sum":"0x1p99999"'), "sum"),
        "count_negative.json": (sub(good, '"n_finite":4000', '"n_finite":-4000'), "n_finite"),
        "count_string.json": (sub(good, '"n_zero":0', '"n_zero":"0"'), "n_zero"),
        "min_string.json": (sub(good, r'"min":-?[0-9][0-9.e+-]*', '"min":"small"'), "min"),
        "kind_unknown.json": (sub(good, '"kind":"float"', '"kind":"complex"'), "kind"),
        "prof_short.json": (sub(good, r'"n":\[50,', '"n":['), "prof"),
        "ints_value_text.json": (sub(ints, r'"win_ref":\["', '"win_ref":["x'), "win_ref"),
        "isum_float.json": (sub(ints, r'"isum":"-?[0-9]+"', '"isum":"1.5"'), "isum"),
        "isum_too_long.json": (sub(ints, r'"isum":"-?[0-9]+"', '"isum":"' + "9" * 39 + '"'), "isum"),
        "slice_k_past_n.json": (sub(good, '"k":0,"n":1', '"k":1,"n":1'), "slice"),
        "deep.json": (sub(good, '"layout":""', '"layout":' + "[" * 5000 + "]" * 5000), "line 2"),
        "places_one.json": (sub(good, r'"places":\[(\{[^}]*\}|null),', '"places":['), "places"),
        "places_strides.json": (sub(good, r'"strides":\[[0-9]+,', '"strides":['), "strides"),
        "places_offset.json": (sub(good, r'"offset":0', '"offset":-1'), "offset"),
    }
    expected = []
    for name, case in cases.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(good if case is None else case[0])
        if case is not None:
            expected.append(f"{name}\t{case[1]}")
    with open(os.path.join(out, "expected.txt"), "w") as f:
        f.write("\n".join(expected) + "\n")


if __name__ == "__main__":
    main()
