#!/usr/bin/env bash
# Makes .venv-ref: Debian's torch (the same 1.13 as libtorch-dev) with the transformers release the committed
# references were made with. Used to regenerate fixtures and by tests that compare against transformers live.
# The lists: scripts/packages/debian-reference.txt and pip-reference.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/apt_install.sh" "$root/scripts/packages/debian-reference.txt"
[ -x "$root/.venv-ref/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$root/.venv-ref"
"$root/.venv-ref/bin/pip" install -q -r "$root/scripts/packages/pip-reference.txt"
