#!/usr/bin/python3
"""Seeds for fuzz/fuzz_trace_index.c: valid trace indexes as the tracers
write them, the data-flow metadata of single-file traces, and near misses (a wrong type in each field, duplicate keys,
paths leaving the directory, deep nesting). Deterministic.

    /usr/bin/python3 tools/gen_trace_index_seeds.py fuzz/corpus/trace_index
"""
import hashlib
import json
import os
import sys


def seeds():
    base = {"format": "parity-trace", "version": 1, "order": ["a", "a#1", "b"],
            "inputs": ["a"], "files": {"a": "000001.safetensors", "a#1": "000002.safetensors",
                                        "b": "000003.safetensors"},
            "metadata": {"model": "melflow"}}
    yield json.dumps(base)
    yield json.dumps(dict(base, parents={"b": ["a", "a#1"]}, aliases={"c": "b"}))
    yield json.dumps({"format": "parity-trace", "version": 1})
    for field, bad in [("order", "a"), ("order", [1]), ("inputs", {}), ("files", []),
                       ("files", {"a": "../x"}), ("files", {"a": "/dev/zero"}),
                       ("metadata", {"k": ["v"]}), ("parents", {"b": "a"}),
                       ("aliases", {"c": 3}), ("version", 2), ("format", "other"),
                       ("extra", 1)]:
        yield json.dumps(dict(base, **{field: bad}))
    yield '{"format":"parity-trace","version":1,"order":["a"],"order":["b"]}'
    yield '{"format":"parity-trace","version":1,"metadata":{"k":"v","k":"w"}}'
    yield '{"format":"parity-trace","version":1,"order":["a\\nb"]}'
    yield '{"format":"parity-trace","version":1,"order":' + "[" * 80 + "]" * 80 + "}"
    yield '["a","b","c"]'
    # parity.parents / parity.aliases metadata of a single-file trace
    yield '{"b":["a","a#1"],"c":["b"]}'
    yield '{"c":"b","d":"a"}'
    yield '{"b":"a"}'
    yield '{"c":["b",2]}'
    yield '["a",1]'
    yield ''


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for s in seeds():
        b = s.encode()
        with open(os.path.join(out, hashlib.sha1(b).hexdigest()), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
