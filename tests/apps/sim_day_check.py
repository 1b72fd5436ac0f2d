#!/usr/bin/env python3
"""A simulated day of the records' month replays the recorded check-ins (docs/kpi.md#a-simulated-day):
sandtable-sim started on 2024-10-15 walks exactly the check-ins data/putuo/records holds for
the span (same checkpoint, officer and instant, to the millisecond), each officer standing at
its checkpoint when it checks in; rendered as of several times, the map's checkpoint status
equals sandtable-kpi's at the same time, and every check-in of the feed is a recorded visit
(none counted twice).
Usage: sim_day_check.py SANDTABLE_SIM SANDTABLE_RENDER SANDTABLE_KPI SOURCE_DIR OUT_DIR"""
import csv
import json
import math
import os
import subprocess
import sys
from datetime import datetime, timezone

sim, render, kpi, src, out = sys.argv[1:6]
os.makedirs(out, exist_ok=True)
records = os.path.join(src, "data/putuo/records")
scene = os.path.join(src, "data/putuo/scene.json")
failures = []
START, HOURS = "2024-10-15T06:00:00+08:00", 18


def ms(iso):
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def line_time(t):
    return t if isinstance(t, int) else ms(t)


t0 = ms(START)
t1 = t0 + HOURS * 3600 * 1000
checkpoints = {}
with open(os.path.join(records, "checkpoints.csv"), newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        checkpoints[row["id"]] = (float(row["lon"]), float(row["lat"]))
recorded = set()
with open(os.path.join(records, "checkins.csv"), newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        at = ms(row["at"])
        if t0 <= at < t1 and row["checkpoint"] in checkpoints:  # SZH-99 is a deliberately bad row
            recorded.add((row["checkpoint"], row["officer"], at))
if len(recorded) < 20:
    failures.append(f"the sample records hold only {len(recorded)} check-ins on 2024-10-15")

# --- the simulated day ---
day = os.path.join(out, "day-2024-10-15.ndjson")
r = subprocess.run([sim, "--start", START, "--duration", str(HOURS * 3600), "--officers", "60", "--out", day],
                   capture_output=True, text=True, timeout=300)
if r.returncode != 0:
    print(r.stderr)
    sys.exit(f"sandtable-sim exit status {r.returncode}")
want = f"{len(recorded)} planned, 0 skipped"
if want not in r.stderr:
    failures.append(f"sandtable-sim's summary lacks '{want}': {r.stderr.strip()[-400:]}")

live, positions = [], {}
with open(day, encoding="utf-8") as f:
    for line in f:
        m = json.loads(line)
        if m["type"] == "checkin":
            live.append((m["checkpoint"], m["officer"], line_time(m["t"])))
        elif m["type"] == "pos":
            positions.setdefault(m["officer"], []).append((line_time(m["t"]), m["lon"], m["lat"], m.get("crs")))
if set(live) != recorded or len(live) != len(recorded):
    extra, missing = set(live) - recorded, recorded - set(live)
    failures.append(f"feed check-ins differ from the records: {len(live)} lines, {len(extra)} not recorded "
                    f"(e.g. {sorted(extra)[:2]}), {len(missing)} recorded ones missing (e.g. {sorted(missing)[:2]})")
else:
    print(f"ok: the day's {len(live)} feed check-ins are the recorded ones, to the millisecond")

# Each officer stands at its checkpoint when it checks in: its fixes just before and after
# are near it (GPS noise about 6 m, reports every 5-30 s at walking pace).
far = []
for cp, officer, at in live:
    fixes = positions.get(officer, [])
    near = [p for p in fixes if abs(p[0] - at) <= 30000 and p[3] != "gcj02"]
    if not near:
        continue
    lon, lat = checkpoints[cp]
    d = min(math.hypot((p[1] - lon) * 95000, (p[2] - lat) * 111000) for p in near)
    if d > 80:
        far.append((cp, officer, at, round(d)))
if far:
    failures.append(f"{len(far)} check-ins with the officer's nearest fix over 80 m away, e.g. {far[:3]}")
else:
    print("ok: every officer reports from its checkpoint around its check-in")

# --- replayed: the map's checkpoint status as of T equals sandtable-kpi's ---
for hhmm in ("07:30", "09:55", "14:10", "23:50"):
    at = f"2024-10-15T{hhmm}:00+08:00"
    stats = os.path.join(out, f"stats-{hhmm.replace(':', '')}.json")
    r = subprocess.run([render, "--scene", scene, "--feed", day, "--at", at, "--width", "640", "--height", "360",
                        "--stats", stats, "--out", os.path.join(out, f"day-{hhmm.replace(':', '')}.png")],
                       capture_output=True, text=True, timeout=300)
    if r.returncode == 77:
        print(r.stderr)
        sys.exit(77)  # no GL context: skipped
    if r.returncode != 0:
        failures.append(f"render at {at}: exit status {r.returncode}: {r.stderr.strip()[-300:]}")
        continue
    cps = json.load(open(stats))["checkpoints"]
    upto = sum(1 for c in recorded if c[2] <= ms(at))
    if cps["feed_checkins"] != upto or cps["new_visits"] != 0 or cps["unknown_checkpoint"] != 0:
        failures.append(f"render at {at}: {cps['feed_checkins']} feed check-ins ({upto} recorded up to then), "
                        f"{cps['new_visits']} counted as new visits (want 0), {cps['unknown_checkpoint']} unknown")
    k = subprocess.run([kpi, "--records", records, "--from", "2024-10-01T00:00:00+08:00", "--to",
                        "2024-11-01T00:00:00+08:00", "--at", at, "--alerts"], capture_output=True, text=True,
                       timeout=120)
    if k.returncode != 0:
        failures.append(f"sandtable-kpi --at {at}: exit status {k.returncode}: {k.stderr.strip()[-300:]}")
        continue
    expect = {c["checkpoint"]: (c["state"], c.get("last_checkin")) for c in json.loads(k.stdout)["checkpoints"]}
    got = {c["checkpoint"]: (c["state"], c.get("last_checkin")) for c in cps["status"]}
    if got != expect or not got:
        diff = {c: (got.get(c), expect.get(c)) for c in set(got) | set(expect) if got.get(c) != expect.get(c)}
        failures.append(f"checkpoint status at {at}: map and sandtable-kpi differ: {diff}")
    else:
        states = sorted({s for s, _ in got.values()})
        print(f"ok: at {hhmm} the map's {len(got)} checkpoints equal sandtable-kpi's ({', '.join(states)})")

if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("sim day check: ok")
