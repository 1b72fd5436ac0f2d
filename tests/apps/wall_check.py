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
from checks import check, failures  # noqa: E402

app_bin, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)
W, H = 1600, 900
STRIP = (5, 12, 20)      # the strip's fill (layers/wall_status_layer.cpp kStrip over the map)
LIVE = (0x4c, 0xd9, 0x64)  # the LIVE badge


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
    # frames a second, fewer on a loaded machine): the view changes many times with no
    # input at all, then rests at the first stop (25 s dwell) with the flight over.
    app.wait_for(lambda e: e.get("event") == "view" and e.get("flying"), timeout=60, what="the tour's flight")
    app.wait_for(lambda e: e.get("event") == "view" and e.get("flying") is False and e["frame"] > 1, timeout=60,
                 what="the flight's end")
    flown = centres(app)
    # At least the start and the stop (a loaded 2-core machine may draw only those two
    # frames of the 3 s flight; the flight's in-between frames are the tour test's part).
    check(len(set(flown)) >= 2 and flown[0] != flown[-1],
          f"the tour flies the camera by itself: {len(set(flown))} distinct views, {flown[:1]} -> {flown[-1:]}")
    # The operator drags 200 px to the right: the map follows the hand, then stays put.
    before = app.last("view")
    d.xdotool("mousemove", *app.at(800, 400))
    time.sleep(0.3)
    d.xdotool("mousedown", 1)
    for i in range(1, 9):
        d.xdotool("mousemove", *app.at(800 + 25 * i, 400))
        time.sleep(0.03)
    d.xdotool("mouseup", 1)

    def shift(e):
        return (before["center"][0] - e["center"][0]) / before["resolution"]

    try:  # the whole drag applied (frames may come seconds apart)
        app.wait_for(lambda e: e.get("event") == "view" and e["frame"] > before["frame"] and shift(e) >= 195,
                     timeout=30, what="the drag")
    except AssertionError as e:
        print(e)
    after = app.last("view")
    check(150 <= shift(after) <= 250 and abs(before["center"][1] - after["center"][1]) / before["resolution"] < 60,
          f"a drag of 200 px right moves the map with the hand: the centre moved {shift(after):.0f} px west")
    held = len(centres(app))
    time.sleep(4.0)
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
        # A panel's title bar is a solid run of its colour hundreds of pixels long; map edges
        # of a similar blue (anti-aliased outlines) never are.
        px = img.load()
        longest = 0
        for y in range(0, H, 2):
            run = 0
            for x in range(W):
                run = run + 1 if pngcheck.near(px[x, y], pngcheck.PANEL_TITLE, 10) else 0
                longest = max(longest, run)
        check(longest < 150, f"no control panel on the wall: the longest run of panel-title colour is {longest} px")
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
