#!/bin/sh
# build-aux/valgrind-sync.sh [BUILDDIR] [TEST...]: valgrind memcheck on the sync tests
# (tests/sync/*; issue 7). Not in the default suite: about 10x slower than a plain run.
# Fails on memory errors and on DEFINITE leaks (possible/reachable ones are GLib/GIO caches and
# thread pools that live to exit). Each test process writes BUILDDIR/meson-logs/valgrind-PID.log;
# the run prints the definite-leak and error records with their stacks at the end.
# Default BUILDDIR: build-valgrind (a plain debug build: -O0 keeps the stacks honest).
set -eu
cd "$(dirname "$0")/.."
builddir=${1:-build-valgrind}
[ $# -gt 0 ] && shift
if [ ! -d "$builddir" ]; then
  meson setup "$builddir" --buildtype=debug -Dgui_tests=false >/dev/null
fi
meson compile -C "$builddir" -j2 src/server/outpost-server $(meson introspect "$builddir" --targets |
  python3 -c 'import json,sys; print(" ".join(t["name"] for t in json.load(sys.stdin) if t["defined_in"].endswith("tests/sync/meson.build") and t["type"]=="executable"))') >/dev/null
logs="$PWD/$builddir/meson-logs"
rm -f "$logs"/valgrind-*.log
supp="--suppressions=$PWD/build-aux/valgrind-sync.supp"
[ -f /usr/share/glib-2.0/valgrind/glib.supp ] && supp="$supp --suppressions=/usr/share/glib-2.0/valgrind/glib.supp"
wrapper="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=30 $supp --log-file=$logs/valgrind-%p.log"
status=0
G_SLICE=always-malloc meson test -C "$builddir" --no-rebuild --suite sync --num-processes 2 \
  --timeout-multiplier 10 --wrapper "$wrapper" "$@" || status=$?
# Show what valgrind found (the TAP output of each test only says "exit status 99").
for log in "$logs"/valgrind-*.log; do
  [ -f "$log" ] || continue
  if grep -q "definitely lost in\|Invalid \|uninitialised\|Mismatched" "$log"; then
    echo "==== $log"; sed -n '/definitely lost in\|Invalid \|uninitialised\|Mismatched/,/^==[0-9]*== $/p' "$log"
  fi
  grep -h "ERROR SUMMARY" "$log" | sed "s|^|$(basename "$log"): |"
done
exit $status
