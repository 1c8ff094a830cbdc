#!/bin/sh
# Runs a test program ("$@") in a private D-Bus session with an unlocked gnome-keyring, so the
# Secret Service is real but holds nothing of the user's. The keyring files live in a temporary
# home that is removed afterwards.
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/outpost-keyring-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -m 700 "$tmp/runtime"
HOME="$tmp" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
XDG_RUNTIME_DIR="$tmp/runtime" \
dbus-run-session -- sh -c '
  eval "$(printf %s outpost-test | gnome-keyring-daemon --unlock --components=secrets \
          | tr -d "\0" | sed "s/^/export /")"
  "$@"
' outpost-keyring "$@"
