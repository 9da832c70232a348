#!/usr/bin/python3
"""check_layers.py — the architecture, checked from the object files.

From the symbols each object of libparity defines and uses (nm), build the
file-level dependency graph of src/ and fail when:
  - a file depends on a file of a higher layer, or on a sibling layer:
        core (0)  <  formats (1)  <  analysis (2)  <  render (3), tracer (3)
    (render and tracer are siblings: neither may use the other);
  - two or more files depend on each other, directly or around a cycle;
  - the library exports a symbol without the parity_ prefix (internal ones
    are parity__, public ones parity_);
  - a cli/ object uses an internal (parity__) symbol: the command line sees
    only include/parity.h.

Usage: tools/check_layers.py LIBOBJDIR [CLIOBJDIR]
  LIBOBJDIR  where the library's objects are (build/CMakeFiles/parity_obj.dir);
             each object's path below it names its source (src/core/set.c.o)
  CLIOBJDIR  the command line's objects (build/CMakeFiles/parity_cli.dir)
Prints one line per violation and exits 1, or prints a summary and exits 0.
"""
import os
import subprocess
import sys

LAYERS = {"core": 0, "formats": 1, "analysis": 2, "render": 3, "tracer": 3}


def objects(top):
    for d, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith(".o"):
                yield os.path.join(d, f)


def source_of(path, top):
    """'src/core/set.c' from TOP/src/core/set.c.o."""
    rel = os.path.relpath(path, top)
    return rel[:-2] if rel.endswith(".o") else rel


def symbols(path):
    """(defined, used) symbol names of one object."""
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDRBCVW":
            defined.add(parts[2])
        elif len(parts) == 3 and parts[1] in "tdrb":
            continue  # file-local
        elif len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
    return defined, used


def layer_of(src):
    parts = src.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "src" else None


def cycles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[0])
        return 2
    top = sys.argv[1]
    defs, uses, owner = {}, {}, {}
    for o in objects(top):
        src = source_of(o, top)
        d, u = symbols(o)
        defs[src], uses[src] = d, u
        for s in d:
            owner[s] = src
    bad = []
    graph = {}
    for src, used in uses.items():
        for s in sorted(used):
            dst = owner.get(s)
            if dst is None or dst == src:
                continue
            graph.setdefault(src, set()).add(dst)
    for src in sorted(graph):
        a = layer_of(src)
        for dst in sorted(graph[src]):
            b = layer_of(dst)
            if a is None or b is None:
                continue
            if LAYERS[b] > LAYERS[a] or (LAYERS[b] == LAYERS[a] and a != b):
                why = ", ".join(sorted(s for s in uses[src] if owner.get(s) == dst))
                bad.append(f"layer: {src} ({a}) uses {dst} ({b}): {why}")
    for comp in cycles(graph):
        bad.append("cycle: " + " <-> ".join(comp))
    for src in sorted(defs):
        for s in sorted(defs[src]):
            if not s.startswith("parity_"):
                bad.append(f"export: {src} exports '{s}' (expected a parity_ or parity__ name)")
    n_cli = 0
    if len(sys.argv) > 2:
        cdefs, cuses, cowner = {}, {}, {}
        for o in objects(sys.argv[2]):
            n_cli += 1
            src = source_of(o, sys.argv[2])
            cdefs[src], cuses[src] = symbols(o)
            for s in cdefs[src]:
                cowner[s] = src
            for s in sorted(cuses[src]):
                if s.startswith("parity__"):
                    bad.append(f"cli: {src} uses the internal '{s}'")
        cgraph = {}
        for src, used in cuses.items():
            for s in used:
                dst = cowner.get(s)
                if dst and dst != src:
                    cgraph.setdefault(src, set()).add(dst)
        for comp in cycles(cgraph):
            bad.append("cycle: " + " <-> ".join(comp))
    for line in bad:
        print(line)
    if bad:
        print(f"check_layers: {len(bad)} violation(s)")
        return 1
    edges = sum(len(v) for v in graph.values())
    print(f"check_layers: {len(defs)} library files, {edges} dependencies, "
          f"{n_cli} cli files: no cycle, no arrow against the layers, "
          f"every export prefixed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
