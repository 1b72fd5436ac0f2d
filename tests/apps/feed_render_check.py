#!/usr/bin/env python3
"""End to end: sandtable-sim writes a feed with 1 % bad lines; sandtable-render draws it
headless as of a time with --stats; the stats must count every bad line by the reason
the simulator gave it, and every simulated officer must be live or stale (none lost)."""
import json
import re
import subprocess
import sys

sim, render, scene, out = sys.argv[1:5]
feed = f"{out}/e2e_feed.jsonl"
officers = 300
r = subprocess.run([sim, "--officers", str(officers), "--duration", "900", "--seed", "5", "--bad-rate", "0.01", "--out", feed],
                   capture_output=True, text=True, check=True)
expected = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*bad (\w+)\s+(\d+)$", r.stderr, re.M)}
assert expected, "simulator printed no bad-line summary:\n" + r.stderr
stats = f"{out}/e2e_stats.json"
subprocess.run([render, "--scene", scene, "--out", f"{out}/e2e.png", "--width", "960", "--height", "540", "--feed", feed,
                "--at", "2024-11-20T08:15:00+08:00", "--stats", stats], check=True, env={"PATH": "/usr/bin:/bin"})
f = json.load(open(stats))["feed"]
print(json.dumps(f, indent=1))
got = {k: v for k, v in f["rejected_by_reason"].items() if v}
assert got == expected, f"rejected by reason {got} != simulator's bad lines {expected}"
assert f["rejected"] == sum(expected.values())
assert f["officers"] == officers, f"{f['officers']} officers drawn, {officers} simulated"
assert f["live"] + f["stale"] == officers
assert f["live"] >= officers * 0.95, f"only {f['live']} live"
print("feed render check: ok")
