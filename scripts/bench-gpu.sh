#!/usr/bin/env bash
# Full benchmark on an NVIDIA GPU machine without a display, through EGL's device
# platform. Usage: scripts/bench-gpu.sh [OUT.jsonl]   (default bench-gpu.jsonl)
#   BUILD_DIR=...  build tree to use/create (default build-bench-gpu)
#   BENCH_ARGS=... extra sandtable-bench options (e.g. "--workload scene")
#   BENCH_PACK=... a bench packed by scripts/pack-bench.sh (default .gl/sandtable-bench.tar.xz,
#                  used when it exists instead of building)
# Prints the GL renderer first: if it says llvmpipe/softpipe, EGL picked a software
# device and the numbers are not the GPU's (check the NVIDIA EGL vendor ICD:
# /usr/share/glvnd/egl_vendor.d/10_nvidia.json, and that /dev/nvidia* are visible).
# Budget: a full run here takes ~5 min on llvmpipe; on a GPU each case is capped by the
# same per-case frame budget, so the whole run stays well under 8 minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-bench-gpu.jsonl}"
build="${BUILD_DIR:-$here/build-bench-gpu}"

export SANDTABLE_EGL_PLATFORM="${SANDTABLE_EGL_PLATFORM:-device}"   # NVIDIA headless: no X, no Wayland, no GLFW
unset DISPLAY WAYLAND_DISPLAY

# A machine without Debian's packages (the lent GPU machine) runs the bench packed here by
# scripts/pack-bench.sh (carried as .gl/sandtable-bench.tar.xz); elsewhere it is built.
pack="${BENCH_PACK:-$here/.gl/sandtable-bench.tar.xz}"
if [ -f "$pack" ]; then
  unpacked="$(mktemp -d)"
  trap 'rm -rf "$unpacked"' EXIT
  tar -xJf "$pack" -C "$unpacked"
  bench="$unpacked/run.sh"
  echo "bench: unpacked from $pack"
  nv=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$nv" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$nv"
else
  if [ ! -x "$build/bin/sandtable-bench" ]; then
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j"$(nproc)" --target sandtable-bench
  fi
  bench="$build/bin/sandtable-bench"
fi

# The renderer string first, from a tiny run, so a wrong device is obvious at once.
renderer="$(timeout 60 "$bench" --info 2>/dev/null | head -n1 | sed -n 's/.*"renderer":"\([^"]*\)".*/\1/p' || true)"
echo "renderer: ${renderer:-UNKNOWN (see errors above)}"
case "${renderer,,}" in
  *llvmpipe*|*softpipe*|*swrast*|"") echo "WARNING: not a hardware GPU renderer; these are software numbers" >&2 ;;
esac
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

# 8-minute guard: the run is sized for ~3-4 minutes on a GPU; a hang must not eat the slot.
start=$(date +%s)
timeout 470 "$bench" --out "$out" ${BENCH_ARGS:-} >/dev/null
echo "wrote $out ($(wc -l <"$out") lines) in $(( $(date +%s) - start )) s"
# Medians at a glance (workload, case, resolution, median/p95 wall, GPU median).
python3 - "$out" <<'PY' || true
import json, sys
for line in open(sys.argv[1]):
    j = json.loads(line)
    def f(k):
        v = j.get(k)
        return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
    extra = f"lines/s {j['lines_per_s']:.0f}" if "lines_per_s" in j else \
            f"latency med {f('latency_median_ms')} p95 {f('latency_p95_ms')}" if "latency_median_ms" in j else ""
    print(f"{j['workload']:8} {j['case']:42} {str(j.get('resolution') or ''):10} "
          f"wall med {f('median_ms'):>9} p95 {f('p95_ms'):>9}  gpu med {f('gpu_median_ms'):>8}  {extra}")
PY
