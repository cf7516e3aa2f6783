#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's Chromium (/usr/bin/chromium) with Playwright;
# Playwright's own browser download does not work on these machines. Install it when missing
# (as root); otherwise stop with a clear message. `apt-get update` + install took about 26 s on a
# 2-core Debian 12 machine.
set -euo pipefail
CHROMIUM="${PTSIM_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: $CHROMIUM not found. The dashboard's browser tests need Debian's chromium:" >&2
  echo "       run 'sudo apt-get install -y chromium' (or set PTSIM_CHROMIUM to a Chromium binary)." >&2
  exit 1
fi
echo "installing Debian's chromium for the dashboard's browser tests ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
test -x "$CHROMIUM"
