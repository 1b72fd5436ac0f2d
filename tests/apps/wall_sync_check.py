#!/usr/bin/env python3
"""A wall of several machines on loopback (docs/cli.md#a-wall-of-several-machines): one
leader publishes the frame states of a replay over ZeroMQ, four headless followers render
the tiles of a 2x2 wall with 20 px bezels from their own copy of the same feed. One
follower is killed mid-run and started again: it catches up (renders from a later state)
and the others and the leader do not wait for it (the leader's publishing takes its
nominal time). Each follower's final tile equals the same rectangle of the leader's one
big render of the final state.
Usage: wall_sync_check.py SANDTABLE_SIM SANDTABLE_RENDER SCENE OUT_DIR"""
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import pngcheck  # noqa: E402
from checks import check, failures  # noqa: E402

sim, render, scene, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


feed = os.path.join(out, "hour.ndjson")
subprocess.run([sim, "--officers", "60", "--duration", "3600", "--out", feed, "--quiet"], check=True, timeout=300)
ep = f"tcp://127.0.0.1:{free_port()}"
common = ["--scene", scene, "--feed", feed, "--at", "2024-11-20T09:00:00+08:00"]
W, H, B = 1280, 720, 20
FRAMES, FPS = 40, 5
cells = [(0, 0), (1, 0), (0, 1), (1, 1)]


def follower(c, r, tag=""):
    png = os.path.join(out, f"tile-{c}-{r}{tag}.png")
    if os.path.exists(png):
        os.remove(png)
    log = open(os.path.join(out, f"follower-{c}-{r}{tag}.log"), "w")
    p = subprocess.Popen([render, *common, "--wall-follow", ep, "--wall-grid", "2x2", "--wall-cell", f"{c},{r}",
                          "--bezel", str(B), "--wait", "60", "--out", png], stdout=subprocess.PIPE, stderr=log,
                         text=True)
    return p, png


procs = {cell: follower(*cell) for cell in cells}
time.sleep(1)
leader_png = os.path.join(out, "leader.png")
leader = subprocess.Popen([render, *common, "--wall-lead", ep, "--from", "2024-11-20T08:00:00+08:00", "--speed", "600",
                           "--fps", str(FPS), "--frames", str(FRAMES), "--hold", "12", "--width", str(W), "--height",
                           str(H), "--out", leader_png], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# Mid-run: kill one follower, start it again a little later.
time.sleep(3)
victim = (1, 1)
procs[victim][0].kill()
procs[victim][0].wait()
time.sleep(2)
procs[victim] = follower(*victim, "")
lout, lerr = leader.communicate(timeout=300)
check(leader.returncode == 0, f"leader: exit {leader.returncode} {lerr.strip()[-300:]}")
m = re.search(r"in ([0-9.]+) s \(", lout)
nominal = (FRAMES + 1) / FPS
check(m is not None and float(m.group(1)) < nominal + 1.5,
      f"the leader published on its own clock, waiting for nobody: {m.group(1) if m else '?'} s (nominal {nominal} s)")
summaries = {}
for cell, (p, png) in procs.items():
    try:
        o, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        o = ""
    summaries[cell] = o
    check(p.returncode == 0 and os.path.exists(png), f"follower {cell}: exit {p.returncode}, {o.strip()[-200:]}")
m = re.search(r"from seq (\d+)", summaries.get(victim, ""))
check(m is not None and int(m.group(1)) > 0, f"the restarted follower caught up from seq {m.group(1) if m else '?'}")
if os.path.exists(leader_png):
    big = pngcheck.load(leader_png).convert("RGB")
    tw, th = (W - B) // 2, (H - B) // 2
    for (c, r), (p, png) in procs.items():
        if not os.path.exists(png):
            continue
        tile = pngcheck.load(png).convert("RGB")
        x, y = c * (tw + B), r * (th + B)
        crop = big.crop((x, y, x + tw, y + th))
        a, b = crop.load(), tile.load()
        diff = sum(1 for yy in range(th) for xx in range(tw) if max(abs(a[xx, yy][i] - b[xx, yy][i]) for i in range(3)) > 10)
        check(tile.size == (tw, th) and diff <= 0.0005 * tw * th,
              f"tile {c},{r} ({tile.size[0]}x{tile.size[1]} at {x},{y}) equals the big render: {diff} pixels differ")

# Malformed wall geometry is refused before anything starts: exit 2, naming the form.
for args, says in [(["--wall-grid", "2y2"], "expected COLSxROWS"), (["--wall-grid", "0x2"], "1 to 64"),
                   (["--wall-cell", "1;0"], "expected COL,ROW"), (["--wall-grid", "2x2", "--wall-cell", "2,0"],
                                                                   "outside the 2x2 grid")]:
    r = subprocess.run([render, "--scene", scene, "--wall-follow", "tcp://127.0.0.1:9", *args, "--out",
                        os.path.join(out, "never.png")], capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and says in r.stderr, f"{' '.join(args)}: exit {r.returncode}, says '{says}': "
                                                  f"{r.stderr.strip()[:160]}")
# A malformed endpoint too (a bare PORT or :PORT is loopback; HOST: is nothing).
r = subprocess.run([render, "--scene", scene, "--wall-follow", "leader:", "--out", os.path.join(out, "never.png")],
                   capture_output=True, text=True, timeout=60)
check(r.returncode == 2 and "wall endpoint 'leader:'" in r.stderr,
      f"--wall-follow leader: exits 2 naming the endpoint: {r.returncode} {r.stderr.strip()[:160]}")

if failures:
    print("wall sync check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("wall sync check: ok")
