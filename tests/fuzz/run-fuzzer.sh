#!/bin/sh
# run-fuzzer.sh HARNESS CORPUS [libFuzzer options]: runs HARNESS over a copy of the seed
# CORPUS (libFuzzer writes new inputs into its first corpus directory; the source tree stays
# clean), crash reproducers go to the copy too. Exit status: the harness's.
set -eu
harness=$1 corpus=$2
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/outpost-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/corpus"
cd "$work"
"$harness" -artifact_prefix="$work/" "$@" "$work/corpus" || {
  status=$?
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$f" ] || continue
    echo "reproducer $(basename "$f") (base64):"
    base64 "$f"
  done
  exit $status
}
