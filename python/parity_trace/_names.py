"""Stage names as parity matches them (docs/matching.md), for inject mode.

normalize() is parity_name_normalize of src/analysis/names.c restated:
ASCII letters lowercased, a camelCase boundary ("aB", "1B", and the last
capital of an acronym before a lower-case letter: "HTTPServer") becomes a
separator, and every run of the separators . / : - _ becomes one ".", so
"decoder.finalProj" and "decoder/final_proj" are one name. Inject looks a
stage up by its exact name first, then by its normalized name (the first
reference stage, in execution order, that normalizes the same), as parity
diff pairs them; tests/tracer/names_table.json holds the pairs both the C
and the Python tracer are tested against.
"""

_SEPARATORS = "./:-_"


def _upper(c):
    return "A" <= c <= "Z"


def _camel_boundary(name, i):
    if i == 0 or not _upper(name[i]):
        return False
    prev = name[i - 1]
    if "a" <= prev <= "z" or "0" <= prev <= "9":
        return True
    return _upper(prev) and i + 1 < len(name) and "a" <= name[i + 1] <= "z"


def normalize(name):
    out, pending = [], False
    for i, c in enumerate(name):
        if c in _SEPARATORS or _camel_boundary(name, i):
            pending = True
        if c in _SEPARATORS:
            continue
        if pending:
            out.append(".")
        pending = False
        out.append(c.lower() if _upper(c) else c)
    if pending:
        out.append(".")
    return "".join(out)


def lookup(trace, name):
    """The name of the reference stage matching name in trace, or None."""
    if name in trace:
        return name
    index = getattr(trace, "_normalized", None)
    if index is None:
        index = {}
        for n in trace.order:
            index.setdefault(normalize(n), n)
        trace._normalized = index
    return index.get(normalize(name))
