#!/usr/bin/env python3
"""The cockpit's real window under Xvfb: it runs, saves its own screenshot (the F12 path)
and exits 0; the screenshot has the window's size, the map (district outline, squad
fills) and the panel (title bar, check marks). A second run with --no-panel must show
the map and no panel, so the panel check is known to tell the two apart.
Usage: window_check.py SANDTABLE OUT_DIR"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pngcheck  # noqa: E402
from xsession import Display  # noqa: E402

app, out = sys.argv[1:3]
W, H = 1200, 760
PANEL = (16, 150, 426, H)          # where the panel opens (engine/ui/cockpit.cpp)
failures = []

with Display(1280, 800) as d:
    for panel in (True, False):
        shot = os.path.join(out, "window.png" if panel else "window-nopanel.png")
        if os.path.exists(shot):
            os.remove(shot)
        argv = [app, "--width", str(W), "--height", str(H), "--exit-after", "4", "--screenshot-on-exit", shot]
        if not panel:
            argv.append("--no-panel")
        r = subprocess.run(argv, env=d.env, capture_output=True, text=True, timeout=120)
        print(r.stdout + r.stderr)
        if r.returncode != 0:
            failures.append(f"exit status {r.returncode} ({'panel' if panel else 'no panel'})")
            continue
        if not os.path.exists(shot):
            failures.append(f"no screenshot at {shot}")
            continue
        img = pngcheck.load(shot)
        if img.size != (W, H):
            failures.append(f"screenshot is {img.size}, the window is {(W, H)}")
        problems, counts = pngcheck.check_map(img, (430, 0, W, H))
        print("map:", dict(counts))
        failures += problems
        ui = pngcheck.count(img, PANEL, {"title": (pngcheck.PANEL_TITLE, 10), "check": (pngcheck.PANEL_CHECK, 25)})
        print("panel:", dict(ui))
        drawn = ui["title"] >= 3000 and ui["check"] >= 200
        if drawn != panel:
            failures.append(f"panel {'missing' if panel else 'drawn with --no-panel'}: {dict(ui)}")

if failures:
    print("window check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("window check: ok")
