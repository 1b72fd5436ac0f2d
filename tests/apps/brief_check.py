#!/usr/bin/env python3
"""sandtable-brief as a user runs it: the October 2024 report of the sample is an A4
landscape PDF of 14 pages (cover, summary, ranking, 10 squads, appendix) with Noto Sans
CJK embedded; its text (pdftotext) names every squad, the lagging squads on the ranking
page, and on each squad's page the index and every rate exactly as the report prints
them, recomputed here from sandtable-kpi --json on the same records and period (so the
numbers equal sandtable-kpi's); a squad page rendered (pdftoppm) shows a map (varied
pixels in the map box); a records folder without training.csv still gives the report,
saying what is missing; a missing records folder or scene and a bad month are errors.
Exits 77 (skipped) when poppler-utils are missing, or when no GL context can be made
for the maps, unless SANDTABLE_REQUIRE_TOOLS=1 / SANDTABLE_REQUIRE_GL=1.
With --history (an hour of simulated patrols in October, imported), each squad page
gives its patrol coverage.
Usage: brief_check.py SANDTABLE_BRIEF SANDTABLE_KPI SOURCE_DIR OUT_DIR [SANDTABLE_SIM SANDTABLE_IMPORT]"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys

brief, kpi, src, out = sys.argv[1:5]
sim, imp = (sys.argv[5:7] + [None, None])[:2]
scene = os.path.join(src, "data/putuo/scene.json")
records = os.path.join(src, "data/putuo/records")
os.makedirs(out, exist_ok=True)
failures = []

for tool in ("pdfinfo", "pdftotext", "pdffonts", "pdftoppm"):
    if not shutil.which(tool):
        if os.environ.get("SANDTABLE_REQUIRE_TOOLS") == "1":
            print(f"FAILED: {tool} not found (poppler-utils; SANDTABLE_REQUIRE_TOOLS=1: required here)")
            sys.exit(1)
        print(f"SKIPPED: {tool} not found (install poppler-utils)")
        sys.exit(77)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def expect(name, r, rc, text=None):
    if r.returncode != rc:
        failures.append(f"{name}: exit status {r.returncode}, expected {rc}; stderr: {r.stderr.strip()[-400:]}")
    elif text is not None and text not in r.stderr:
        failures.append(f"{name}: stderr lacks {text!r}: {r.stderr.strip()[-400:]}")
    else:
        print(f"ok: {name} (exit {r.returncode})")


def page_text(pdf, page):
    return run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", pdf, "-"]).stdout


# --- errors ---
pdf_err = os.path.join(out, "err.pdf")
expect("missing records folder", run([brief, "--scene", scene, "--records", "/nonexistent/records", "--month",
                                      "2024-10", "--out", pdf_err]), 1, "/nonexistent/records' not found")
expect("missing scene", run([brief, "--scene", "/nonexistent/scene.json", "--month", "2024-10", "--out", pdf_err]), 1,
       "/nonexistent/scene.json")
expect("bad month", run([brief, "--scene", scene, "--month", "2024-13", "--out", pdf_err]), 2,
       "--month: '2024-13' is not a month")
expect("month not YYYY-MM", run([brief, "--scene", scene, "--month", "October", "--out", pdf_err]), 2,
       "is not a month")
expect("no --out", run([brief, "--scene", scene, "--month", "2024-10"]), 2, "--out")

# --- the figures, from sandtable-kpi on the same inputs ---
k = run([kpi, "--scene", scene, "--records", records, "--from", "2024-10-01", "--to", "2024-11-01", "--json",
         "--quiet"])
if k.returncode != 0:
    print(f"sandtable-kpi failed: {k.stderr}")
    sys.exit(1)
figures = json.loads(k.stdout)
names = {row["id"]: row["squad_zh"] for row in csv.DictReader(open(os.path.join(src, "data/putuo/squads.csv"),
                                                                    encoding="utf-8"))}


def rate_text(s, key):
    """How the report prints a rate: "98.5% (197/200)", 无数据 for no data."""
    v = s[key]
    if v is None:
        return "无数据"
    num, den = s["counts"][key]
    return "%.1f%% (%d/%d)" % (v * 100, num, den)


def score_text(s):
    v = s["case_quality"]
    return "无数据" if v is None else "%.1f (%d)" % (v, s["counts"]["case_quality"][1])


def index_text(v):
    return "无数据" if v is None else "%.1f" % v


# --- the sample month ---
pdf = os.path.join(out, "report-2024-10.pdf")
if os.path.exists(pdf):
    os.remove(pdf)
r = run([brief, "--scene", scene, "--records", records, "--month", "2024-10", "--out", pdf])
expect("October 2024 report", r, 0, "中队页 长风新村中队")
if r.returncode != 0 or not os.path.exists(pdf):
    print("brief check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
steps = re.findall(r"\[\s*(\d+)/(\d+)\]", r.stderr)
if not steps or steps[-1][0] != steps[-1][1]:
    failures.append(f"progress does not reach its total: {r.stderr[-300:]}")

info = run(["pdfinfo", pdf]).stdout
pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
if pages != 14:
    failures.append(f"{pages} pages, expected 14 (cover, summary, ranking, 10 squads, appendix)")
size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
if not size or abs(float(size.group(1)) - 841.89) > 1 or abs(float(size.group(2)) - 595.28) > 1:
    failures.append(f"page size is not A4 landscape: {size.group(0) if size else info}")
fonts = run(["pdffonts", pdf]).stdout
for face in ("NotoSansCJKsc-Regular", "NotoSansCJKsc-Bold"):
    line = next((l for l in fonts.splitlines() if face in l), None)
    if not line or " yes yes yes " not in line:
        failures.append(f"{face} is not embedded as a subset with ToUnicode: {fonts}")

cover = page_text(pdf, 1)
for want in ("重点执法工作月报", "2024年10月", "上海市普陀区城市管理行政执法局"):
    if want not in cover:
        failures.append(f"cover lacks {want!r}")
summary = page_text(pdf, 2)
d = figures["district"]
for want in ("全区概况", index_text(d["index"]), "%.1f%%" % (d["first_contact_rate"] * 100),
             "%d / %d" % tuple(d["counts"]["first_contact_rate"]), str(d["cases_opened"])):
    if want not in summary:
        failures.append(f"summary page lacks {want!r}")

ranking = page_text(pdf, 3)
squads = figures["squads"]
lagging = [s["squad"] for s in squads if s["lagging"]]
if not lagging:
    failures.append("the sample month has no lagging squad (docs/kpi.md: taopu lags)")
for s in squads:
    if names[s["squad"]] not in ranking:
        failures.append(f"ranking page lacks {names[s['squad']]}")
m = re.search(r"滞后中队：(.*)", ranking)
if not m:
    failures.append("ranking page does not name the lagging squads (滞后中队：…)")
else:
    named = m.group(1)
    for s in squads:
        if (names[s["squad"]] in named) != bool(s["lagging"]):
            failures.append(f"lagging line {named!r}: {s['squad']} lagging={s['lagging']}")
for s in squads:
    if s["rank"] is not None and not re.search(r"^\s*%d\s+%s" % (s["rank"], names[s["squad"]]), ranking, re.M):
        failures.append(f"ranking page: {names[s['squad']]} not on a row with rank {s['rank']}")

for i, s in enumerate(squads):
    text = page_text(pdf, 4 + i)
    wants = [names[s["squad"]], index_text(s["index"]), score_text(s)]
    wants += [rate_text(s, key) for key in ("first_contact_rate", "on_time_rate", "resolution_rate",
                                            "satisfaction_rate", "checkin_rate", "inspection_rate")]
    if s["rank"] is not None:
        wants.append("第 %d 名" % s["rank"])
    if s["lagging"]:
        wants.append("滞后")
    missing = [w for w in wants if w not in text]
    if missing:
        failures.append(f"page {4 + i} ({s['squad']}) lacks {missing}")
print(f"checked the figures of {len(squads)} squad pages against sandtable-kpi")

appendix = page_text(pdf, pages)
for want in ("附录", "sha256", "complaints.csv", "%d 行" % 9):
    if want not in appendix:
        failures.append(f"appendix lacks {want!r}")

# A squad page's map: pdftoppm at 50 dpi; the map box (36..456 pt across, below the
# title) must hold an image, not a flat fill.
no_map = "地图不可用" in page_text(pdf, 4)
if no_map:
    why = "no GL context: the report was written without maps"
    if os.environ.get("SANDTABLE_REQUIRE_GL") == "1":
        failures.append(why + " (SANDTABLE_REQUIRE_GL=1)")
    else:
        print("SKIPPED (after the text checks): " + why)
        if failures:
            print("brief check FAILED:\n  " + "\n  ".join(failures))
            sys.exit(1)
        sys.exit(77)
else:
    from PIL import Image, ImageStat
    prefix = os.path.join(out, "brief-page")
    run(["pdftoppm", "-r", "50", "-png", "-f", "4", "-l", "4", pdf, prefix])
    png = next((os.path.join(out, f) for f in sorted(os.listdir(out)) if f.startswith("brief-page")), None)
    if not png:
        failures.append("pdftoppm wrote no page image")
    else:
        img = Image.open(png).convert("RGB")
        sc = img.width / 841.89
        box = img.crop((int(40 * sc), int(110 * sc), int(450 * sc), int(500 * sc)))
        colours = len(set(box.getdata()))
        spread = ImageStat.Stat(box).stddev
        print(f"map box: {colours} colours, stddev {[round(v, 1) for v in spread]}")
        if colours < 200 or max(spread) < 15:
            failures.append(f"the map box of page 4 looks blank ({colours} colours, stddev {spread})")
        os.remove(png)

# --- records without training.csv: the report still renders and says what is missing ---
partial = os.path.join(out, "brief-partial")
shutil.rmtree(partial, ignore_errors=True)
shutil.copytree(records, partial)
os.remove(os.path.join(partial, "training.csv"))
pdf2 = os.path.join(out, "report-partial.pdf")
r = run([brief, "--scene", scene, "--records", partial, "--month", "2024-10", "--out", pdf2])
expect("records without training.csv", r, 0, "training.csv")
if r.returncode == 0:
    if not re.search(r"Pages:\s+14\n", run(["pdfinfo", pdf2]).stdout):
        failures.append("the partial report does not have 14 pages")
    t2 = page_text(pdf2, 2)
    if "数据缺失" not in t2 or "training.csv" not in t2:
        failures.append("the partial report's summary does not say training.csv is missing")
    a2 = page_text(pdf2, 14)
    if "缺失" not in a2:
        failures.append("the partial report's appendix does not mark training.csv missing")

# --- with a history: the squads' patrol coverage of the month ---
if sim and imp:
    feed, gpkg = os.path.join(out, "brief-history.ndjson"), os.path.join(out, "brief-history.gpkg")
    for f in (feed, gpkg):
        if os.path.exists(f):
            os.remove(f)
    ok = run([sim, "--officers", "60", "--duration", "1800", "--start", "2024-10-15T09:00:00+08:00", "--out",
              feed]).returncode == 0
    ok = ok and run([imp, "-q", "--retention-days", "0", "--history", gpkg, feed]).returncode == 0
    if not ok:
        failures.append("could not simulate and import the history")
    else:
        pdf3 = os.path.join(out, "report-history.pdf")
        r = run([brief, "--scene", scene, "--month", "2024-10", "--history", gpkg, "--out", pdf3])
        expect("October 2024 report with --history", r, 0, "fixes in the month")
        if r.returncode == 0:
            t4 = page_text(pdf3, 4)
            if not re.search(r"巡查覆盖.*[\d.]+ km", t4):
                failures.append(f"page 4 with --history gives no patrol coverage: {t4[-600:]}")
            if "sha256" not in page_text(pdf3, 14) or "brief-history.gpkg" not in page_text(pdf3, 14):
                failures.append("the appendix does not list the history with its hash")

if failures:
    print("brief check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("brief check: ok")
