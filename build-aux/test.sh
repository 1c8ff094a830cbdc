#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds into ./build and runs `meson test`.
# Extra arguments go to `meson test` (e.g. --suite store).
set -euo pipefail
cd "$(dirname "$0")/.."
build-aux/install-deps.sh
[ -f build/build.ninja ] || meson setup build
meson compile -C build
meson test -C build --print-errorlogs "$@"
