#!/bin/sh
# build-aux/sanitize.sh [BUILDDIR]: AddressSanitizer + UndefinedBehaviorSanitizer build of
# Outpost and its unit suites (store, sync, server, auto, cli). Any ASan/UBSan report fails the
# run (halt_on_error; LeakSanitizer on). Default BUILDDIR: build-asan.
#
# Two passes: the suites run with ASan's fast unwinder; tests that fail run again with full
# stacks (fast_unwind_on_malloc=0). GLib is built without frame pointers, so a fast-unwound leak
# stops at g_malloc: it has no caller to read and build-aux/lsan.supp cannot match it. Full
# stacks on every malloc make the suites 3-4x slower (test-sync-resume then misses its window),
# hence only for the failures. The second pass decides the exit status.
set -eu
cd "$(dirname "$0")/.."
builddir=${1:-build-asan}
if [ -d "$builddir" ]; then
  meson setup --reconfigure "$builddir" -Dsanitize=true -Dgui_tests=false >/dev/null
else
  meson setup "$builddir" -Dsanitize=true -Dgui_tests=false
fi
meson compile -C "$builddir" -j2
asan="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# GLib's type system and caches keep some memory to the end of the process: not our leaks
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/build-aux/lsan.supp:print_suppressions=0}"
suites="--suite store --suite sync --suite server --suite auto --suite cli"
rm -f "$builddir/meson-logs/testlog-fast-unwind.json"
if ASAN_OPTIONS="$asan" meson test -C "$builddir" --no-rebuild --num-processes 2 \
     --timeout-multiplier 3 $suites; then
  exit 0
fi
failed=$(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["result"] not in ("OK", "SKIP", "EXPECTEDFAIL"):
        print(t["name"].split(" / ", 1)[1])' "$builddir/meson-logs/testlog.json")
echo "sanitize.sh: again with full stacks: $failed"
cp "$builddir/meson-logs/testlog.txt" "$builddir/meson-logs/testlog-fast-unwind.txt"
cp "$builddir/meson-logs/testlog.json" "$builddir/meson-logs/testlog-fast-unwind.json"
ASAN_OPTIONS="$asan:fast_unwind_on_malloc=0" exec meson test -C "$builddir" --no-rebuild \
  --num-processes 2 --timeout-multiplier 3 --print-errorlogs $failed
