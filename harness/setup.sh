#!/usr/bin/env bash
# Idempotent setup for the real-browser harness: engines, Xvfb, strace and
# loopback-only names for the test origins.  Quiet on success.
set -euo pipefail

HOSTS_NAMES="a.test b.test c.test d.test e.test f.test api.a.test x.a.test y.a.test"
PKGS="chromium firefox-esr libwebkit2gtk-4.1-0 xvfb xauth strace"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Map every test name to loopback for BOTH address families (an IPv4-only entry
# makes GLib ask the system DNS server for AAAA records).
for name in $HOSTS_NAMES; do
  for addr in 127.0.0.1 ::1; do
    if ! grep -Eq "^[[:space:]]*${addr//./\\.}[[:space:]]+([^#]*[[:space:]])?${name//./\\.}([[:space:]]|\$)" /etc/hosts; then
      echo "$addr $name" | $SUDO tee -a /etc/hosts >/dev/null
    fi
  done
done
