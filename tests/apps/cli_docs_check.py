#!/usr/bin/env python3
"""docs/cli.md documents each program's options with the exact text its --help prints
(CLI11 generates both from the same definitions). Each program's block sits between
<!-- help:NAME --> and <!-- /help --> markers. This check fails on any difference;
with --update it rewrites the blocks instead (scripts/update-cli-docs.sh).
A BINARY:SUB argument checks the subcommand's help (<!-- help:NAME SUB -->).
Usage: cli_docs_check.py DOCS.md [--update] BINARY[:SUB]..."""
import os
import re
import subprocess
import sys

args = sys.argv[1:]
docs = args.pop(0)
update = "--update" in args
bins = [a for a in args if a != "--update"]
text = open(docs, encoding="utf-8").read()
failures = []
for arg in bins:
    b, _, sub = arg.partition(":")
    name = os.path.basename(b) + (" " + sub if sub else "")
    r = subprocess.run([b, *([sub] if sub else []), "--help"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        failures.append(f"{name} --help exited {r.returncode}")
        continue
    block = f"<!-- help:{name} -->\n```text\n{r.stdout.rstrip()}\n```\n<!-- /help -->"
    pattern = re.compile(rf"<!-- help:{re.escape(name)} -->.*?<!-- /help -->", re.S)
    m = pattern.search(text)
    if not m:
        failures.append(f"{docs} has no <!-- help:{name} --> block")
        continue
    if m.group(0) != block:
        if update:
            text = text[: m.start()] + block + text[m.end():]
        else:
            failures.append(f"{docs}: the {name} block differs from `{name} --help` (run scripts/update-cli-docs.sh)")
if update:
    open(docs, "w", encoding="utf-8").write(text)
if failures and not update:
    print("cli docs check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("cli docs check: ok" if not update else f"updated {docs}")
