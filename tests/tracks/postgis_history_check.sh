#!/usr/bin/env bash
# The history in PostGIS through the same OGR path as the GeoPackage: starts a throwaway
# PostgreSQL + PostGIS server on a Unix socket (as tests/apps/postgis_check.sh does),
# imports three days of positions with sandtable-import, checks one partition per day
# and the rows in each, reads them back through HistoryStore::load, then applies a
# one-day retention and checks the old partitions are dropped. Exits 77 (CTest: skipped)
# where PostgreSQL/PostGIS are missing, unless SANDTABLE_REQUIRE_TOOLS=1.
set -euo pipefail
import="$1"; helper="$2"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
skip() { if [ "${SANDTABLE_REQUIRE_TOOLS:-}" = 1 ]; then echo "FAILED: $1 (SANDTABLE_REQUIRE_TOOLS=1)"; exit 1; fi; echo "SKIPPED: $1"; exit 77; }
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ] || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  skip "PostgreSQL/PostGIS not installed"
fi
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi
work=$(mktemp -d /tmp/sandtable-pghist.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
cleanup() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
if ! "${as_pg[@]}" "$pgbin/initdb" -D "$work/db" -A trust -U postgres >"$work/initdb.log" 2>&1; then
  cat "$work/initdb.log"; skip "initdb failed"
fi
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -o "-k $work -c listen_addresses=''" -l "$work/server.log" -w start >/dev/null
pg="PG:host=$work user=postgres dbname=postgres"
sql() { "$pgbin/psql" -h "$work" -U postgres -At -c "$1" postgres; }

# Three Shanghai days (18th, 19th, 20th of November 2024), 40 officers every 60 s for
# two hours a day, plus two bad lines.
python3 - "$work/days.jsonl" <<'PY'
import sys
day0 = 1731859200000  # 2024-11-18T00:00:00+08:00
with open(sys.argv[1], "w") as f:
    for d in range(3):
        for k in range(120):
            t = day0 + d * 86400000 + 8 * 3600000 + k * 60000
            for i in range(40):
                f.write('{"type":"pos","officer":"PT-%04d","squad":"changfeng","t":%d,"lon":%.6f,"lat":%.6f}\n'
                        % (i, t, 121.38 + i * 1e-3 + k * 2e-5, 31.24))
    f.write('{"type":"pos","officer":"PT-0001","squad":"atlantis","t":1731900000000,"lon":121.4,"lat":31.25}\n')
    f.write('not json\n')
PY
"$import" --history "$pg" "$work/days.jsonl" --now 2024-11-21T00:00:00+08:00 --retention-days 0 --stats "$work/s1.json"
python3 - "$work/s1.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["postgres"], s
assert s["written"] == 3 * 120 * 40, s
assert s["rejected_by_reason"] == {"unknown_squad": 1, "malformed_json": 1}, s["rejected_by_reason"]
assert s["partitions_created"] == 3, s
PY
parts=$(sql "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'tracks'::regclass ORDER BY 1" | tr '\n' ' ')
echo "partitions: $parts"
[ "$parts" = "tracks_p20241118 tracks_p20241119 tracks_p20241120 " ] || { echo "FAILED: partitions"; exit 1; }
for p in tracks_p20241118 tracks_p20241119 tracks_p20241120; do
  n=$(sql "SELECT sum(n) FROM $p"); [ "$n" = 4800 ] || { echo "FAILED: $p holds $n rows"; exit 1; }
done
# Each row in its local day: the 18th's partition starts at 2024-11-18T00:00+08:00.
[ "$(sql "SELECT min(t0) FROM tracks_p20241118")" = 1731888000000 ] || { echo "FAILED: day bounds"; exit 1; }
[ "$(sql "SELECT ST_SRID(geom) FROM tracks LIMIT 1")" = 4326 ] || { echo "FAILED: SRID"; exit 1; }
# The same rows back through HistoryStore::load (OGR, parallel time slices).
out=$("$helper" --read "$pg"); echo "read back: $out"
python3 -c "import json,sys; r=json.loads(sys.argv[1]); assert r['rows']==14400 and r['stored']==14400 and r['officers']==40 and not r['error'], r" "$out"
# And through plain OGR, as QGIS would list it.
ogrinfo -so "$pg" tracks | grep -q "Geometry: Measured Multi Point" || { echo "FAILED: ogrinfo geometry"; exit 1; }
ogrinfo -ro -q "$pg" -sql "SELECT sum(n) AS fixes FROM tracks" | grep -q "fixes (.*) = 14400" || { echo "FAILED: ogrinfo"; exit 1; }

# Retention of one day at noon on the 21st: the 18th and 19th end before the cutoff
# (the 20th at noon) and are dropped whole; the 20th stays; the 21st is created.
python3 -c "
print('{\"type\":\"pos\",\"officer\":\"PT-0001\",\"squad\":\"changfeng\",\"t\":1732150800000,\"lon\":121.4,\"lat\":31.25}')" > "$work/day21.jsonl"
"$import" --history "$pg" "$work/day21.jsonl" --now 2024-11-21T12:00:00+08:00 --retention-days 1 --stats "$work/s2.json"
python3 - "$work/s2.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["partitions_dropped"] == 2, s
assert s["expired_rows"] == 9600, s
PY
parts=$(sql "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'tracks'::regclass ORDER BY 1" | tr '\n' ' ')
echo "after retention: $parts"
[ "$parts" = "tracks_p20241120 tracks_p20241121 " ] || { echo "FAILED: retention"; exit 1; }
echo "postgis history check: ok"
