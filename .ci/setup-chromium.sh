#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser tests (tests/LapsCsp.Dashboard.Tests), when /usr/bin/chromium is
# missing. Playwright's own browser download cannot run here; the tests launch this binary through ExecutablePath.
# Runs as root (CI and developers are root on these machines). Idempotent; exits non-zero when Chromium is still missing.
set -uo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Try with the package lists already on the machine first; refresh them only when that fails.
if ! apt-get install -y -q chromium >/tmp/setup-chromium.log 2>&1; then
  apt-get update -q >>/tmp/setup-chromium.log 2>&1
  if ! apt-get install -y -q chromium >>/tmp/setup-chromium.log 2>&1; then
    echo "setup-chromium: apt-get install chromium failed:" >&2
    tail -n 20 /tmp/setup-chromium.log >&2
    exit 1
  fi
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "setup-chromium: chromium installed but /usr/bin/chromium is missing" >&2
  exit 1
fi

echo "setup-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
