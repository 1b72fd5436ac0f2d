#!/usr/bin/env bash
# Compares Sandtable's exported heatmap with QGIS's "Heatmap (Kernel Density Estimation)"
# (qgis:heatmapkerneldensityestimation, run headless by qgis_process) on the sample
# complaints, for every kernel QGIS has, raw and scaled output, on QGIS's own grid.
# Needs Debian's qgis (not a project dependency: `apt-get install qgis`). Development
# check only, not part of CI. Usage: scripts/compare-qgis.sh [PIXEL_M] [RADIUS_M]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BUILD_DIR:-$here/build}/bin"
pixel="${1:-10}"
radius="${2:-450}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$work"
qgis=/usr/bin/qgis_process.bin
[ -x "$qgis" ] || qgis=qgis_process

ogr2ogr -skipfailures -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -s_srs EPSG:4326 -t_srs EPSG:4549 \
  "$work/points.gpkg" "$here/data/putuo/records/complaints.csv"
kernels=(quartic triangular uniform triweight epanechnikov)
echo "kernel        output  max(QGIS)   mean|d|/max  max|d|/max"
for k in 0 1 2 3 4; do
  for out in 0 1; do
    outname=$([ $out = 0 ] && echo raw || echo scaled)
    "$qgis" run qgis:heatmapkerneldensityestimation -- INPUT="$work/points.gpkg" RADIUS="$radius" \
      PIXEL_SIZE="$pixel" KERNEL=$k DECAY=0 OUTPUT_VALUE=$out OUTPUT="$work/qgis.tif" >/dev/null 2>&1
    cat > "$work/scene.json" <<JSON
{"crs": "EPSG:4549", "view": {"center": [121.40, 31.25], "zoom": 12},
 "layers": [{"id": "heat", "type": "heatmap", "source": {"path": "$here/data/putuo/records/complaints.csv", "xField": "lon", "yField": "lat", "crs": "wgs84"},
             "kernel": "${kernels[$k]}", "radius": $radius, "radiusUnit": "m", "output": "$outname"}]}
JSON
    "$bin/sandtable-render" --scene "$work/scene.json" --out "$work/x.png" --width 64 --height 64 \
      --export-heatmap "$work/ours.tif" --heatmap-grid-like "$work/qgis.tif" >/dev/null
    gdal_translate -q -of ENVI -ot Float32 "$work/qgis.tif" "$work/q.raw"
    gdal_translate -q -of ENVI -ot Float32 "$work/ours.tif" "$work/o.raw"
    python3 - "$work/q.raw" "$work/o.raw" "${kernels[$k]}" "$outname" <<'PY'
import array, sys
q = array.array('f'); q.frombytes(open(sys.argv[1], 'rb').read())
o = array.array('f'); o.frombytes(open(sys.argv[2], 'rb').read())
assert len(q) == len(o), (len(q), len(o))
q = [0.0 if v <= -9990 else v for v in q]  # QGIS writes -9999 (nodata) where no kernel reaches
m = max(q)
d = [abs(a - b) for a, b in zip(q, o)]
print(f"{sys.argv[3]:13s} {sys.argv[4]:6s}  {m:10.5g}  {sum(d) / len(d) / m:11.2e}  {max(d) / m:10.2e}")
PY
  done
done
