#!/usr/bin/python3
"""Write the malformed trace-directory corpus: tests/bad/trace_dir/.

usage: gen_bad_trace_dir.py [OUTDIR]   (default: tests/bad/trace_dir)

One directory per broken rule of a trace directory's index.json
(docs/trace.md, "Directory layout"): the format and version of another
writer, a metadata value of the wrong type, "files" entries that leave the
directory (absolute, "..", /dev/zero), name a file that is gone or a file
that holds another stage, and a stage listed twice. Each directory holds two
valid stage files, s1 and s2, as the C tracer writes them. expected.txt lists
"<directory>\\t<substring of the error message>". What git cannot hold (an
index.json that is a directory, a FIFO or a link to /dev/zero, a stage file
that links out of the directory) is made by tests/bad/run_bad.sh itself.
The files are committed; rerun this script only to change the corpus.
"""
import json
import os
import shutil
import struct
import sys


def st(name, vals):
    """A one-tensor F32 safetensors file, as a stage file of the tracer."""
    raw = struct.pack("<%df" % len(vals), *vals)
    header = {name: {"dtype": "F32", "shape": [len(vals)], "data_offsets": [0, len(raw)]}}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + raw


STAGES = {"000001.safetensors": st("s1", [1.0, 2.0]),
          "000002.safetensors": st("s2", [3.0, 4.0])}
FILES = {"s1": "000001.safetensors", "s2": "000002.safetensors"}


def index(**fields):
    doc = {"format": "parity-trace", "version": 1, "order": ["s1", "s2"],
           "files": dict(FILES)}
    doc.update(fields)
    return json.dumps(doc) + "\n"


CASES = [
    # (directory, index.json text, stage files to leave out, expected)
    ("other_format", json.dumps({"format": "safetensors-index", "version": 1}), (),
     "field 'format': expected \"parity-trace\" (not a parity trace index)"),
    ("sharded_index", json.dumps({"metadata": {"total_size": 16},
                                  "weight_map": {"s1": "000001.safetensors"}}), (),
     "field 'format': expected \"parity-trace\""),
    ("version_2", index(version=2), (), "field 'version': expected 1"),
    ("version_string", index(version="1"), (), "field 'version': expected 1"),
    ("metadata_array", index(metadata={"device": ["cpu"]}), (),
     "metadata 'device': expected a string value"),
    ("metadata_not_object", index(metadata=["device"]), (),
     "field 'metadata': expected an object"),
    ("order_not_array", index(order="s1,s2"), (),
     "field 'order': expected an array of names"),
    ("order_number", index(order=["s1", 2]), (),
     "field 'order': item 1: expected a string (a stage name)"),
    ("files_absolute", index(files={"s1": "/etc/passwd", "s2": FILES["s2"]}), (),
     "files 's1': expected a file name in the trace directory (no '/')"),
    ("files_dotdot", index(files={"s1": "../files_absolute/000001.safetensors",
                                  "s2": FILES["s2"]}), (),
     "files 's1': expected a file name in the trace directory (no '/')"),
    ("files_parent", index(files={"s1": "..", "s2": FILES["s2"]}), (),
     "files 's1': expected a file name in the trace directory (no '/')"),
    ("files_dev_zero", index(files={"s1": "/dev/zero", "s2": FILES["s2"]}), (),
     "files 's1': expected a file name in the trace directory (no '/')"),
    ("files_number", index(files={"s1": 1, "s2": FILES["s2"]}), (),
     "files 's1': expected a file name in the trace directory"),
    ("file_gone", index(), ("000002.safetensors",),
     "stage 's2': '000002.safetensors' is not a tensor file of the trace directory"),
    ("file_never_written", index(files={"s1": FILES["s1"], "s2": FILES["s2"],
                                        "s3": "000003.safetensors"},
                                 order=["s1", "s2", "s3"]), (),
     "stage 's3': '000003.safetensors' is not a tensor file of the trace directory"),
    ("file_of_another_stage", index(files={"s1": FILES["s2"], "s2": FILES["s1"]}), (),
     "stage 's1': '000002.safetensors' holds no tensor of that name"),
    ("file_twice", index(files={"s1": FILES["s1"], "s2": FILES["s1"]}), (),
     "stage 's2': '000001.safetensors' holds no tensor of that name"),
    ("stage_name_newline", index(files={"s1": FILES["s1"], "s2\n": FILES["s2"]}), (),
     "stage 's2\\n': '000002.safetensors' holds no tensor of that name"),
    ("files_key_twice", index().replace('"files": {', '"files": {"s1": "000001.safetensors", '),
     (), "files: duplicate key 's1'"),
    ("not_json", "{\"format\": \"parity-trace\",", (), "index.json"),
    ("empty_index", "", (), "index.json"),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "bad",
                                                               "trace_dir")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    lines = []
    for name, text, leave_out, want in CASES:
        d = os.path.join(out, name)
        os.makedirs(d)
        for f, data in STAGES.items():
            if f not in leave_out:
                with open(os.path.join(d, f), "wb") as fh:
                    fh.write(data)
        with open(os.path.join(d, "index.json"), "w") as fh:
            fh.write(text)
        lines.append("%s\t%s" % (name, want))
    with open(os.path.join(out, "expected.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
