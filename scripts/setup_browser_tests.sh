#!/usr/bin/env bash
# Installs what the HTML view's browser tests need: Debian's chromium and, next to tests/web, playwright-core
# (which drives an existing browser and downloads none) and pngjs. Safe to run again.
set -euo pipefail
tests="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/web" && pwd)"
if ! command -v chromium >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium
fi
cd "$tests"
npm ci --no-audit --no-fund --loglevel=error
echo "setup_browser_tests.sh: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), playwright-core ready"
