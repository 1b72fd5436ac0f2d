#!/usr/bin/env bash
# Rewrites the --help blocks of docs/cli.md from the built programs (BUILD_DIR, default
# ./build-test), so the docs say exactly what the programs do.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BUILD_DIR:-$here/build-test}/bin"
python3 "$here/tests/apps/cli_docs_check.py" "$here/docs/cli.md" --update \
  "$bin/sandtable" "$bin/sandtable-render" "$bin/sandtable-bench" "$bin/sandtable-mkdata" \
  "$bin/sandtable-sim" "$bin/sandtable-sim:records" "$bin/sandtable-kpi" "$bin/sandtable-import" "$bin/sandtable-brief"
