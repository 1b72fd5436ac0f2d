#!/usr/bin/env python3
"""The cockpit's window as a node of a wall of several machines, under Xvfb: two windows
side by side on one X screen are the two monitors of a 2x1 wall (`sandtable --wall
--wall-lead/--wall-follow`), the leader on the right (cell 1,0), the follower on the left.

  1. The mosaic of the two windows' screenshots equals one wall window over the whole
     canvas (the same scene view, labels, legend and strip; only the clock's digits and
     the strip's scrolling alert ticker may differ: the runs end at different seconds),
     with nothing different along the seam.
  2. The leader's hand moves the whole canvas: a drag in the leader's window pans it and the
     follower draws the same camera; a wheel notch zooms about the canvas point under the
     cursor (window pixel + the tile's offset), so the ground under it stays put.
  3. Input on the follower moves nothing (its camera is the leader's).
  4. A follower killed and restarted draws the leader's current state; a leader stopped
     is reported by the follower (log) and, once back, followed again.
Usage: wall_window_check.py SANDTABLE OUT_DIR"""
import os
import signal
import socket
import sys
import time

from PIL import Image, ImageChops

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xsession import App, Display  # noqa: E402
from checks import check, failures  # noqa: E402

app_bin, out = sys.argv[1:3]
os.makedirs(out, exist_ok=True)
W, H = 640, 400  # one monitor
COMMON = ["--wall", "--no-sim", "--no-tour", "--wall-grid", "2x1"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node(d, name, role, ep, cell, x, extra=()):
    trace = os.path.join(out, name + ".jsonl")
    a = App(d, [app_bin, *COMMON, f"--wall-{role}", ep, "--wall-cell", cell, "--wall-rect", f"{x},0,{W},{H}",
                "--trace", trace, *extra], trace, os.path.join(out, name + ".log"))
    a.origin, a.size = (x, 0), (W, H)
    return a


def states(a, kind):
    a.read_trace()
    return [e for e in a.events if e.get("event") == kind]


def same_camera(p, s):
    return (p["center"] == s["center"] and abs(p["resolution"] - s["resolution"]) <= 1e-9 * p["resolution"]
            and p["canvas"] == s["canvas"])


def follows(f, pub, timeout=30):
    """Waits until the follower has drawn the leader's camera `pub`."""
    try:
        f.wait_for(lambda e: e.get("event") == "wall_state" and same_camera(pub, e), timeout=timeout,
                   what=f"the follower drawing the leader's camera {pub['center']}")
        return True
    except AssertionError as e:
        print(e)
        return False


def drag(d, a, x, y, dx, dy, button=1):
    d.xdotool("mousemove", *a.at(x, y))
    time.sleep(0.2)
    d.xdotool("mousedown", button)
    for i in range(1, 9):
        d.xdotool("mousemove", *a.at(x + dx * i / 8, y + dy * i / 8))
        time.sleep(0.03)
    d.xdotool("mouseup", button)


def log_of(name):
    with open(os.path.join(out, name + ".log")) as f:
        return f.read()


with Display(2 * W, H + 100) as d:
    # 1. The mosaic and one window over the whole canvas.
    single_png = os.path.join(out, "single.png")
    single = App(d, [app_bin, *COMMON[:3], "--wall-rect", f"0,0,{2 * W},{H}", "--exit-after", "8",
                     "--screenshot-on-exit", single_png], os.path.join(out, "single.jsonl"),
                 os.path.join(out, "single.log"))
    check(single.proc.wait(120) == 0, "one wall window over the canvas: exit 0")
    ep = f"tcp://127.0.0.1:{free_port()}"
    shots = {n: os.path.join(out, n + "-tile.png") for n in ("lead", "follow")}
    # The follower ends first, while the leader still publishes (a follower left without
    # states says so on its screen after 3 s).
    f = node(d, "mosaic-follow", "follow", ep, "0,0", 0, ["--exit-after", "14", "--screenshot-on-exit", shots["follow"]])
    l = node(d, "mosaic-lead", "lead", ep, "1,0", W, ["--exit-after", "20", "--screenshot-on-exit", shots["lead"]])
    check(f.proc.wait(120) == 0 and l.proc.wait(120) == 0, "leader and follower: exit 0")
    check(states(f, "wall_state") and states(l, "wall_publish"), "the leader published, the follower drew its states")
    mosaic = Image.new("RGB", (2 * W, H))
    mosaic.paste(Image.open(shots["follow"]).convert("RGB"), (0, 0))
    mosaic.paste(Image.open(shots["lead"]).convert("RGB"), (W, 0))
    mosaic.save(os.path.join(out, "mosaic.png"))
    ref = Image.open(single_png).convert("RGB")
    diff = ImageChops.difference(mosaic, ref).convert("L").point(lambda v: 255 if v > 40 else 0)
    bad = sum(1 for v in diff.getdata() if v)
    seam = diff.crop((W - 40, 0, W + 40, H - 40))  # the seam, above the strip (its clock text)
    seam_bad = sum(1 for v in seam.getdata() if v)
    check(bad < 0.01 * 2 * W * H,
          f"the mosaic of the two windows equals one window over the canvas: {bad} pixels differ "
          f"({100.0 * bad / (2 * W * H):.2f} %: the clock's digits and the strip's moving ticker)")
    check(seam_bad == 0, f"nothing differs along the seam: {seam_bad} pixels")
    box = diff.getbbox()
    print("   differing region:", box)

    # 2.-4. Interaction, on a second pair with traces.
    ep = f"tcp://127.0.0.1:{free_port()}"
    f = node(d, "follow", "follow", ep, "0,0", 0)
    f.wait_for(lambda e: e.get("event") == "frame", timeout=60, what="the follower's first frame")
    l = node(d, "lead", "lead", ep, "1,0", W)
    first = f.wait_for(lambda e: e.get("event") == "wall_state", timeout=60, what="the follower's first state")
    pub = states(l, "wall_publish")[-1]
    check(pub["canvas"] == [2 * W, H] and pub["tile"] == [W, 0, W, H],
          f"the leader's window is the right half of a {2 * W}x{H} canvas: {pub['canvas']} {pub['tile']}")
    check(first["canvas"] == [2 * W, H] and first["tile"] == [0, 0, W, H],
          f"the follower draws the left half: {first['canvas']} {first['tile']}")
    check("first frame state from " + ep in log_of("follow"), "the follower's log: first frame state")

    # 2. A drag of 200 px to the right in the leader's window: the map follows the hand.
    before = states(l, "wall_publish")[-1]
    drag(d, l, 300, 200, 200, 0)
    l.settle()
    after = states(l, "wall_publish")[-1]
    moved = (before["center"][0] - after["center"][0]) / before["resolution"]
    check(abs(moved - 200) < 3 and abs(after["center"][1] - before["center"][1]) < 3 * before["resolution"],
          f"the leader's drag pans the canvas with the hand: {moved:.1f} px")
    check(follows(f, after), "the follower draws the panned camera")

    # A wheel notch over window pixel (100, 100) of the leader: canvas pixel (740, 100)
    # stays on the same ground.
    before = after
    d.xdotool("mousemove", *l.at(100, 100))
    time.sleep(0.2)
    d.xdotool("click", 4)
    l.settle()
    after = states(l, "wall_publish")[-1]

    def ground(s, px, py):
        cw, ch = s["canvas"]
        return (s["center"][0] + (px - cw / 2) * s["resolution"], s["center"][1] - (py - ch / 2) * s["resolution"])

    g0, g1 = ground(before, W + 100, 100), ground(after, W + 100, 100)
    zoomed = before["resolution"] / after["resolution"]
    off = max(abs(g0[0] - g1[0]), abs(g0[1] - g1[1])) / after["resolution"]
    check(abs(zoomed - 1.2) < 0.01, f"one wheel notch zooms the canvas by 1.2: {zoomed:.3f}")
    check(off < 1.5, f"the ground under the cursor (canvas pixel {W + 100},100) stays put: {off:.2f} px off")
    check(follows(f, after), "the follower draws the zoomed camera")

    # 3. Input on the follower moves nothing.
    n_pub = len(states(l, "wall_publish"))
    drag(d, f, 300, 200, -150, 50)
    d.xdotool("click", 5)
    f.settle()
    time.sleep(1.0)
    now = states(l, "wall_publish")[-1]
    check(same_camera(after, now), "a drag and a wheel on the follower leave the wall's camera alone")
    last_f = states(f, "wall_state")[-1]
    check(same_camera(after, last_f), "the follower still draws the leader's camera")
    check(len(states(l, "wall_publish")) >= n_pub, "the leader kept publishing")

    # 4a. The follower killed and restarted: it draws the leader's current camera.
    f.proc.send_signal(signal.SIGKILL)
    f.proc.wait(30)
    f.log.close()
    drag(d, l, 300, 200, -100, 60)  # the wall moves on meanwhile
    l.settle()
    moved_on = states(l, "wall_publish")[-1]
    f = node(d, "follow-restarted", "follow", ep, "0,0", 0)
    check(follows(f, moved_on, timeout=60), "a restarted follower draws the leader's current camera")

    # 4b. The leader stopped: the follower says so and keeps its last frame; the leader
    # back: followed again.
    check(l.stop() == 0, "the leader stops on SIGTERM with exit 0")
    deadline = time.time() + 30
    while time.time() < deadline and "no frame state from the leader" not in log_of("follow-restarted"):
        time.sleep(0.2)
    check("no frame state from the leader at " + ep in log_of("follow-restarted"),
          "the follower reports the silent leader")
    l = node(d, "lead-again", "lead", ep, "1,0", W)
    l.wait_for(lambda e: e.get("event") == "wall_publish", timeout=60, what="the restarted leader's first state")
    check(follows(f, states(l, "wall_publish")[-1], timeout=60), "the follower follows the restarted leader")
    check("is back" in log_of("follow-restarted"), "the follower's log: the leader is back")
    rc_f, rc_l = f.stop(), l.stop()
    check(rc_f == 0 and rc_l == 0, f"both stop on SIGTERM with exit 0 (follower {rc_f}, leader {rc_l})")

print("wall_window_check:", "ok" if not failures else f"{len(failures)} failed")
sys.exit(1 if failures else 0)
