#!/usr/bin/env bash
# Installs what the HTML view's browser tests need: Debian's chromium and, next to tests/web, playwright-core
# (which drives an existing browser and downloads none) and pngjs (the Debian list:
# scripts/packages/debian-test.txt). Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/apt_install.sh" "$root/scripts/packages/debian-test.txt"
cd "$root/tests/web"
npm ci --no-audit --no-fund --loglevel=error
echo "setup_browser_tests.sh: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), playwright-core ready"
