#!/usr/bin/env bash
# PostGIS through the same OGR path: starts a throwaway PostgreSQL + PostGIS server on a
# Unix socket in a temporary folder, loads the jurisdictions with ogr2ogr, and renders a
# scene whose vector layer reads "PG:..." with sandtable-render --stats: all 10 features
# must arrive, triangulated. Exits 77 (CTest: skipped) where PostgreSQL/PostGIS are not
# installed or the server cannot be started as the postgres user.
set -euo pipefail
render="$1"; src="$2"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
# Skipped (77) where the server cannot be had, unless SANDTABLE_REQUIRE_TOOLS=1 (CI).
skip() { if [ "${SANDTABLE_REQUIRE_TOOLS:-}" = 1 ]; then echo "FAILED: $1 (SANDTABLE_REQUIRE_TOOLS=1)"; exit 1; fi; echo "SKIPPED: $1"; exit 77; }
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ] || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  skip "PostgreSQL/PostGIS not installed"
fi
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi
work=$(mktemp -d /tmp/sandtable-pg.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
cleanup() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
if ! "${as_pg[@]}" "$pgbin/initdb" -D "$work/db" -A trust -U postgres >"$work/initdb.log" 2>&1; then
  cat "$work/initdb.log"; skip "initdb failed"
fi
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/db" -o "-k $work -c listen_addresses=''" -l "$work/server.log" -w start >/dev/null
conn="host=$work user=postgres dbname=postgres"
"$pgbin/psql" -h "$work" -U postgres -q -c "CREATE EXTENSION postgis" postgres
ogr2ogr -f PostgreSQL "PG:$conn" "$src/data/putuo/jurisdictions.geojson" -nln jurisdictions -lco GEOMETRY_NAME=geom
cat > "$work/scene.json" <<JSON
{"crs": "EPSG:4549", "view": {"center": [121.402, 31.252], "zoom": 12},
 "layers": [{"id": "pg", "type": "vector", "source": {"path": "PG:$conn", "layer": "jurisdictions"},
             "style": {"fill": "#4e79a7", "stroke": "#ffffff", "label": {"field": "name"}}}]}
JSON
"$render" --scene "$work/scene.json" --out "$work/pg.png" --width 640 --height 360 --stats "$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
layer = s["layers"][0]
print("PostGIS layer:", layer)
assert not s["errors"], s["errors"]
assert layer["features"] == 10, layer
assert layer["vertices"] > 100, layer
assert s["labels"]["placed"] >= 3, s["labels"]
print("postgis check: ok")
PY
