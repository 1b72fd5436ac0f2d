#!/usr/bin/env bash
# Installs the Debian 12 packages Sandtable needs to build, test and run.
# Idempotent: packages already present are skipped by apt. Uses sudo when not root.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config
  python3-glad
  libgdal-dev gdal-bin libproj-dev proj-data libgeos-dev
  libimgui-dev libglfw3-dev
  libegl-dev libgl-dev libegl-mesa0 libgl1-mesa-dri libglx-mesa0
  libfreetype-dev libpng-dev libstb-dev
  libsimdjson-dev nlohmann-json3-dev
  libmosquitto-dev mosquitto
  postgresql postgresql-postgis
  catch2
  fonts-noto-cjk
  xvfb xauth x11-utils
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
