#!/usr/bin/env bash
# The main job: installs dependencies, builds the cockpit (only what it runs), and opens
# it on the bundled Putuo sample. With no display it renders the map headless to a PNG
# and says where it is. Extra arguments go to `sandtable` (see docs/cli.md).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/setup-deps.sh"
TARGETS=sandtable "$here/scripts/build.sh"
mkdir -p "$here/out"
cd "$here"
exec "$here/build/bin/sandtable" --out "$here/out/sandtable-putuo.png" "$@"
