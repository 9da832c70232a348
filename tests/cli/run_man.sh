#!/usr/bin/env bash
# run_man.sh — the man page (docs/parity.1) says what the command does: its
# version is `parity --version`'s; every verb of `parity --help` has a
# SYNOPSIS line and a VERBS entry, and no other verb has one; every option
# that some `parity VERB --help` lists has an OPTIONS entry (its long name
# and letter) whose "Verbs:" line names exactly the verbs whose help lists
# it, and no other option has one. Exit 77 (skipped) without python3.
set -u
src="${PARITY_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
PARITY=${PARITY:-$src/build/parity}
py="${PARITY_PYTHON:-/usr/bin/python3}"
command -v "$py" >/dev/null || { echo "skipped: no python3" >&2; exit 77; }
exec "$py" - "$PARITY" "$src/docs/parity.1" <<'PY'
import re, shlex, subprocess, sys

parity, page = sys.argv[1], sys.argv[2]
bad = []

def run(*args):
    return subprocess.run([parity, *args], capture_output=True, text=True, check=True).stdout

def plain(troff):
    """A troff line as text: font escapes gone, \\- as -, and a font macro's
    arguments joined as it prints them (.BR, .BI ...: alternating fonts,
    no space between; .B, .I: one space)."""
    t = re.sub(r"\\f[BIRP]", "", troff).replace("\\-", "-")
    m = re.match(r"^\.([A-Z]+)\s*(.*)$", t)
    if not m:
        return t.strip()
    args = shlex.split(m.group(2))
    return ("" if len(m.group(1)) == 2 else " ").join(args).strip()

lines = open(page, encoding="utf-8").read().splitlines()
sections, cur = {}, None
for ln in lines:
    m = re.match(r'^\.SH\s+"?([^"]+)"?$', ln)
    if m:
        cur = m.group(1)
        sections[cur] = []
    elif cur:
        sections[cur].append(ln)

# version
version = run("--version").split()[-1]
th = next((ln for ln in lines if ln.startswith(".TH")), "")
if f'"parity {version}"' not in th:
    bad.append(f"version: .TH says {th!r}, parity --version says {version}")

# verbs
verbs = re.findall(r"^  parity ([a-z]+) ", run("--help"), re.M)
page_verbs, after_tp = [], False
for ln in sections.get("VERBS", []):
    if after_tp:
        page_verbs.append(plain(ln).split()[0])
    after_tp = ln == ".TP"
synopsis = [plain(ln).split()[1] for ln in sections.get("SYNOPSIS", [])
            if re.match(r"^\.B parity [a-z]+$", ln)]
for name, got in (("VERBS", page_verbs), ("SYNOPSIS", synopsis)):
    if got != verbs:
        bad.append(f"verbs: {name} lists {got}, parity --help {verbs}")

# options: which verbs list each in their help
takes, letters = {}, {}
for v in verbs:
    for ln in run(v, "--help").splitlines():
        m = re.match(r"^  (?:-(\w), )?--([\w-]+)", ln)
        if m:
            takes.setdefault(m.group(2), []).append(v)
            letters[m.group(2)] = m.group(1)
entries, body = {}, sections.get("OPTIONS", [])
for i, ln in enumerate(body):
    if ln != ".TP" or i + 2 >= len(body):
        continue
    tag = plain(body[i + 1])
    m = re.match(r"^(?:-(\w), )?--([\w-]+)", tag)
    vl = re.match(r"^Verbs: (.*)\.$", plain(body[i + 2]))
    if not m or not vl:
        bad.append(f"options: entry {tag!r} lacks '-x, --name' or a 'Verbs: ...' line after it")
        continue
    if m.group(2) in entries:
        bad.append(f"options: --{m.group(2)} has two entries")
    entries[m.group(2)] = (m.group(1), vl.group(1).split(", "))
for name in sorted(set(takes) | set(entries)):
    if name not in entries:
        bad.append(f"options: --{name} ({', '.join(takes[name])}) has no entry in the man page")
    elif name not in takes:
        bad.append(f"options: the man page has --{name}, which no verb takes")
    else:
        letter, page_v = entries[name]
        if page_v != takes[name]:
            bad.append(f"options: --{name}: the man page says verbs {page_v}, the helps {takes[name]}")
        if letter != letters[name]:
            bad.append(f"options: --{name}: letter {letter!r} in the man page, {letters[name]!r} in the help")

for b in bad:
    print("run_man:", b)
if bad:
    sys.exit(1)
print(f"run_man: docs/parity.1 matches parity {version}: {len(verbs)} verbs, {len(takes)} options")
PY
