#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors and GL error checks, and runs
# every test through CTest (unit, GL, golden render, feed incl. a real mosquitto broker,
# heatmap, the apps end to end incl. the window driven by xdotool) plus the benchmark
# smoke run. The setup installs Mesa, mosquitto, PostgreSQL and Xvfb, so here a test
# that finds no GL context or no such tool fails instead of being skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build-test}"
"$here/scripts/setup-deps.sh"
BUILD_DIR="$build" "$here/scripts/build.sh" -DSANDTABLE_WERROR=ON -DSANDTABLE_GL_CHECKS=ON
cd "$build"
export SANDTABLE_REQUIRE_GL=1 SANDTABLE_REQUIRE_TOOLS=1
ctest --output-on-failure -j2 --timeout 600
