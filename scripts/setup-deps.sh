#!/usr/bin/env bash
# Installs the Debian 12 packages Sandtable needs to build, test and run, on a bare
# machine (debootstrap minbase: no recommends). Idempotent: packages already present are
# skipped. Uses sudo when not root. Each package says what needs it; keep it that way.
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build pkg-config
  # fuzzing (scripts/fuzz.sh, SANDTABLE_FUZZ): clang and its libFuzzer/ASan/UBSan runtimes,
  # which clang-14 only recommends; llvm-14 for llvm-symbolizer (readable crash stacks).
  # The sanitizer build (SANDTABLE_SANITIZE, gcc) needs nothing more: libasan8 and
  # libubsan1 are dependencies of gcc-12's libgcc-12-dev (build-essential).
  clang-14 libclang-rt-14-dev llvm-14
  python3-glad            # glad: the GL 4.5 core loader, generated at configure time (cmake/glad.cmake)
  # libraries the build links (CMakeLists.txt find_package / pkg-config)
  libgdal-dev             # GDAL/OGR: every map data reader and writer
  libproj-dev proj-data   # PROJ: every transform (proj-data holds proj.db)
  libgeos-dev             # GEOS: polygon repair and triangulation
  libglfw3-dev            # windows
  libimgui-dev libstb-dev # Dear ImGui (static, GLFW + OpenGL3 backends) and the stb it links
  libfreetype-dev         # glyphs for map labels and the UI font
  libpng-dev              # PNG output
  libegl-dev              # headless contexts (OpenGL::EGL)
  libopengl-dev           # libOpenGL.so: find_package(OpenGL COMPONENTS OpenGL EGL)
  libgl-dev               # GL/gl.h, which FindOpenGL looks for
  libsimdjson-dev         # the feed's line parser
  nlohmann-json3-dev      # scene files, --stats, bench lines
  libmosquitto-dev        # MQTT transport
  libcli11-dev            # every app's options and --help
  libxlsxwriter-dev       # sandtable-kpi --xlsx
  libzmq3-dev cppzmq-dev  # a wall of several machines: the leader's frame state over ZeroMQ PUB/SUB
  libmicrohttpd-dev       # the metrics endpoint (--metrics): Prometheus text and /healthz over HTTP
  libsystemd-dev          # sd_notify: the wall tells systemd it is up and alive (READY, WATCHDOG)
  libcairo2-dev           # sandtable-brief: the monthly report's PDF pages (cairo-pdf, cairo-ft)
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev  # sandtable-render --video: H.264 replays (libx264)
  catch2                  # tests (Catch2 2.13)
  clang-format            # the style test (.clang-format)
  # run time
  libegl-mesa0 libgl1-mesa-dri  # Mesa EGL and llvmpipe: GL 4.5 with no GPU
  libglx-mesa0            # GLX, for the GLFW window under X (Xvfb included)
  fonts-noto-cjk          # Noto Sans CJK SC: Chinese labels and UI
  # what the tests run (tests/apps, tests/feed)
  mosquitto               # MQTT brokers started by the MQTT tests (and mosquitto_passwd: the login test)
  openssl                 # the openssl command: the MQTT TLS test makes its CA and server certificate
  postgresql postgresql-postgis  # throwaway PostGIS server of the PostGIS layer test
  gdal-bin                # ogr2ogr (PostGIS test), gdaltransform (interaction test)
  xvfb                    # a real X display for the window tests
  xdotool                 # synthetic mouse and keys (interaction test)
  systemd                 # systemd-analyze verify: the wall's unit file (scripts/systemd)
  poppler-utils           # pdfinfo, pdftotext, pdffonts, pdftoppm: the monthly report test
  ffmpeg                  # ffprobe: the replay video test (frames, duration, codec)
  python3 python3-pil     # app test scripts; Pillow reads the PNGs they check
  python3-prometheus-client  # the metrics test parses /metrics with the reference parser
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
