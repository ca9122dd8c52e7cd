#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the Debian 12 packages Kith needs, only those that are missing.
# Sourced by build-aux/run, build-aux/test and build-aux/bench; runs apt-get as root or via sudo.

KITH_BUILD_PACKAGES=(
  build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libsoup-3.0-dev libjson-glib-dev libsqlite3-dev libcrypt-dev libmicrohttpd-dev libgnutls28-dev
  libcurl4-gnutls-dev
  librhonabwy-dev libjansson-dev
  libgtk-4-dev libadwaita-1-dev libsecret-1-dev libx11-dev libxdamage-dev libxtst-dev libxss-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-nice
  desktop-file-utils appstream curl xdg-user-dirs
)
KITH_TEST_PACKAGES=(
  dbus dbus-x11 xvfb xauth x11-utils gnome-keyring libsecret-tools sqlite3
  python3-dbusmock libclang-rt-14-dev clang openssl gstreamer1.0-tools gsettings-desktop-schemas
  python3-aiosmtpd locales-all
  chromium nodejs
)
# What the benchmarks run besides the build (bench/kith-bench-desktop.c's
# headless desktop: Xvfb, a session bus, gnome-keyring).
KITH_BENCH_PACKAGES=(
  dbus xvfb gnome-keyring
)

kith_missing_packages () {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s\n' "$p"
    fi
  done
}

kith_install_packages () {
  local missing
  mapfile -t missing < <(kith_missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "kith: these packages are missing and I am not root: ${missing[*]}" >&2
      return 1
    fi
  fi
  echo "kith: installing ${missing[*]}" >&2
  $sudo apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || return 1
}

# The browser tests' node modules (tests/browser/package-lock.json, npm ci),
# when they are missing or older than the lock file. npm comes with some
# builds of nodejs; Debian's own npm package is installed only when there is
# none (it conflicts with those).
kith_install_browser_modules () {
  local dir=$1
  if ! command -v npm >/dev/null 2>&1; then
    kith_install_packages npm || return 1
  fi
  if [ -f "$dir/node_modules/.package-lock.json" ] &&
     ! [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    return 0
  fi
  echo "kith: installing the browser tests' node modules (npm ci)" >&2
  # The system's certificate authorities, as apt and curl trust them (npm
  # otherwise knows only its own list: behind a proxy with a local CA, a
  # user without npm settings of their own gets SELF_SIGNED_CERT_IN_CHAIN).
  local ca=()
  if [ -z "${npm_config_cafile:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    ca=(--cafile=/etc/ssl/certs/ca-certificates.crt)
  fi
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error "${ca[@]}" >&2
}
