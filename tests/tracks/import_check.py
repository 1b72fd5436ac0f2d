#!/usr/bin/env python3
"""sandtable-import as a user runs it: exit codes (0 imported, 1 unreadable input or
history, 2 usage), the summary with bad rows by reason and samples (file:line), --stats
JSON, the rows in the GeoPackage (read with Python's sqlite3: a GeoPackage is SQLite), the
progress bar only on a terminal, and a re-run appending to the same history."""
import json
import os
import pty
import sqlite3
import subprocess
import sys
import tempfile

imp = sys.argv[1]
work = tempfile.mkdtemp(prefix="sandtable-import-")


def run(args, **kw):
    r = subprocess.run([imp] + args, capture_output=True, text=True, **kw)
    print("$ sandtable-import", " ".join(args), "->", r.returncode)
    print(r.stdout + r.stderr)
    return r


# Usage errors: 2.
assert run([]).returncode == 2
assert run(["--bogus", "x.csv"]).returncode == 2
assert run(["--format", "xml", "x.csv"]).returncode == 2
assert run(["--history-dir", work, "--history", work + "/h.gpkg", "x.csv"]).returncode == 2

csv = os.path.join(work, "day.csv")
with open(csv, "w") as f:
    f.write("officer,squad,t,lon,lat,status,speed\n")
    for k in range(50):
        f.write("PT-%04d,changfeng,%d,%.6f,31.25,patrol,1.2\n" % (k % 5, 1732061700000 + (k // 5) * 10000,
                                                                 121.40 + (k // 5) * 1e-4))
    f.write("PT-0009,changfeng,1732061700000,abc,31.25,patrol,\n")  # line 52: bad_coordinate
    f.write("PT-0009,nowhere,1732061700000,121.4,31.25,patrol,\n")  # 53: unknown_squad
    f.write("PT-0009,changfeng,1732061700000,121.4,31.25,asleep,\n")  # 54: unknown_status
jsonl = os.path.join(work, "more.jsonl")
with open(jsonl, "w") as f:
    f.write('{"type":"pos","officer":"PT-0100","squad":"wanli","t":1732061700000,"lon":121.41,"lat":31.26}\n')
    f.write('{"type":"pos","officer":"PT-0100","squad":"wanli","t":"soon","lon":121.41,"lat":31.26}\n')

hist = os.path.join(work, "state")
stats = os.path.join(work, "stats.json")
r = run(["--history-dir", hist, csv, jsonl, "--now", "2024-11-20T09:00:00+08:00", "--stats", stats])
assert r.returncode == 0, r.returncode
assert "\r" not in r.stderr, "progress bar drawn although stderr is not a terminal"
assert "rejected bad_coordinate     1" in r.stdout, r.stdout
assert f"{csv}:52: bad_coordinate (lon)" in r.stdout, r.stdout
assert f"{csv}:53: unknown_squad (squad)" in r.stdout
assert f"{jsonl}:2: bad_time (t)" in r.stdout
s = json.load(open(stats))
assert s["rows"] == 55 and s["positions"] == 51 and s["written"] == 51, s
assert s["rejected_by_reason"] == {"bad_coordinate": 1, "unknown_squad": 1, "unknown_status": 1, "bad_time": 1}, s
bad = [x for x in s["samples"] if x["reason"] == "bad_coordinate"]
assert bad and bad[0]["file"] == csv and bad[0]["line"] == 52 and bad[0]["field"] == "lon", s["samples"]
db = sqlite3.connect(os.path.join(hist, "history.gpkg"))
assert db.execute("SELECT sum(n) FROM tracks").fetchone()[0] == 51
assert db.execute("SELECT t0_iso FROM tracks WHERE officer = 'PT-0100' ORDER BY t0").fetchone()[0] == "2024-11-20T08:15:00+08:00"
assert db.execute("SELECT table_name, data_type, srs_id FROM gpkg_contents").fetchall() == [("tracks", "features", 4326)]
assert db.execute("SELECT geometry_type_name, m FROM gpkg_geometry_columns").fetchall() == [("MULTIPOINT", 1)]
db.close()

# A second run appends; repeats of rows already written are written again (the history
# is append-only; readers drop repeats of an officer's t).
r = run(["--history-dir", hist, jsonl, "--now", "2024-11-20T09:00:00+08:00", "-q"])
assert r.returncode == 0
assert sqlite3.connect(os.path.join(hist, "history.gpkg")).execute("SELECT sum(n) FROM tracks").fetchone()[0] == 52

# Unreadable input and an impossible history: 1, naming them.
r = run(["--history-dir", hist, os.path.join(work, "missing.csv")])
assert r.returncode == 1 and "missing.csv: no such file" in r.stderr, r.stderr
open(os.path.join(work, "afile"), "w").write("x")
r = run(["--history-dir", os.path.join(work, "afile", "sub"), csv])
assert r.returncode == 1 and "afile/sub" in r.stderr, r.stderr

# On a terminal: a progress bar on stderr, redrawn in place.
master, slave = pty.openpty()
p = subprocess.Popen([imp, "--history-dir", os.path.join(work, "tty"), csv, "--now", "2024-11-20T09:00:00+08:00"],
                     stdout=subprocess.PIPE, stderr=slave, text=True)
out, _ = p.communicate(timeout=60)
os.close(slave)
tty = b""
try:
    while True:
        chunk = os.read(master, 4096)
        if not chunk:
            break
        tty += chunk
except OSError:
    pass
assert p.returncode == 0
assert b"\r[" in tty and b"100%" in tty, tty
print("import check: ok")
