#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors and GL error checks, and runs
# every test through CTest (unit, GL, golden render, feed incl. a real mosquitto broker,
# heatmap, the apps end to end) plus the benchmark smoke run.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build-test}"
"$here/scripts/setup-deps.sh"
BUILD_DIR="$build" "$here/scripts/build.sh" -DSANDTABLE_WERROR=ON -DSANDTABLE_GL_CHECKS=ON
cd "$build"
ctest --output-on-failure -j2 --timeout 600
