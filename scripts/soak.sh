#!/usr/bin/env bash
# A day of a wall, compressed (docs/reliability.md#soak):
#   scripts/soak.sh [HOURS] [-- EXTRA sandtable-bench OPTIONS]
# Runs `sandtable-bench --workload soak` (the simulator through the feed pipeline and the
# history store, the Putuo scene drawn offscreen at --soak-fps) for HOURS simulated hours
# (default 24; 2000 officers every 5 s at 100x: 36 s of wall time per simulated hour),
# writes the samples to $OUT (default soak-HOURSh.jsonl), judges them with
# scripts/soak-report.py (RSS slope after the warm-up at most $MAX_RSS_SLOPE MB per
# simulated hour, default 5; GPU bytes and queues flat; the report as OUT.report.json)
# and, when $PLOT names a PNG, plots them (needs python3-matplotlib). Exits 1 when a
# check fails.
# BUILD_DIR (default ./build) must hold sandtable-bench; TRACK_MB (default 256, the
# cockpit's) is the in-memory tracks' budget; WARMUP (default 0.5) the share of the
# span not judged.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
hours="${1:-24}"
shift || true
[ "${1:-}" = "--" ] && shift
bench="$build/bin/sandtable-bench"
[ -x "$bench" ] || { echo "soak.sh: $bench not found (build it: scripts/build.sh, or set BUILD_DIR)" >&2; exit 2; }
out="${OUT:-soak-${hours}h.jsonl}"
"$bench" --workload soak --soak-hours "$hours" --soak-track-mb "${TRACK_MB:-256}" --out "$out" "$@" >/dev/null
plot_args=()
[ -n "${PLOT:-}" ] && plot_args=(--plot "$PLOT")
py=/usr/bin/python3  # Debian's, with python3-matplotlib when installed (not a pyenv shim's)
[ -x "$py" ] || py=python3
"$py" "$here/scripts/soak-report.py" "$out" --warmup "${WARMUP:-0.5}" --max-rss-slope "${MAX_RSS_SLOPE:-5}" \
  --json "${out%.jsonl}.report.json" "${plot_args[@]}"
