#!/usr/bin/env python3
"""sandtable-kpi as a user runs it: exit codes and messages for a missing folder or file,
a bad period, --from after --to; on the sample records of October 2024, the --json
output equals what the library computes in-process (indicator_tests writes it), the
first-contact rate of every squad recomputed here straight from complaints.csv, the bad
rows listed with file and line, and the CSV/XLSX files written.
Usage: kpi_check.py SANDTABLE_KPI INDICATOR_TESTS SOURCE_DIR OUT_DIR"""
import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta

kpi, indicator_tests, src, out = sys.argv[1:5]
records = os.path.join(src, "data/putuo/records")
scene = os.path.join(src, "data/putuo/scene.json")
os.makedirs(out, exist_ok=True)
failures = []
OCT = ["--from", "2024-10-01T00:00:00+08:00", "--to", "2024-11-01T00:00:00+08:00"]


def run(*args, **kw):
    r = subprocess.run([kpi, *args], capture_output=True, text=True, timeout=120, **kw)
    return r


def expect(name, r, rc, text=None, where="stderr"):
    got = r.stderr if where == "stderr" else r.stdout
    if r.returncode != rc:
        failures.append(f"{name}: exit status {r.returncode}, expected {rc}; stderr: {r.stderr.strip()[:300]}")
    elif text is not None and text not in got:
        failures.append(f"{name}: {where} lacks {text!r}: {got.strip()[:300]}")
    else:
        print(f"ok: {name} (exit {r.returncode})")


# --- errors: named, with the documented exit statuses ---
expect("missing folder", run("--records", "/nonexistent/records", *OCT), 1, "/nonexistent/records': no such folder or file")
partial = os.path.join(out, "kpi-partial")
shutil.rmtree(partial, ignore_errors=True)
shutil.copytree(records, partial)
os.remove(os.path.join(partial, "training.csv"))
expect("missing file", run("--records", partial, *OCT), 1, "training.csv: no such file")
expect("unparsable --from", run("--records", records, "--from", "yesterday", "--to", "2024-11-01"), 2,
       "--from: 'yesterday' is not a time")
expect("unparsable --at", run("--records", records, *OCT, "--at", "2024-13-01"), 2, "--at: '2024-13-01'")
expect("--from after --to", run("--records", records, "--from", "2024-11-01", "--to", "2024-10-01"), 2,
       "is after --to")
expect("no period", run("--records", records), 2, "--from and --to are required")
expect("unknown option", run("--records", records, *OCT, "--frobnicate"), 2, "frobnicate")
expect("--help", run("--help"), 0, "--records", where="stdout")

# --- the sample month ---
r = run("--records", records, *OCT, "--json")
expect("sample October 2024 --json", r, 0, "9 bad rows left out")
for line in ("complaints.csv:", "checkins.csv:", "training.csv:"):
    if os.path.join(records, line) not in r.stderr:
        failures.append(f"bad-row summary lacks {line} with its path and line: {r.stderr[:400]}")
got = json.loads(r.stdout) if r.returncode == 0 else {}

# The library's own answer for the same records and period.
lib_json = os.path.join(out, "kpi-library.json")
if os.path.exists(lib_json):
    os.remove(lib_json)
t = subprocess.run([indicator_tests, "sample records: October 2024 ranks the squads meaningfully*"],
                   env={**os.environ, "SANDTABLE_KPI_LIBRARY_JSON": lib_json}, capture_output=True, text=True,
                   timeout=300)
if t.returncode != 0 or not os.path.exists(lib_json):
    failures.append(f"indicator_tests did not write the library's JSON (exit {t.returncode}): {t.stdout[-400:]}")
else:
    lib = json.load(open(lib_json))
    if got != lib:
        diffs = [s["squad"] for s, l in zip(got.get("squads", []), lib["squads"]) if s != l]
        failures.append(f"--json differs from the library's answer (squads {diffs}, district equal: "
                        f"{got.get('district') == lib['district']})")
    else:
        print("ok: --json equals the library's computation")

# Contract shape: keys, nulls, counts.
keys = ["squad", "first_contact_rate", "on_time_rate", "resolution_rate", "satisfaction_rate", "checkin_rate",
        "inspection_rate", "case_quality", "cases_opened", "non_site_cases", "cases_excellent", "cases_good",
        "cases_failing", "missed_checkins", "overdue_inspections", "training_attendance", "index", "rank", "lagging",
        "counts"]
rates = ["first_contact_rate", "on_time_rate", "resolution_rate", "satisfaction_rate", "checkin_rate",
         "inspection_rate"]
if got:
    if got["period"] != {"from": "2024-10-01T00:00:00+08:00", "to": "2024-11-01T00:00:00+08:00",
                         "at": "2024-11-01T00:00:00+08:00"}:
        failures.append(f"period: {got['period']}")
    for s in got["squads"]:
        if list(s.keys()) != keys:
            failures.append(f"{s.get('squad')}: keys {list(s.keys())}")
        for k in rates:
            n, d = s["counts"][k]
            if d == 0 and s[k] is not None:
                failures.append(f"{s['squad']} {k}: no denominator but {s[k]} (must be null)")
            if d > 0 and abs(s[k] - n / d) > 1e-12:
                failures.append(f"{s['squad']} {k}: {s[k]} is not {n}/{d}")
    if list(got["district"].keys()) != [k for k in keys if k not in ("squad", "rank", "lagging")]:
        failures.append(f"district keys {list(got['district'].keys())}")
    nulls = [s["squad"] for s in got["squads"] if s["checkin_rate"] is None]
    if not nulls:
        failures.append("expected squads without checkpoints to have checkin_rate null")
    ranks = sorted(s["rank"] for s in got["squads"])
    if ranks != list(range(1, 11)):
        failures.append(f"ranks {ranks}")
    if not any(s["lagging"] for s in got["squads"]):
        failures.append("no lagging squad in the sample")


# Spot check, independent of the C++ code: every squad's first-contact rate straight from
# complaints.csv, with domain.md's rule (received in [from, to), first contact within 2 h)
# after leaving out the rows the reader must refuse (unknown squad, a time without an
# offset, a repeated id, a position outside the district).
def when(s):
    if not s:
        return None
    d = datetime.fromisoformat(s)
    if d.tzinfo is None:
        raise ValueError("no offset")
    return d


squads = [row["id"] for row in csv.DictReader(open(os.path.join(src, "data/putuo/squads.csv"), encoding="utf-8"))]
start, end = when("2024-10-01T00:00:00+08:00"), when("2024-11-01T00:00:00+08:00")
num = {s: 0 for s in squads}
den = {s: 0 for s in squads}
seen = set()
with open(os.path.join(records, "complaints.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        try:
            rec, fc, due = when(row["received_at"]), when(row["first_contact_at"]), when(row["due_at"])
        except ValueError:
            continue
        lon, lat = float(row["lon"]), float(row["lat"])
        if row["squad"] not in num or row["id"] in seen or not (121.15 <= lon <= 121.65 and 31.05 <= lat <= 31.45):
            continue
        seen.add(row["id"])
        if start <= rec < end:
            den[row["squad"]] += 1
            if fc is not None and fc - rec <= timedelta(hours=2):
                num[row["squad"]] += 1
if got:
    for s in got["squads"]:
        mine = num[s["squad"]] / den[s["squad"]]
        if s["counts"]["first_contact_rate"] != [num[s["squad"]], den[s["squad"]]] or abs(
                s["first_contact_rate"] - mine) > 1e-12:
            failures.append(f"{s['squad']}: first_contact_rate {s['first_contact_rate']} "
                            f"{s['counts']['first_contact_rate']}, recomputed {num[s['squad']]}/{den[s['squad']]}")
    print("first-contact rates recomputed from the CSV:",
          {s: f"{num[s]}/{den[s]}" for s in squads})

# --- the scene names the records, the squads, the weights and the period ---
r2 = run("--scene", scene, "--quiet")
expect("--scene (period from the scene)", r2, 0)
if r2.returncode == 0 and got and json.loads(r2.stdout) != got:
    failures.append("--scene gives different figures from --records/--from/--to")

# --- files for the staff ---
csv_path, xlsx_path = os.path.join(out, "kpi.csv"), os.path.join(out, "kpi.xlsx")
for p in (csv_path, xlsx_path):
    if os.path.exists(p):
        os.remove(p)
r3 = run("--records", records, *OCT, "--csv", csv_path, "--xlsx", xlsx_path, "--trends", "6", "--quiet")
expect("--csv and --xlsx", r3, 0)
if r3.stdout.strip():
    failures.append("--csv/--xlsx without --json wrote to stdout")
if os.path.exists(csv_path):
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8-sig")))
    if len(rows) != 11 or rows[-1]["squad"] != "district":
        failures.append(f"CSV rows: {len(rows)}")
    elif got:
        for row, s in zip(rows, got["squads"]):
            if abs(float(row["index"]) - s["index"]) > 1e-9 or (row["checkin_rate"] == "") != (
                    s["checkin_rate"] is None):
                failures.append(f"CSV row {row['squad']} differs from the JSON")
else:
    failures.append("no CSV written")
if not os.path.exists(xlsx_path) or os.path.getsize(xlsx_path) < 2000:
    failures.append("no workbook written")
r4 = run("--records", records, *OCT, "--trends", "6", "--alerts", "--quiet")
expect("--trends --alerts", r4, 0)
if r4.returncode == 0:
    j4 = json.loads(r4.stdout)
    if len(j4.get("trends", [])) != 6 or j4["trends"][0]["period"]["from"] != "2024-05-01T00:00:00+08:00":
        failures.append("trends: expected May..October 2024")
    if not any(a["kind"] == "lagging_squad" for a in j4.get("alerts", [])):
        failures.append("alerts: no lagging squad")
    if len(j4.get("checkpoints", [])) != 11:
        failures.append("checkpoints: expected 11")

if failures:
    print("kpi check FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("kpi check: ok")
