#!/usr/bin/python3
"""Write the malformed sharded-safetensors corpus: tests/bad/st_index/.

usage: gen_bad_st_index.py [OUTDIR]   (default: tests/bad/st_index)

Two small valid shards (good_a, good_b), a shard that shares a tensor name
with good_a (dup_b) and a malformed one (bad_shard), then one
*.safetensors.index.json per broken rule (docs/formats.md, sharded
safetensors): shard names that leave the index's directory (the path
traversal of transformers #47176 / diffusers #14175), shards missing or
malformed, tensors missing, unlisted, listed for the wrong shard or twice,
total_size wrong, and JSON that is not an index. expected.txt lists
"<index file>\\t<substring of the error message>"; only the index files
are run (the shards are their data). The files are committed; rerun this
script only to change the corpus on purpose.
"""
import json
import os
import struct
import sys

SUFFIX = ".safetensors.index.json"


def st(tensors):
    """A safetensors file of F32 tensors [(name, [values])]."""
    header, data, off = {"__metadata__": {"format": "pt"}}, b"", 0
    for name, vals in tensors:
        raw = struct.pack("<%df" % len(vals), *vals)
        header[name] = {"dtype": "F32", "shape": [len(vals)],
                        "data_offsets": [off, off + len(raw)]}
        data += raw
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + data


SHARDS = {
    "good_a.safetensors": st([("a.w", [1.0, 2.0]), ("a.b", [3.0])]),
    "good_b.safetensors": st([("b.w", [4.0, 5.0, 6.0])]),
    "dup_b.safetensors": st([("a.w", [1.0, 2.0]), ("b.w", [4.0, 5.0, 6.0])]),
    # a header length past the end of the file
    "bad_shard.safetensors": struct.pack("<Q", 1000) + b'{"x":1}',
}

GOOD_MAP = {"a.w": "good_a.safetensors", "a.b": "good_a.safetensors",
            "b.w": "good_b.safetensors"}
TOTAL = 8 + 4 + 12


def index(weight_map=None, metadata=None, **extra):
    doc = {}
    if metadata is not None:
        doc["metadata"] = metadata
    doc["weight_map"] = GOOD_MAP if weight_map is None else weight_map
    doc.update(extra)
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def remap(**changes):
    m = dict(GOOD_MAP)
    for k, v in changes.items():
        m[k.replace("_", ".")] = v
    return m


CASES = [
    # --- shard names that leave the directory -----------------------------
    ("traversal_dotdot", index(remap(a_w="../good_a.safetensors")),
     "shard '../good_a.safetensors' is a path, not a file name"),
    ("traversal_absolute", index(remap(a_w="/etc/passwd")),
     "shard '/etc/passwd' is a path, not a file name"),
    ("traversal_subdir", index(remap(a_w="sub/good_a.safetensors")),
     "is a path, not a file name"),
    ("traversal_backslash", index(remap(a_w="..\\good_a.safetensors")),
     "is a path, not a file name"),
    ("shard_dotdot", index(remap(a_w="..")), "shard '..' is a directory"),
    ("shard_dot", index(remap(a_w=".")), "shard '.' is a directory"),
    ("shard_empty", index(remap(a_w="")), "shard '' is empty"),
    ("shard_nul", '{"weight_map": {"a.w": "good_a.safetensors\\u0000x"}}',
     "\\u0000 escape"),
    ("shard_control_char", '{"weight_map": {"a.w": "good_a.safe\\ntensors"}}',
     "is not a plain name (a control character)"),
    ("shard_name_long", index(remap(a_w="x" * 300 + ".safetensors")),
     "longer than 255 bytes"),
    # --- shards and tensors --------------------------------------------------
    ("shard_missing", index(remap(a_w="absent.safetensors")),
     "absent.safetensors: cannot open"),
    ("shard_malformed", index({"x": "bad_shard.safetensors"}),
     "bad_shard.safetensors: header: length 1000 runs past the end"),
    ("tensor_not_in_shard", index(dict(GOOD_MAP, **{"a.extra": "good_a.safetensors"})),
     "weight_map 'a.extra': not in shard 'good_a.safetensors'"),
    ("tensor_unlisted", index({"a.w": "good_a.safetensors", "b.w": "good_b.safetensors"}),
     "shard 'good_a.safetensors': tensor 'a.b' is not in weight_map"),
    ("tensor_wrong_shard", index(remap(a_b="good_b.safetensors")),
     "tensor 'a.b' is here, but weight_map names shard 'good_b.safetensors'"),
    ("tensor_in_two_shards", index({"a.w": "good_a.safetensors", "a.b": "good_a.safetensors",
                                    "b.w": "dup_b.safetensors"}),
     "shard 'dup_b.safetensors': tensor 'a.w' is here, but weight_map names shard 'good_a"),
    ("tensor_listed_twice",
     '{"weight_map": {"a.w": "good_a.safetensors", "a.b": "good_a.safetensors", '
     '"b.w": "good_b.safetensors", "a.w": "good_a.safetensors"}}',
     "weight_map 'a.w': listed twice"),
    ("total_size_wrong", index(metadata={"total_size": TOTAL + 1}),
     "total_size 25, but the shards' tensors hold 24 bytes"),
    ("total_size_negative", index(metadata={"total_size": -24}),
     "negative"),
    ("total_size_float", index(metadata={"total_size": 24.5}),
     "fractional"),
    # --- not an index ----------------------------------------------------------
    ("empty", "", "header: empty"),
    ("not_object", "[1, 2]\n", "not a JSON object"),
    ("truncated_json", index()[:40], "invalid JSON"),
    ("invalid_utf8", '{"weight_map": {"a\xff": "good_a.safetensors"}}', "invalid UTF-8"),
    ("no_weight_map", '{"metadata": {"total_size": 24}}',
     'no "weight_map"'),
    ("weight_map_array", '{"weight_map": ["good_a.safetensors"]}',
     "weight_map is an array"),
    ("weight_map_value_number", '{"weight_map": {"a.w": 1}}',
     "weight_map 'a.w': a number (expected a shard file name)"),
    ("weight_map_twice", '{"weight_map": {}, "weight_map": {}}',
     "key 'weight_map' twice"),
    ("unknown_key", index(other="x"), "unknown key 'other'"),
    ("metadata_not_object", '{"metadata": "x", "weight_map": {}}',
     "metadata is a string"),
    ("metadata_value_object", index(metadata={"total_size": TOTAL, "nested": {"a": "b"}}),
     "metadata 'nested': an object"),
    ("metadata_key_twice", '{"metadata": {"format": "pt", "format": "pt"}, "weight_map": {}}',
     "metadata 'format': key twice"),
    ("json_too_deep", '{"metadata": {"x": ' + "[" * 100 + "]" * 100 + '}, "weight_map": {}}',
     "nesting deeper than 64 levels"),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "bad", "st_index")
    os.makedirs(out, exist_ok=True)
    for name, data in SHARDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "expected.txt"), "w") as f:
        for name, text, want in CASES:
            data = text.encode("latin-1")  # ASCII, and one 0xff byte
            with open(os.path.join(out, name + SUFFIX), "wb") as g:
                g.write(data)
            f.write("%s%s\t%s\n" % (name, SUFFIX, want))


if __name__ == "__main__":
    main()
