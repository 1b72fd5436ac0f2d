#!/usr/bin/env python3
"""sandtable-render on the Putuo scene: exit 0, the PNG at the asked size showing the
map, and --stats that list every scene layer with no errors and labels placed.
Usage: render_check.py SANDTABLE_RENDER SCENE OUT_DIR"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pngcheck  # noqa: E402

render, scene, out = sys.argv[1:4]
png, stats = os.path.join(out, "putuo.png"), os.path.join(out, "putuo.json")
for f in (png, stats):
    if os.path.exists(f):
        os.remove(f)
env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
r = subprocess.run([render, "--scene", scene, "--out", png, "--stats", stats, "--width", "1280", "--height", "720"],
                   env=env, capture_output=True, text=True, timeout=300)
print(r.stdout + r.stderr)
failures = []
if r.returncode != 0:
    failures.append(f"exit status {r.returncode}")
if os.path.exists(stats):
    s = json.load(open(stats))
    want = [l["id"] for l in json.load(open(scene))["layers"]]
    got = [l["id"] for l in s["layers"]]
    if s.get("errors"):
        failures.append(f"errors: {s['errors']}")
    if [i for i in want if i not in got]:
        failures.append(f"layers missing from the stats: {[i for i in want if i not in got]}")
    if s["labels"]["placed"] < 10:
        failures.append(f"only {s['labels']['placed']} labels placed")
else:
    failures.append("no --stats file")
if os.path.exists(png):
    img = pngcheck.load(png)
    if img.size != (1280, 720):
        failures.append(f"PNG is {img.size}")
    problems, counts = pngcheck.check_map(img, (0, 0, 1280, 720))
    print("map:", dict(counts))
    failures += problems
else:
    failures.append("no PNG")
if failures:
    print("render check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("render check: ok")
