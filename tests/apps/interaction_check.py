#!/usr/bin/env python3
"""The cockpit as a dispatcher uses it: the real window under Xvfb, driven by synthetic
input (xdotool, XTEST). Checks, from the app's --trace of its view and a projection of
the test's own (gdaltransform), that
  - dragging left, right, up and down keeps the world point under the cursor under it
    (within a pixel): the map moves with the hand;
  - the wheel zooms about the cursor (the point under it stays, resolution / 1.2 a notch);
  - right-drag rotates the map about the view centre;
  - a click on an officer selects that officer;
  - L and H work as quick taps (press and release within one frame);
  - the time keys: G back to live, Space freezes, Left steps back, Up speeds up.
Usage: interaction_check.py SANDTABLE SCENE OUT_DIR"""
import math
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(__file__))
from xsession import App, Display  # noqa: E402
from checks import check, failures  # noqa: E402

app_bin, scene, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
W, H = 1200, 760
CENTER = (121.402, 31.252)
# Three officers right of the panel, a few hundred metres apart, reporting just now.
officers = {"T-001": (121.412, 31.254), "T-002": (121.418, 31.249), "T-003": (121.409, 31.246)}
feed = os.path.join(out, "interaction_feed.jsonl")
now = datetime.now(timezone(timedelta(hours=8))) - timedelta(seconds=2)
with open(feed, "w") as f:
    for i, (oid, (lon, lat)) in enumerate(officers.items()):
        t = (now + timedelta(milliseconds=10 * i)).isoformat(timespec="milliseconds")
        f.write(f'{{"type":"pos","officer":"{oid}","squad":"caoyang","t":"{t}","lon":{lon},"lat":{lat},"status":"patrol"}}\n')


def project(lon, lat):
    r = subprocess.run(["gdaltransform", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:4549", "-output_xy"],
                       input=f"{lon} {lat}\n", capture_output=True, text=True, check=True)
    x, y = r.stdout.split()[:2]
    return float(x), float(y)


def to_world(view, sx, sy):
    (cx, cy), res, rot = view["center"], view["resolution"], view["rotation"]
    w, h = view["size"]
    rx, ry = (sx - w / 2) * res, (h / 2 - sy) * res
    c, s = math.cos(rot), math.sin(rot)
    return cx + c * rx + s * ry, cy - s * rx + c * ry


def to_screen(view, wx, wy):
    (cx, cy), res, rot = view["center"], view["resolution"], view["rotation"]
    w, h = view["size"]
    dx, dy = wx - cx, wy - cy
    c, s = math.cos(rot), math.sin(rot)
    return w / 2 + (c * dx - s * dy) / res, h / 2 - (s * dx + c * dy) / res




with Display(1280, 800) as d:
    trace = os.path.join(out, "interaction_trace.jsonl")
    app = App(d, [app_bin, "--scene", scene, "--no-sim", "--replay", feed, 
                  "--width", str(W), "--height", str(H), "--view", f"{CENTER[0]},{CENTER[1]},14",
                  "--trace", trace, "--exit-after", "300"], trace, os.path.join(out, "interaction_app.log"))
    app.find_window("Sandtable")
    app.wait_for(lambda e: e.get("event") == "view", what="the first view")
    app.settle()

    def view():
        v = app.last("view")
        assert v is not None
        return v

    def drag(button, x0, y0, x1, y1, steps=8):
        d.xdotool("mousemove", *app.at(x0, y0))
        app.settle()
        d.xdotool("mousedown", button)
        for i in range(1, steps + 1):
            d.xdotool("mousemove", *app.at(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps))
            time.sleep(0.02)
        d.xdotool("mouseup", button)
        app.settle()

    # Drags in four directions: the world point under the press stays under the cursor.
    x, y = 800, 400
    for name, (dx, dy) in {"right": (190, 0), "left": (-240, 0), "down": (0, 150), "up": (30, -200)}.items():
        before = view()
        wx, wy = to_world(before, x, y)
        drag(1, x, y, x + dx, y + dy)
        after = view()
        sx, sy = to_screen(after, wx, wy)
        err = math.hypot(sx - (x + dx), sy - (y + dy))
        moved = math.hypot(after["center"][0] - before["center"][0], after["center"][1] - before["center"][1])
        check(err <= 1.0 and moved > 0, f"drag {name} by ({dx},{dy}) px: the grabbed point is {err:.2f} px from the cursor")
        x, y = x + dx, y + dy

    # Wheel: one notch in about the cursor, then one out.
    for notch, button in (("in", 4), ("out", 5)):
        before = view()
        cx, cy = 900, 300
        d.xdotool("mousemove", *app.at(cx, cy))
        app.settle()
        wx, wy = to_world(before, cx, cy)
        d.xdotool("click", button)
        app.settle()
        after = view()
        sx, sy = to_screen(after, wx, wy)
        ratio = before["resolution"] / after["resolution"]
        want = 1.2 if notch == "in" else 1 / 1.2
        check(math.hypot(sx - cx, sy - cy) <= 1.0 and abs(ratio - want) < 1e-6,
              f"wheel {notch}: resolution x{1 / ratio:.4f}, point under the cursor moved {math.hypot(sx - cx, sy - cy):.2f} px")

    # Right-drag rotates about the centre: 100 px -> 0.5 rad.
    before = view()
    wx, wy = to_world(before, W / 2, H / 2)
    drag(3, 700, 500, 800, 500)
    after = view()
    sx, sy = to_screen(after, wx, wy)
    turned = math.remainder(after["rotation"] - before["rotation"], 2 * math.pi)
    check(abs(turned - 0.5) < 1e-6 and math.hypot(sx - W / 2, sy - H / 2) <= 1.0,
          f"right-drag 100 px rotates by {turned:.4f} rad about the centre")

    # Click an officer: the one whose marker is under the cursor is selected.
    app.wait_for(lambda e: e.get("event") == "time" or e.get("event") == "frame", what="frames")
    v = view()
    target = "T-002"
    sx, sy = to_screen(v, *project(*officers[target]))
    check(450 < sx < W - 10 and 10 < sy < H - 10, f"officer {target} is on screen at ({sx:.0f},{sy:.0f})")
    d.xdotool("mousemove", *app.at(sx, sy))
    app.settle()
    d.xdotool("click", 1)
    app.settle()
    click = app.last("click")
    check(click is not None and click.get("selection") == target, f"a click on {target}'s marker selects it: {click}")

    # Quick taps: L toggles the language, H the panel, each press+release within a frame.
    for key, kind, field, first, second in (("l", "language", "value", "en", "zh"), ("h", "panel", "shown", False, True)):
        seen = []
        for _ in range(2):
            n = len([e for e in app.events if e.get("event") == kind])
            d.xdotool("key", "--delay", "0", key)
            e = app.wait_for(lambda e, n=n: e.get("event") == kind and
                             len([x for x in app.events if x.get("event") == kind]) > n, timeout=10, what=f"{key} tap")
            seen.append(app.last(kind)[field])
        check(seen == [first, second], f"quick taps of {key.upper()} toggle {kind}: {seen}")

    # Time keys: G back to live, Space freezes (replay, paused), Left steps back.
    def key_time(key):
        n = len([e for e in app.events if e.get("event") == "time"])
        d.xdotool("key", "--delay", "0", key)
        app.wait_for(lambda e: len([x for x in app.events if x.get("event") == "time"]) > n, timeout=10,
                     what=f"{key} time key")
        return app.last("time")

    t_live = key_time("g")
    check(t_live["mode"] == "live", f"G goes live: {t_live}")
    t_frozen = key_time("space")
    check(t_frozen["mode"] == "replay" and t_frozen["paused"], f"Space in live freezes the picture: {t_frozen}")
    t_back = key_time("Left")
    check(t_back["t"] < t_frozen["t"] and t_back["paused"], f"Left steps back: {t_frozen['t']} -> {t_back['t']}")
    t_speed = key_time("Up")
    check(t_speed["speed"] > t_back["speed"], f"Up raises the speed: {t_back['speed']} -> {t_speed['speed']}")

    rc = app.stop()
    check(rc == 0, f"the cockpit exits cleanly on SIGTERM (status {rc})")

if failures:
    print(f"interaction check: {len(failures)} failed")
    sys.exit(1)
print("interaction check: ok")
