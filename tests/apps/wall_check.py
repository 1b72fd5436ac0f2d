#!/usr/bin/env python3
"""Wall mode under Xvfb as a command centre runs it: `sandtable --wall --wall-rect` opens
one borderless window exactly over the rectangle, starts the scene's tour (the camera
flies on its own), shows the status strip along the bottom (LIVE badge) and no control
panel; an operator's drag takes the map (the flight stops, the map follows the hand) and
the tour then leaves the map alone; the run exits 0 with a screenshot of the wall.
A second run with --no-tour must not move the map by itself, so the first run's flight
is known to be the tour's.
Usage: wall_check.py SANDTABLE OUT_DIR"""
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import pngcheck  # noqa: E402
from xsession import App, Display  # noqa: E402

app_bin, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)
W, H = 1600, 900
STRIP = (5, 12, 20)      # the strip's fill (layers/wall_status_layer.cpp kStrip over the map)
LIVE = (0x4c, 0xd9, 0x64)  # the LIVE badge
failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def centres(app):
    app.read_trace()
    return [tuple(e["center"]) for e in app.events if e.get("event") == "view"]


with Display(W, H) as d:
    shot = os.path.join(out, "wall.png")
    if os.path.exists(shot):
        os.remove(shot)
    trace = os.path.join(out, "wall_trace.jsonl")
    app = App(d, [app_bin, "--wall", "--wall-rect", f"0,0,{W},{H}", "--trace", trace, "--exit-after", "30",
                  "--screenshot-on-exit", shot], trace, os.path.join(out, "wall_app.log"))
    app.find_window("Sandtable")
    check(app.origin == (0, 0) and app.size == (W, H), f"the wall window covers the rectangle: {app.origin} {app.size}")
    # The tour's first flight (3 s of frames; software GL draws a 1600x900 wall at a few
    # frames a second): the view changes many times with no input at all. Then it rests at
    # the first stop (25 s dwell): wait for the view to keep still.
    deadline = time.time() + 40
    while time.time() < deadline and len(set(centres(app))) < 3:
        time.sleep(0.2)
    flown = centres(app)
    check(len(set(flown)) >= 3, f"the tour flies the camera by itself: {len(set(flown))} distinct views")
    last_n, still_since = len(flown), time.time()
    while time.time() < deadline and time.time() - still_since < 2.0:
        time.sleep(0.2)
        if len(centres(app)) != last_n:
            last_n, still_since = len(centres(app)), time.time()
    flown = centres(app)
    # The operator drags 200 px to the right: the map follows the hand, then stays put.
    before = flown[-1]
    d.xdotool("mousemove", *app.at(800, 400))
    time.sleep(0.3)
    d.xdotool("mousedown", 1)
    for i in range(1, 9):
        d.xdotool("mousemove", *app.at(800 + 25 * i, 400))
        time.sleep(0.03)
    d.xdotool("mouseup", 1)
    time.sleep(1.0)
    after = centres(app)[-1]
    v = app.last("view")
    moved_px = (before[0] - after[0]) / v["resolution"] if v else 0
    check(150 <= moved_px <= 250 and abs(before[1] - after[1]) / v["resolution"] < 60,
          f"a drag of 200 px right moves the map with the hand: the centre moved {moved_px:.0f} px west")
    held = len(centres(app))
    time.sleep(3.0)
    check(len(centres(app)) == held, f"the tour pauses for the operator: {len(centres(app)) - held} view changes after the drag")
    rc = app.proc.wait(90)
    app.stop()
    check(rc == 0, f"exit status {rc}")
    if os.path.exists(shot):
        img = pngcheck.load(shot)
        check(img.size == (W, H), f"the screenshot is the wall's size: {img.size}")
        strip_h = int(H / 45 * 1.9)
        c = pngcheck.count(img, (0, H - strip_h + 4, W, H), {"strip": (STRIP, 14)})
        c.update(pngcheck.count(img, (0, H - strip_h, 260, H), {"live": (LIVE, 20)}))
        check(c["strip"] >= 0.4 * W * (strip_h - 4), f"the status strip runs along the bottom: {c['strip']} px")
        check(c["live"] >= 200, f"the LIVE badge is in the strip: {c['live']} px")
        ui = pngcheck.count(img, (0, 0, W, H), {"title": (pngcheck.PANEL_TITLE, 10)})
        check(ui["title"] < 500, f"no control panel on the wall: {ui['title']} px of panel title")
        problems, counts = pngcheck.check_map(img, (0, 0, W, H - strip_h), min_squads=0, min_fill=0)
        print("map:", dict(counts))
        for p in problems:
            check(False, p)
    else:
        check(False, f"no screenshot at {shot}")

    # --no-tour: nothing moves the map by itself.
    trace2 = os.path.join(out, "wall_notour_trace.jsonl")
    app = App(d, [app_bin, "--wall", "--wall-rect", f"0,0,{W},{H}", "--no-tour", "--trace", trace2,
                  "--exit-after", "5"], trace2, os.path.join(out, "wall_notour_app.log"))
    rc = app.proc.wait(60)
    app.stop()
    check(rc == 0, f"--no-tour exit status {rc}")
    still = centres(app)
    check(len(set(still)) <= 1, f"--no-tour: the map stays where the scene put it ({len(set(still))} views)")

if failures:
    print("wall check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("wall check: ok")
