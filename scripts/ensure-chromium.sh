#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright (no browser download).
set -u
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/chromium-install.log 2>&1 \
    || { cat /tmp/chromium-install.log; echo "Could not install chromium"; exit 1; }
else
  echo "Browser tests need chromium at $CHROMIUM: run 'sudo apt-get install chromium' (or set CHROMIUM_PATH)."
  exit 1
fi
