#!/bin/sh
# build-aux/sanitize.sh [BUILDDIR]: AddressSanitizer + UndefinedBehaviorSanitizer build of
# Outpost and its unit suites (store, sync, server, auto, cli). Any ASan/UBSan report fails the
# run (halt_on_error; LeakSanitizer on). Default BUILDDIR: build-asan.
set -eu
cd "$(dirname "$0")/.."
builddir=${1:-build-asan}
if [ -d "$builddir" ]; then
  meson setup --reconfigure "$builddir" -Dsanitize=true -Dgui_tests=false >/dev/null
else
  meson setup "$builddir" -Dsanitize=true -Dgui_tests=false
fi
meson compile -C "$builddir" -j2
# fast_unwind_on_malloc=0: GLib is built without frame pointers, so the fast unwinder stops at
# g_malloc and a leak report has no caller (and no suppression can match it)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1:fast_unwind_on_malloc=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# GLib's type system and caches keep some memory to the end of the process: not our leaks
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/build-aux/lsan.supp:print_suppressions=0}"
exec meson test -C "$builddir" --num-processes 2 --timeout-multiplier 3 --print-errorlogs \
  --suite store --suite sync --suite server --suite auto --suite cli
