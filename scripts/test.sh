#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors and GL error checks, and runs
# every test through CTest (unit, GL, golden render, feed incl. a real mosquitto broker,
# heatmap, the apps end to end incl. the window driven by xdotool) plus the benchmark
# smoke run. The setup installs Mesa, mosquitto, PostgreSQL and Xvfb, so here a test
# that finds no GL context or no such tool fails instead of being skipped.
# Then the sanitizer build (docs/reliability.md): ASan + UBSan over the GL-free libraries
# and tests (unit, feed, indicators, tracks, the fuzz corpora) in a second build folder,
# ASAN_BUILD_DIR (default ./build-asan); SKIP_ASAN=1 leaves it out.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build-test}"
"$here/scripts/setup-deps.sh"
# -g1 (line tables, function names: backtraces still name the line) instead of -g: the
# full debug info made compiling 20-40 % slower (sandtable-render's main 40 s -> 24 s).
rel="-O2 -g1 -DNDEBUG"
BUILD_DIR="$build" "$here/scripts/build.sh" -DSANDTABLE_WERROR=ON -DSANDTABLE_GL_CHECKS=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$rel" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$rel"
cd "$build"
export SANDTABLE_REQUIRE_GL=1 SANDTABLE_REQUIRE_TOOLS=1
# -j4 on two cores: the app tests mostly wait (windows, processes, a wall's tour), 206 s of
# wall time for 75 s of CPU here; suites that compute on every core take two slots
# (PROCESSORS), and the longest tests start first (COST). ctest took 345 s at -j2, 207 at -j4.
ctest --output-on-failure -j4 --timeout 600

[ "${SKIP_ASAN:-0}" = 1 ] && exit 0
asan="${ASAN_BUILD_DIR:-$here/build-asan}"
start=$(date +%s)
BUILD_DIR="$asan" BUILD_TYPE=Debug "$here/scripts/build.sh" -DSANDTABLE_SANITIZE=ON
cd "$asan"
# Any report fails its test: ASan stops at the first error, UBSan is built not to recover,
# LeakSanitizer runs at exit.
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --output-on-failure -j4 --timeout 600
echo "test.sh: sanitizer build and tests took $(($(date +%s) - start)) s"
