#!/usr/bin/env bash
# Packs the Release sandtable-bench with everything it loads, for a machine that has no
# Debian packages, no GDAL and no network (the GPU machine of docs/benchmarks.md, "GPU
# machine"): the binary, its whole shared-library closure (`ldd`, glibc and its loader
# included, so the target's own C library does not matter), PROJ's proj.db, the CJK font
# and the Putuo sample data, in one xz tarball with a run script.
#
#   scripts/pack-bench.sh [OUT.tar.xz]      (default .gl/sandtable-bench.tar.xz)
#   BUILD_DIR=...  Release build tree (default build-rel; built here if needed)
#
# On the target, from the repository root (what `run` executes there):
#   mkdir -p /tmp/st && tar -xJf .gl/sandtable-bench.tar.xz -C /tmp/st && /tmp/st/run.sh [bench options]
# run.sh starts the bench through the packed loader with only the packed libraries, sets
# PROJ_DATA and SANDTABLE_FONT, and uses EGL's device platform (no display). The GL
# vendor library is the target's: glvnd (packed) loads the driver named by its EGL vendor
# files (on NVIDIA machines set __EGL_VENDOR_LIBRARY_FILENAMES as the device README says).
# Tested here by scripts/pack-bench.sh --check: it unpacks into a temporary folder and
# runs `--info` and a quick workload with no system library path (a packed library that
# is missing shows as a failed start).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
out="${1:-$here/.gl/sandtable-bench.tar.xz}"
build="${BUILD_DIR:-$here/build-rel}"
bin="$build/bin/sandtable-bench"

if [ ! -x "$bin" ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target sandtable-bench
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$stage/share/proj" "$stage/share/fonts" "$stage/data"
cp "$bin" "$stage/sandtable-bench"
# The closure as this machine resolves it, and the loader itself.
ldd "$bin" | awk '$3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u | while read -r lib; do
  cp -L "$lib" "$stage/lib/"
done
loader="$(basename "$(ldd "$bin" | awk '$1 ~ /ld-linux/ {print $1}' | head -n1)")"
# glvnd's EGL and GL dispatchers come with the closure; the vendor (Mesa here, NVIDIA
# there) is the target's. Mesa's EGL vendor is packed too, so that --check (and a
# machine without a GPU) can run on llvmpipe.
for f in /usr/lib/x86_64-linux-gnu/libEGL_mesa.so.0 /usr/lib/x86_64-linux-gnu/libgbm.so.1; do
  [ -e "$f" ] && cp -L "$f" "$stage/lib/"
done
cp /usr/share/proj/proj.db "$stage/share/proj/"
cp /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc "$stage/share/fonts/"
cp -r "$here/data/putuo" "$stage/data/"
cat >"$stage/run.sh" <<EOF
#!/bin/sh
# sandtable-bench from this folder: the packed loader and libraries only.
d="\$(cd "\$(dirname "\$0")" && pwd)"
export PROJ_DATA="\$d/share/proj" PROJ_LIB="\$d/share/proj" SANDTABLE_FONT="\$d/share/fonts/NotoSansCJK-Regular.ttc"
export SANDTABLE_EGL_PLATFORM="\${SANDTABLE_EGL_PLATFORM:-device}"
unset DISPLAY WAYLAND_DISPLAY
exec "\$d/lib/$loader" --inhibit-cache --library-path "\$d/lib" "\$d/sandtable-bench" --data "\$d/data/putuo" --scene "\$d/data/putuo/scene.json" "\$@"
EOF
chmod +x "$stage/run.sh"
mkdir -p "$(dirname "$out")"
tar -C "$stage" -cf - . | xz -T0 -9e >"$out"
echo "packed $(ls "$stage/lib" | wc -l) libraries, $(du -sh "$stage" | cut -f1) unpacked, $(du -h "$out" | cut -f1) as $out"

if [ "$check" = 1 ]; then
  t="$(mktemp -d)"
  tar -xJf "$out" -C "$t"
  # Every library the binary needs resolves inside the pack (the loader would otherwise
  # fall back to this machine's folders and hide a missing one).
  outside="$("$t/lib/$loader" --inhibit-cache --library-path "$t/lib" --list "$t/sandtable-bench" |
    grep '=>' | grep -v "=> $t/lib/" || true)"
  if [ -n "$outside" ]; then
    echo "pack-bench: libraries resolved outside the pack:" >&2
    echo "$outside" >&2
    exit 1
  fi
  # Then the bench itself, with an empty environment. Mesa's EGL vendor is packed, its
  # DRI driver (llvmpipe) is this machine's: the GL driver is the target's own.
  env -i PATH=/usr/bin:/bin SANDTABLE_EGL_PLATFORM=surfaceless "$t/run.sh" --info
  env -i PATH=/usr/bin:/bin SANDTABLE_EGL_PLATFORM=surfaceless "$t/run.sh" --quick --workload scatter >"$t/quick.jsonl"
  echo "check: $(wc -l <"$t/quick.jsonl") scatter lines from the unpacked bench"
  rm -rf "$t"
fi
