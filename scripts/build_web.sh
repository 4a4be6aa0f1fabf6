#!/usr/bin/env bash
# Builds the HTML view's front end (src/web, TypeScript) into src/web/dist/, which CMake embeds into attnviz.
# Run before cmake; needs node (>= 18) and npm. Safe to run again.
set -euo pipefail
web="$(cd "$(dirname "${BASH_SOURCE[0]}")/../src/web" && pwd)"
command -v npm >/dev/null || { echo "build_web.sh: npm not found; install nodejs and npm (apt-get install nodejs npm)" >&2; exit 1; }
cd "$web"
npm ci --no-audit --no-fund --loglevel=error
npx --no-install tsc --noEmit -p .
npm run --silent build
echo "build_web.sh: wrote $web/dist/attnviz.js and attnviz.css"
