#!/bin/sh
# build-aux/valgrind-sync.sh [BUILDDIR] [TEST...]: valgrind memcheck on the tests of the suite
# "sync" (tests/sync, and tests/links which joins it; issue 7). Not in the default suite:
# about 10x slower than a plain run (8 programs: 2m38 at load 5-8; 11 programs: 12.5 min at load 18).
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
# every program of the suite "sync" (other areas add tests to it, e.g. tests/links), as
# BUILDDIR-relative target paths
meson compile -C "$builddir" -j2 src/server/outpost-server $(meson introspect "$builddir" --tests |
  python3 -c 'import json, os, sys
b = os.path.abspath(sys.argv[1])
print(" ".join(sorted({os.path.relpath(t["cmd"][0], b) for t in json.load(sys.stdin) if any(s.split(":")[-1] == "sync" for s in t["suite"])})))' "$builddir") >/dev/null
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
