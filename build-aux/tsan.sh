#!/bin/sh
# build-aux/tsan.sh [BUILDDIR] [meson test args...]: ThreadSanitizer run of the threaded parts:
# the concurrency test (a user-save thread against back-to-back background syncs) and the sync
# suite (parallel downloads, the connector's session pool, the engine's worker thread).
# Default BUILDDIR: build-tsan. Any TSan report fails the run (exit code 66 of the test).
#
#   build-aux/tsan.sh                       # concurrency + sync suite (about 4-6 min on 2 cores)
#   build-aux/tsan.sh build-tsan concurrency    # one test
#   CC=clang build-aux/tsan.sh              # clang instead of the default compiler
#
# -Db_sanitize=thread (meson's own option) instruments Outpost's code and outpost-server. GLib is
# not instrumented and locks with futexes TSan cannot see, so build-aux/tsan-glib.c (preloaded
# into each test and its children) puts GMutex/GCond/GRWLock/GRecMutex on pthreads and marks
# GLib's hand-overs (GAsyncQueue, main-context callbacks, GTask) for TSan. build-aux/tsan.supp
# lists what is left of GLib's own, each entry with its reason. The concurrency test does 2,000
# saves instead of 10,000 here (OUTPOST_CONCURRENCY_SAVES): TSan makes it 5-15x slower.
set -eu
cd "$(dirname "$0")/.."
builddir=${1:-build-tsan}
[ $# -gt 0 ] && shift
if [ ! -d "$builddir" ]; then
  meson setup "$builddir" --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false \
    -Dgui_tests=false >/dev/null
fi
targets=$(meson introspect "$builddir" --targets | python3 -c 'import json, sys
for t in json.load(sys.stdin):
    d = t["defined_in"]
    if t["type"] == "executable" and (d.endswith("tests/sync/meson.build") or t["name"] == "test-concurrency"):
        print(t["name"])')
meson compile -C "$builddir" -j2 src/server/outpost-server $targets >/dev/null
shim="$PWD/$builddir/tsan-glib.so"
${CC:-cc} -shared -fPIC -O1 -o "$shim" build-aux/tsan-glib.c $(pkg-config --cflags --libs gio-2.0) -ldl
export TSAN_OPTIONS="${TSAN_OPTIONS:-suppressions=$PWD/build-aux/tsan.supp:second_deadlock_stack=1:history_size=4:halt_on_error=0}"
# GSlice's magazines recycle memory behind TSan's back (malloc/free are what it tracks)
export G_SLICE=always-malloc
export OUTPOST_CONCURRENCY_SAVES="${OUTPOST_CONCURRENCY_SAVES:-2000}"
if [ $# -eq 0 ]; then
  # the sync tests are named after their executables; test-concurrency's test is "concurrency"
  set -- $(echo "$targets" | sed 's/^test-concurrency$/concurrency/')
fi
# the preload goes to the test and to the outpost-server it starts, not to meson itself
exec meson test -C "$builddir" --no-rebuild --num-processes 2 --timeout-multiplier 6 --print-errorlogs \
  --wrapper "env LD_PRELOAD=$shim" "$@"
