#!/usr/bin/env bash
# Fuzzes the parsers of outside input with libFuzzer (docs/reliability.md):
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Targets: feed_line scene history_import records wall_frame (default: all), each run for
# SECONDS_PER_TARGET (default 600), one after the other. Configures and builds build-fuzz
# with clang-14 (ASan + UBSan + libFuzzer; BUILD_DIR overrides), then runs each target
# over a working copy of its seed corpus (build-fuzz/corpus/NAME: new inputs go there,
# never into tests/fuzz/corpus) with its dictionary. Crashes, hangs (-timeout=10) and
# allocations over -rss_limit_mb=2048 are kept as build-fuzz/findings/NAME/crash-*
# (timeout-*, oom-*, leak-*) and printed. Prints per target the executions, exec/s and
# the final cov:/ft: figures. Exits 1 when any target found something.
# JOBS (default 2) is the build's parallelism; NICE (default 15) the runs' niceness.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build-fuzz}"
seconds="${1:-600}"
shift || true
all=(feed_line scene history_import records wall_frame)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 2; }
done

for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool missing (scripts/setup-deps.sh installs it)" >&2; exit 2; }
done
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$here" -B "$build" "${gen[@]}" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANDTABLE_FUZZ=ON >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=(--target "fuzz_$t"); done
nice -n 10 cmake --build "$build" -j"${JOBS:-2}" "${build_targets[@]}"

# Symbolized stacks in the reports (llvm-14).
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer; fi
summary=()
found=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  findings="$build/findings/$t"
  mkdir -p "$corpus" "$findings"
  cp -n "$here/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  dict=()
  [ -f "$here/tests/fuzz/dict/$t.dict" ] && dict=(-dict="$here/tests/fuzz/dict/$t.dict")
  log="$build/findings/$t.log"
  echo "== fuzz_$t: ${seconds} s over $corpus ($(ls "$corpus" | wc -l) inputs)"
  set +e
  # -fork=0, one process: the figures below are one fuzzer's. A crash stops the run.
  (cd "$findings" && nice -n "${NICE:-15}" "$build/bin/fuzz_$t" "${dict[@]}" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1)
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  artifacts=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \
    -o -name 'leak-*' -o -name 'slow-unit-*' \) | sort)
  status=ok
  if [ "$rc" -ne 0 ] || [ -n "$(grep -v slow-unit <<<"$artifacts")" ]; then
    status="FOUND (exit $rc)"
    found=1
    grep -E 'ERROR: |SUMMARY: |runtime error|invariant broken|Test unit written' "$log" | head -20 || true
  fi
  line=$(printf '%-15s %7ss  execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %-5s %s' "$t" "$seconds" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$(ls "$corpus" | wc -l)" "$status")
  echo "$line"
  summary+=("$line")
  for a in $artifacts; do echo "   artifact: $a"; done
done
echo "== fuzz summary (logs and artifacts in $build/findings)"
printf '%s\n' "${summary[@]}"
exit "$found"
