#!/usr/bin/env bash
# Makes .venv-convert, the one venv for transformers' GGUF loader (scripts/make_smollm2_dir.sh and
# scripts/make_gemma3_dir.sh) and for the Gemma 3 test that runs transformers live: accelerate, which the loader
# needs, wants a torch 2 (PyPI's, about 3.5 GB with its nvidia packages) and breaks Debian's torch 1.13 for other
# uses, so it lives here, once. The list: scripts/packages/pip-convert.txt. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/apt_install.sh" "$root/scripts/packages/debian-reference.txt"
[ -x "$root/.venv-convert/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$root/.venv-convert"
"$root/.venv-convert/bin/pip" install -q --disable-pip-version-check -r "$root/scripts/packages/pip-convert.txt"
