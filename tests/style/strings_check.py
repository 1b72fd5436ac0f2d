#!/usr/bin/env python3
"""One way to say things: every string the operator reads comes from the one table,
engine/util/i18n.cpp. Fails when
  - a UI or map source (engine/, layers/, apps/sandtable, apps/render, bench/) holds a
    string literal with Chinese characters of its own (data generators such as
    apps/mkdata and engine/sim write data, not UI, and are not checked), or
  - a key given literally to tr("...") or text("...") is not in the table, or
  - an entry's zh and en texts have different printf placeholders.
Usage: strings_check.py SOURCE_DIR"""
import os
import re
import sys

root = sys.argv[1]
table_file = os.path.join(root, "engine/util/i18n.cpp")
checked = ["engine", "layers", "apps/sandtable", "apps/render", "bench"]
exempt = {os.path.normpath(table_file)}
exempt_dirs = [os.path.join(root, "engine/sim")]
cjk = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
literal = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
use = re.compile(r'\b(?:tr|text)\("([a-z0-9_.]*[a-z0-9_])"')
failures = []

table = open(table_file, encoding="utf-8").read()
keys = set(re.findall(r'\{"([a-z0-9_.]+)",\s*\{', table))
for m in re.finditer(r'\{"([a-z0-9_.]+)",\s*\{\s*"((?:[^"\\]|\\.)*)"\s*,\s*"((?:[^"\\]|\\.)*)"', table, re.S):
    key, zh, en = m.groups()
    pz = re.findall(r"%[-+ #0]*\d*(?:\.\d+)?(?:zu|llu|lld|[sdfgu])", zh)
    pe = re.findall(r"%[-+ #0]*\d*(?:\.\d+)?(?:zu|llu|lld|[sdfgu])", en)
    if pz != pe:
        failures.append(f"i18n.cpp: {key}: placeholders differ: zh {pz}, en {pe}")

for folder in checked:
    for dirpath, _, files in os.walk(os.path.join(root, folder)):
        if any(os.path.commonpath([dirpath, d]) == d for d in exempt_dirs):
            continue
        for f in files:
            if not f.endswith((".cpp", ".hpp")):
                continue
            path = os.path.normpath(os.path.join(dirpath, f))
            rel = os.path.relpath(path, root)
            src = open(path, encoding="utf-8").read()
            for n, line in enumerate(src.splitlines(), 1):
                code = line.split("//")[0] if '"' not in line.split("//")[0] else line
                if path not in exempt:
                    for lit in literal.findall(code):
                        if cjk.search(lit):
                            failures.append(f"{rel}:{n}: a Chinese literal outside the string table: \"{lit}\"")
                for key in use.findall(line):
                    if key not in keys:
                        failures.append(f"{rel}:{n}: key '{key}' is not in engine/util/i18n.cpp")
if failures:
    print("strings check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"strings check: ok ({len(keys)} table entries)")
