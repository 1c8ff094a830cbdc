#!/usr/bin/env bash
# Rewrites po/POTFILES.in from the tracked files that hold translatable strings
# (_(), N_(), C_(), g_dngettext, translatable="yes"), plus the data files.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  git ls-files 'src/*.c' 'src/*.ui' | grep -v '^src/server/' |
    xargs grep -lE '(^|[^A-Za-z0-9_])(N?_|C_|g_dngettext)\(|translatable="yes"' || true
  git ls-files 'data/*.desktop.in' 'data/*.metainfo.xml.in' 'data/*.gschema.xml'
} | LC_ALL=C sort -u > po/POTFILES.in
