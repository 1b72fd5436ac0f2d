#!/usr/bin/env python3
"""Large stills with their place on the ground: sandtable-render past --tile draws one
prepared frame tile by tile with a progress bar; --world-file writes FILE.pgw and FILE.prj
beside the PNG; --out FILE.tif writes a GeoTIFF with the same transform and its CRS. The
image centre's ground position (from the world file) is the requested view centre
(projected by gdaltransform, an independent PROJ path); a rotated view's world file turns
by the same angle; gdalinfo reads the GeoTIFF's size, transform and CRS.
Usage: still_georef_check.py SANDTABLE_RENDER SCENE OUT_DIR"""
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from checks import check, failures  # noqa: E402

render, scene, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
LON, LAT, ZOOM = 121.40, 31.245, 14
W, H = 3000, 1800


def run(*args):
    r = subprocess.run([render, "--scene", scene, *args], capture_output=True, text=True, timeout=400)
    if r.returncode == 77:
        print(r.stderr)
        sys.exit(77)
    return r


def projected(lon, lat):
    r = subprocess.run(["gdaltransform", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:4549", "-output_xy"],
                       input=f"{lon} {lat}\n", capture_output=True, text=True, check=True)
    x, y = r.stdout.split()[:2]
    return float(x), float(y)


def world_file(path):
    a, d, b, e, c, f = (float(v) for v in open(path).read().split())
    return a, d, b, e, c, f


cx, cy = projected(LON, LAT)
for rot in (0, 30):
    png = os.path.join(out, f"still-r{rot}.png")
    for p in (png, png[:-4] + ".pgw", png[:-4] + ".prj"):
        if os.path.exists(p):
            os.remove(p)
    r = run("--view", f"{LON},{LAT},{ZOOM},{rot}", "--width", str(W), "--height", str(H), "--tile", "1024",
            "--world-file", "--out", png, "--stats", os.path.join(out, f"still-r{rot}.json"))
    check(r.returncode == 0, f"rotation {rot}: exit {r.returncode} {r.stderr.strip()[-200:]}")
    if r.returncode != 0:
        continue
    check("6/6 tiles" in r.stderr and "1/6 tiles" in r.stderr, f"rotation {rot}: a progress bar over 6 tiles")
    st = json.load(open(os.path.join(out, f"still-r{rot}.json")))
    check(st["tiled"] and st["tile"] == 1024, f"rotation {rot}: drawn tiled ({st['tile']} px tiles)")
    a, d, b, e, c, f = world_file(png[:-4] + ".pgw")
    # Ground position of the image centre (pixel centre convention of world files).
    px, py = W / 2 - 0.5, H / 2 - 0.5
    gx, gy = c + a * px + b * py, f + d * px + e * py
    err = math.hypot(gx - cx, gy - cy)
    res = math.hypot(a, d)
    check(err < res, f"rotation {rot}: the image centre is the view centre on the ground ({err:.2f} m, pixel {res:.2f} m)")
    # --view's rotation turns the map left (counter-clockwise): the image's x axis then
    # points that many degrees clockwise of east on the ground.
    angle = math.degrees(math.atan2(d, a))
    check(abs(angle + rot) < 0.01, f"rotation {rot}: the image's x axis is {angle:.3f} degrees from east")
    prj = open(png[:-4] + ".prj").read()
    check("CGCS2000" in prj and "PROJCS" in prj, f"rotation {rot}: .prj names the CRS ({prj[:60]}...)")
    size = subprocess.run(["gdalinfo", "-json", png], capture_output=True, text=True)
    if size.returncode == 0:
        info = json.loads(size.stdout)
        check(info["size"] == [W, H], f"rotation {rot}: gdalinfo reads {info['size']}")

# GeoTIFF: same transform as the world file of the unrotated still, CRS embedded.
tif = os.path.join(out, "still.tif")
r = run("--view", f"{LON},{LAT},{ZOOM}", "--width", str(W), "--height", str(H), "--tile", "1024", "--out", tif)
check(r.returncode == 0, f"GeoTIFF: exit {r.returncode} {r.stderr.strip()[-200:]}")
if r.returncode == 0:
    info = json.loads(subprocess.run(["gdalinfo", "-json", tif], capture_output=True, text=True, check=True).stdout)
    check(info["size"] == [W, H] and len(info["bands"]) == 4, f"GeoTIFF: {info['size']}, {len(info['bands'])} bands")
    wkt = info.get("coordinateSystem", {}).get("wkt", "")
    check("4549" in wkt or "CGCS2000 / 3-degree Gauss-Kruger CM 120E" in wkt, "GeoTIFF: the CRS is EPSG:4549")
    gt = info["geoTransform"]
    a, d, b, e, c, f = world_file(os.path.join(out, "still-r0.pgw"))
    same = abs(gt[0] + gt[1] / 2 - c) < 1e-3 and abs(gt[3] + gt[5] / 2 - f) < 1e-3 and abs(gt[1] - a) < 1e-9
    check(same, f"GeoTIFF transform {gt} matches the world file ({a}, {e}, {c}, {f})")
    stats = subprocess.run(["gdalinfo", "-stats", tif], capture_output=True, text=True).stdout
    check("STATISTICS_STDDEV" in stats and "STATISTICS_STDDEV=0.000" not in stats, "GeoTIFF: not a blank image")
    for suffix in (".aux.xml",):
        if os.path.exists(tif + suffix):
            os.remove(tif + suffix)

if failures:
    print("still georef check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("still georef check: ok")
