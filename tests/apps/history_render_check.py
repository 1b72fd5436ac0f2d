#!/usr/bin/env python3
"""A still from the history as of a time: an hour of simulated feed imported into a
GeoPackage (sandtable-import) and drawn with sandtable-render --history --at must show the
same officers and the same trail segments as the feed file drawn with --feed --at (the
history keeps every accepted fix); --history with the NDJSON feed file itself draws the
same bytes as --feed; --history without --at is a usage error (2).
Usage: history_render_check.py SIM IMPORT RENDER SCENE OUT_DIR"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pngcheck  # noqa: E402
from checks import check, failures  # noqa: E402

sim, imp, render, scene, out = sys.argv[1:6]
os.makedirs(out, exist_ok=True)
feed = os.path.join(out, "hour.jsonl")
gpkg = os.path.join(out, "history.gpkg")
for f in (gpkg, gpkg + "-wal", gpkg + "-shm"):
    if os.path.exists(f):
        os.remove(f)


def run(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    print(" ".join(argv), "->", r.returncode)
    print("\n".join(l for l in (r.stdout + r.stderr).splitlines() if "warning" not in l)[-2000:])
    return r


check(run([sim, "--officers", "60", "--duration", "3600", "--out", feed]).returncode == 0, "sim wrote the hour")
check(run([imp, "-q", "--retention-days", "0", "--history", gpkg, feed]).returncode == 0, "import exit 0")
AT = "2024-11-20T08:50:00+08:00"
common = ["--scene", scene, "--at", AT, "--view", "121.42,31.245,15", "--width", "960", "--height", "540"]
layers = {}
for kind, src in (("feed", ["--feed", feed]), ("history", ["--history", gpkg]), ("ndjson", ["--history", feed])):
    png, stats = os.path.join(out, f"{kind}.png"), os.path.join(out, f"{kind}.json")
    r = run([render, *common, *src, "--out", png, "--stats", stats])
    check(r.returncode == 0, f"render from the {kind}: exit {r.returncode}")
    if r.returncode == 0:
        layers[kind] = {l["id"]: l["features"] for l in json.load(open(stats))["layers"]}
# A history given as the NDJSON feed file draws exactly what --feed draws.
if "ndjson" in layers:
    check(layers["ndjson"] == layers["feed"], f"--history FILE.jsonl draws what --feed draws: {layers['ndjson']}")
    same = open(os.path.join(out, "ndjson.png"), "rb").read() == open(os.path.join(out, "feed.png"), "rb").read()
    check(same, "--history FILE.jsonl: the same PNG bytes as --feed")
if "feed" in layers and "history" in layers:
    for lid in ("officers", "trails"):
        a, b = layers["feed"].get(lid, 0), layers["history"].get(lid, 0)
        check(a > 0 and a == b, f"{lid}: {a} from the feed, {b} from the history")
    fa, fb = pngcheck.load(os.path.join(out, "feed.png")), pngcheck.load(os.path.join(out, "history.png"))
    pa, pb = fa.load(), fb.load()
    diff = sum(1 for y in range(fa.height) for x in range(fa.width)
               if max(abs(pa[x, y][i] - pb[x, y][i]) for i in range(3)) > 10)
    # Check-ins are feed lines, not positions: the history does not hold them (their marks differ).
    check(diff < 0.002 * fa.width * fa.height, f"the two stills differ in {diff} pixels (check-in marks only)")
# --trail shortens the trails: fewer segments than the scene's 15 minutes.
stats = os.path.join(out, "short.json")
r = run([render, *common, "--history", gpkg, "--trail", "120", "--out", os.path.join(out, "short.png"), "--stats", stats])
if r.returncode == 0 and "history" in layers:
    short = {l["id"]: l["features"] for l in json.load(open(stats))["layers"]}.get("trails", 0)
    check(0 < short < layers["history"]["trails"] / 3, f"--trail 120: {short} segments (900 s: {layers['history']['trails']})")
else:
    check(False, f"--trail 120: exit {r.returncode}")
r = run([render, "--scene", scene, "--history", gpkg, "--out", os.path.join(out, "x.png")])
check(r.returncode == 2 and "--at" in r.stderr, f"--history without --at: exit {r.returncode}")

if failures:
    print("history render check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("history render check: ok")
