"""What a user sees in a rendered Putuo map, counted from the PNG (Pillow): the district
outline, the squads' jurisdiction fills, the cockpit panel. Colours come from
data/putuo/scene.json and ImGui's dark theme; tolerances fit anti-aliasing and blending."""
from collections import Counter

from PIL import Image

BACKGROUND = (8, 18, 28)            # scene background #08121c
OUTLINE = (0x4f, 0xc3, 0xf7)        # district boundary stroke
SQUADS = {"caoyang": 0x4e79a7, "changfeng": 0xf28e2b, "changshou": 0xe15759, "ganquan": 0x76b7b2,
          "shiquan": 0x59a14f, "yichuan": 0xedc948, "wanli": 0xb07aa1, "zhenru": 0xff9da7,
          "changzheng": 0x9c755f, "taopu": 0xbab0ac}
FILL_OPACITY = 0.30
PANEL_TITLE = (41, 74, 122)         # ImGui TitleBgActive (0.16, 0.29, 0.48)
PANEL_CHECK = (66, 150, 250)        # ImGui CheckMark / SliderGrab (0.26, 0.59, 0.98)


def rgb(hexc):
    return ((hexc >> 16) & 255, (hexc >> 8) & 255, hexc & 255)


def fill(hexc):
    c = rgb(hexc)
    return tuple(round(c[i] * FILL_OPACITY + BACKGROUND[i] * (1 - FILL_OPACITY)) for i in range(3))


def load(path):
    return Image.open(path).convert("RGB")


def near(c, t, tol):
    return abs(c[0] - t[0]) <= tol and abs(c[1] - t[1]) <= tol and abs(c[2] - t[2]) <= tol


def count(img, box, targets):
    """Pixels within each target's tolerance inside box (x0, y0, x1, y1): {name: n}."""
    px = img.load()
    x0, y0, x1, y1 = box
    out = Counter()
    for y in range(max(0, y0), min(img.height, y1)):
        for x in range(max(0, x0), min(img.width, x1)):
            c = px[x, y]
            for name, (t, tol) in targets.items():
                if near(c, t, tol):
                    out[name] += 1
    return out


def map_targets():
    t = {"outline": (OUTLINE, 30)}
    for k, v in SQUADS.items():
        t[k] = (fill(v), 6)
    return t


def check_map(img, box, min_outline=300, min_squads=5, min_fill=50):
    """Problems with the map drawn in box (an empty list when it looks right)."""
    c = count(img, box, map_targets())
    problems = []
    if c["outline"] < min_outline:
        problems.append(f"district outline: {c['outline']} px (want >= {min_outline})")
    squads = [k for k in SQUADS if c[k] >= min_fill]
    if len(squads) < min_squads:
        problems.append(f"jurisdiction fills of {len(squads)} squads ({squads}; want >= {min_squads}): {dict(c)}")
    return problems, c
