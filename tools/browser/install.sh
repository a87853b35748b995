#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser tests, unless it is already there.
# Needs root (CI runs as root); playwright-core drives it and downloads nothing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
echo "chromium: $(command -v chromium)"
