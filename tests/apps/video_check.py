#!/usr/bin/env python3
"""A replay video (docs/cli.md#replay-videos): an hour of simulated feed at 600x, 30 fps
is 180 frames and 6 s of H.264 (ffprobe counts the frames it decodes); the same inputs
give the same bytes; the first and last frames differ (officers and trails move, the
banner's clock runs); bad requests exit 2 with the reason.
Usage: video_check.py SANDTABLE_SIM SANDTABLE_RENDER SCENE OUT_DIR"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from xsession import skip_or_fail  # noqa: E402
from checks import check, failures  # noqa: E402

sim, render, scene, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
for tool in ("ffprobe", "ffmpeg"):
    if not shutil.which(tool):
        skip_or_fail(f"{tool} not installed")


feed = os.path.join(out, "hour.ndjson")
subprocess.run([sim, "--officers", "60", "--duration", "3600", "--out", feed, "--quiet"], check=True, timeout=300)
SPAN = ["--from", "2024-11-20T08:00:00+08:00", "--to", "2024-11-20T09:00:00+08:00", "--speed", "600", "--fps", "30"]
digests = []
for n in (1, 2):
    mp4 = os.path.join(out, f"replay-{n}.mp4")
    r = subprocess.run([render, "--scene", scene, "--feed", feed, *SPAN, "--width", "640", "--height", "360",
                        "--video", mp4], capture_output=True, text=True, timeout=600)
    if r.returncode == 77:
        print(r.stderr)
        sys.exit(77)
    check(r.returncode == 0 and "180 frames at 30 fps" in r.stdout,
          f"video {n}: exit {r.returncode}, {r.stdout.strip()[-160:]} {r.stderr.strip()[-200:]}")
    check("180/180 frames" in r.stderr, f"video {n}: a progress bar to 180/180 frames")
    if r.returncode == 0:
        digests.append(hashlib.sha256(open(mp4, "rb").read()).hexdigest())
mp4 = os.path.join(out, "replay-1.mp4")
if os.path.exists(mp4):
    p = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_entries",
                        "stream=codec_name,width,height,nb_read_frames,avg_frame_rate:format=duration", "-of", "json",
                        mp4], capture_output=True, text=True, check=True)
    info = json.loads(p.stdout)
    st = info["streams"][0]
    check(st["codec_name"] == "h264" and (st["width"], st["height"]) == (640, 360),
          f"ffprobe: {st['codec_name']} {st['width']}x{st['height']}")
    check(st["nb_read_frames"] == "180" and st["avg_frame_rate"] == "30/1",
          f"ffprobe: {st['nb_read_frames']} frames decoded at {st['avg_frame_rate']}")
    check(abs(float(info["format"]["duration"]) - 6.0) < 1e-3, f"ffprobe: {info['format']['duration']} s")
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", mp4, "-vf", "select=eq(n\\,0)+eq(n\\,179)", "-vsync", "0",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    size = 640 * 360
    check(len(raw) == 2 * size, f"two frames extracted ({len(raw)} bytes)")
    if len(raw) == 2 * size:
        first, last = raw[:size], raw[size:]
        moved = sum(1 for a, b in zip(first, last) if abs(a - b) > 24)
        check(moved > 500, f"frames 0 and 179 differ in {moved} pixels (officers, trails, clock)")
check(len(digests) == 2 and digests[0] == digests[1], "the same inputs give the same bytes")

for name, args, text in (
        ("odd size", [*SPAN, "--width", "641", "--height", "360"], "must be even"),
        ("no --from", ["--to", "2024-11-20T09:00:00+08:00"], "--video needs --from"),
        ("--to before --from", ["--from", "2024-11-20T09:00:00+08:00", "--to", "2024-11-20T08:00:00+08:00"],
         "--to must be after --from")):
    r = subprocess.run([render, "--scene", scene, "--feed", feed, *args, "--video", os.path.join(out, "bad.mp4")],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 2 and text in r.stderr, f"{name}: exit {r.returncode}, {r.stderr.strip()[:120]!r}")

if failures:
    print("video check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("video check: ok")
