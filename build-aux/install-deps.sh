#!/usr/bin/env bash
# Installs the Debian 12 packages Outpost needs to build, run and test (as root or via sudo).
# Does nothing when they are all present already.
set -euo pipefail
packages=(
  build-essential meson ninja-build pkg-config gettext clang
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev
  libjson-glib-dev libsqlite3-dev libsecret-1-dev
  appstream desktop-file-utils
  xvfb xauth dbus dbus-x11 at-spi2-core python3-dogtail imagemagick
  gnome-keyring libsecret-tools
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing: ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
