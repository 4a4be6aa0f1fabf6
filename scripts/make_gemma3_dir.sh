#!/usr/bin/env bash
# Makes models/gemma3-270m/, the real Gemma 3 the tests use: models/gemma3-270m-q4-k-m.gguf
# (scripts/fetch_gemma3_gguf.sh) converted by transformers' GGUF loader (scripts/make_gemma3_dir.py) in .venv-convert
# (scripts/setup_convert_env.sh), with the Hub's tokenizer from ../shared/tokenizers/gemma3 beside it. Safe to run
# again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/models/gemma3-270m"
tokenizer="${ATTNVIZ_SHARED_DIR:-$root/../shared}/tokenizers/gemma3"
[ -f "$out/model.safetensors" ] && [ -f "$out/tokenizer.json" ] && exit 0
"$root/scripts/fetch_gemma3_gguf.sh"
"$root/scripts/setup_convert_env.sh"
"$root/.venv-convert/bin/python" "$root/scripts/make_gemma3_dir.py" "$root/models/gemma3-270m-q4-k-m.gguf" \
  "$tokenizer" "$out"
