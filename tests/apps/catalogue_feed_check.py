#!/usr/bin/env python3
"""The squad catalogue a scene names is what the feed accepts and what the officers are
coloured by: a scene whose squads.csv lists two squads, alpha (red) and beta (blue), takes
their officers' fixes and rejects a Putuo squad's as unknown_squad (sandtable-render
--stats); its officer markers, coloured by squad, are drawn in the catalogue's colours.
sandtable-import --squads takes the same catalogue; without it the built-in ten Putuo
squads apply and alpha and beta are unknown.
Usage: catalogue_feed_check.py SANDTABLE_RENDER SANDTABLE_IMPORT OUT_DIR"""
import json
import os
import shutil
import subprocess
import sys

from PIL import Image

render, importer, out = sys.argv[1:4]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
failures = []

with open(os.path.join(out, "squads.csv"), "w", encoding="utf-8") as f:
    f.write("id,code,jurisdiction_zh,jurisdiction_en,squad_zh,squad_en,color\n")
    f.write("alpha,900001,甲街道,Alpha Street,甲中队,Alpha squad,#ff0000\n")
    f.write("beta,900002,乙街道,Beta Street,乙中队,Beta squad,#0000ff\n")
scene = os.path.join(out, "scene.json")
with open(scene, "w", encoding="utf-8") as f:
    json.dump({"crs": "EPSG:4549", "background": "#101418", "squads": "squads.csv",
               "view": {"center": [121.40, 31.25], "zoom": 15},
               "layers": [{"id": "officers", "type": "officers", "colorBy": "squad", "labelMinZoom": 24}]}, f)
feed = os.path.join(out, "feed.ndjson")
lines = [
    {"type": "pos", "officer": "A-1", "squad": "alpha", "t": "2024-10-15T10:00:00+08:00", "lon": 121.396, "lat": 31.25},
    {"type": "pos", "officer": "B-1", "squad": "beta", "t": "2024-10-15T10:00:01+08:00", "lon": 121.404, "lat": 31.25},
    {"type": "pos", "officer": "C-1", "squad": "caoyang", "t": "2024-10-15T10:00:02+08:00", "lon": 121.40,
     "lat": 31.252},
]
with open(feed, "w", encoding="utf-8") as f:
    for m in lines:
        f.write(json.dumps(m) + "\n")

png, stats = os.path.join(out, "catalogue.png"), os.path.join(out, "stats.json")
r = subprocess.run([render, "--scene", scene, "--feed", feed, "--at", "2024-10-15T10:00:30+08:00", "--width", "800",
                    "--height", "450", "--stats", stats, "--out", png], capture_output=True, text=True, timeout=120)
if r.returncode == 77:
    print(r.stderr)
    sys.exit(77)
if r.returncode != 0:
    sys.exit(f"sandtable-render exit status {r.returncode}: {r.stderr}")
fs = json.load(open(stats))["feed"]
if fs["positions"] != 2 or fs["rejected_by_reason"] != {"unknown_squad": 1} or fs["officers"] != 2:
    failures.append(f"render: want alpha and beta accepted and caoyang unknown_squad, got {fs}")
else:
    print("ok: the scene's catalogue decides which squads the feed accepts")

# Markers in the catalogue's colours: pure red left of the centre, pure blue right of it.
img = Image.open(png).convert("RGB")
w, h = img.size
red = blue = 0
redX, blueX = [], []
for y in range(0, h):
    for x in range(0, w):
        p = img.getpixel((x, y))
        if p[0] > 200 and p[1] < 60 and p[2] < 60:
            red += 1
            redX.append(x)
        elif p[2] > 200 and p[0] < 60 and p[1] < 60:
            blue += 1
            blueX.append(x)
if red < 20 or blue < 20:
    failures.append(f"markers not in the catalogue's colours: {red} red and {blue} blue pixels")
elif not (max(redX) < w / 2 < min(blueX)):
    failures.append(f"red marker pixels x {min(redX)}..{max(redX)}, blue {min(blueX)}..{max(blueX)}: not where alpha "
                    "and beta stand")
else:
    print(f"ok: alpha drawn red ({red} px) and beta blue ({blue} px), as the catalogue says")

# sandtable-import: the same catalogue, and the built-in one without --squads.
for name, extra, want_pos, want_unknown in (("with --squads", ["--squads", os.path.join(out, "squads.csv")], 2, 1),
                                            ("built-in squads", [], 1, 2)):
    hist = os.path.join(out, f"history-{len(extra)}")
    st = os.path.join(out, f"import-{len(extra)}.json")
    r = subprocess.run([importer, "--history-dir", hist, "--now", "2024-10-16T00:00:00+08:00", "--stats", st, "-q",
                        *extra, feed], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        failures.append(f"sandtable-import {name}: exit status {r.returncode}: {r.stderr.strip()[:300]}")
        continue
    j = json.load(open(st))
    unknown = j.get("rejected_by_reason", {}).get("unknown_squad", 0)
    if j["positions"] != want_pos or unknown != want_unknown:
        failures.append(f"sandtable-import {name}: {j['positions']} positions and {unknown} unknown_squad, "
                        f"want {want_pos} and {want_unknown}")
    else:
        print(f"ok: sandtable-import {name}: {want_pos} imported, {want_unknown} unknown_squad")
r = subprocess.run([importer, "--history-dir", os.path.join(out, "h-bad"), "--squads", scene, feed],
                   capture_output=True, text=True, timeout=60)
if r.returncode != 1 or "--squads" not in r.stderr:
    failures.append(f"sandtable-import --squads with a file that is no catalogue: exit {r.returncode}, "
                    f"stderr {r.stderr.strip()[:200]!r} (want 1 and a message naming --squads)")
else:
    print("ok: a broken catalogue is refused with a message")

if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("catalogue feed check: ok")
