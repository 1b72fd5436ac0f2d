#!/usr/bin/env python3
"""The README's first command without a display: `sandtable --out FILE` says there is no
display, renders the Putuo sample headless, exits 0 and names the PNG it wrote; the PNG
has the asked size and shows the district, its jurisdictions and live officers.
Usage: headless_check.py SANDTABLE OUT_DIR"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pngcheck  # noqa: E402

app, out = sys.argv[1:3]
png = os.path.join(out, "sandtable-headless.png")
if os.path.exists(png):
    os.remove(png)
env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
r = subprocess.run([app, "--out", png, "--width", "960", "--height", "540"], env=env, capture_output=True, text=True, timeout=300)
print(r.stdout + r.stderr)
failures = []
if r.returncode != 0:
    failures.append(f"exit status {r.returncode}")
if "no display found" not in r.stdout:
    failures.append("does not say that there is no display")
m = re.search(r"wrote (\S+\.png)", r.stdout)
if not m or os.path.abspath(m.group(1)) != os.path.abspath(png):
    failures.append(f"does not name the PNG it wrote ({png})")
if os.path.exists(png):
    img = pngcheck.load(png)
    if img.size != (960, 540):
        failures.append(f"PNG is {img.size}, asked for (960, 540)")
    problems, counts = pngcheck.check_map(img, (0, 0, 960, 540))
    failures += problems
    officers = pngcheck.count(img, (0, 0, 960, 540), {"patrol": ((0x43, 0xa0, 0x47), 20)})
    print("map:", dict(counts), "officers:", dict(officers))
    if officers["patrol"] < 300:
        failures.append(f"few officers on patrol drawn: {officers['patrol']} px of their green")
else:
    failures.append(f"no PNG at {png}")
if failures:
    print("headless check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("headless check: ok")
