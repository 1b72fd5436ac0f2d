#!/usr/bin/env bash
# Rebuilds the committed Putuo sample in data/putuo/ from the raw inputs in ../shared/data
# (see data/README.md for provenance). Deterministic: rerunning gives the same files.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SANDTABLE_SHARED:-$here/../shared/data}"
build="${BUILD_DIR:-$here/build}"
cmake -S "$here" -B "$build" -G Ninja >/dev/null
cmake --build "$build" --target sandtable-mkdata sandtable-sim
mkdir -p "$here/data/putuo"
# --osm: the OpenStreetMap roads, metro lines and stations (ODbL; data/README.md).
"$build/bin/sandtable-mkdata" --districts "$shared/shanghai_districts.geojson" \
  --anchors "$shared/putuo_jurisdiction_anchors.csv" --osm "$shared/osm" --out "$here/data/putuo"
# The indicators' sample records (data/README.md): October 2024 and the five months
# before it, for the checkpoints sandtable-mkdata just wrote.
"$build/bin/sandtable-sim" records --out "$here/data/putuo/records" --month 2024-10 --months 6 --seed 20241031 \
  --squads "$here/data/putuo/squads.csv" --jurisdictions "$here/data/putuo/jurisdictions.geojson" \
  --checkpoints "$here/data/putuo/records/checkpoints.csv"
