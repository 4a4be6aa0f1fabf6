#!/usr/bin/env bash
# Makes .venv-ref-newer: transformers 4.51.3 on PyPI's torch 2.5.1, for the families newer than .venv-ref's
# transformers 4.46.3 can run (Qwen3), whose fixtures scripts/make_family_checkpoints.py makes with it. PyPI's
# torch 2.x is the CUDA build (about 3.5 GB with its nvidia packages); it runs on the CPU all the same. CI does not
# need it: the fixtures and transformers' attentions for them are committed. The list:
# scripts/packages/pip-reference-newer.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/.venv-ref-newer/bin/python" ] || python3 -m venv "$root/.venv-ref-newer"
"$root/.venv-ref-newer/bin/pip" install -q -r "$root/scripts/packages/pip-reference-newer.txt"
