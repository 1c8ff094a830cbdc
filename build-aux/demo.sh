#!/usr/bin/env bash
# Starts Outpost on its built-in demo server with sample data: installs what is missing,
# builds into ./build and runs the app from the build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
build-aux/install-deps.sh
[ -f build/build.ninja ] || meson setup build
meson compile -C build
GSETTINGS_SCHEMA_DIR="$PWD/build/data" exec build/src/outpost --demo "$@"
