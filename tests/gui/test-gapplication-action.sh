#!/bin/bash
# test-gapplication-action.sh: while the window runs, `gapplication action
# io.github.outpostcrm.Outpost sync` (the D-Bus action other programs use) starts a sync in it.
# Runs under tests/gui/gui-session (session bus + display). TAP.
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/outpost-gaction-XXXXXX")
trap 'kill "$app" 2>/dev/null; wait "$app" 2>/dev/null; rm -rf "$tmp"' EXIT
export XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
# Automatic sync off, so the only sync after the demo's first one is the action's.
mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings"
printf '[io/github/outpostcrm/Outpost]\nauto-sync-after-start=-1\nauto-sync-delay=-1\nauto-sync-after-change=-1\n' \
  >"$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"
export GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR=$GSETTINGS_SCHEMA_DIR_FOR_APP
db=$XDG_DATA_HOME/outpost/demo/outpost.db
echo "1..3"

runs() {  # succeeded sync runs in the account's sync log
  python3 -c 'import sqlite3, sys
try:
    c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    print(c.execute("select count(*) from outpost_sync_run where status = ?", ("succeeded",)).fetchone()[0])
except Exception:
    print(0)' "$db"
}

wait_runs() {  # wait_runs N: up to 60 s for N succeeded runs
  for _ in $(seq 120); do
    [ "$(runs)" -ge "$1" ] && return 0
    sleep 0.5
  done
  return 1
}

"$OUTPOST_BIN" --demo >"$tmp/app.log" 2>&1 &
app=$!
if wait_runs 1; then echo "ok 1 - the demo's first sync ran"; else echo "not ok 1 - the demo's first sync ran"; fi
before=$(runs)
if gapplication action io.github.outpostcrm.Outpost sync; then
  echo "ok 2 - gapplication reached the running window"
else
  echo "not ok 2 - gapplication reached the running window"
fi
if wait_runs $((before + 1)); then
  echo "ok 3 - the action started a sync that succeeded ($(runs) runs in the log)"
else
  echo "not ok 3 - the action started a sync that succeeded"
  sed 's/^/# /' "$tmp/app.log" | tail -20
fi
