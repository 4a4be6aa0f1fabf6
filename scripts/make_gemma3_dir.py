#!/usr/bin/env python3
"""Turns the Gemma 3 270M GGUF (Q4_K_M) into a Hugging Face model directory with transformers' own GGUF loader:
config.json and model.safetensors (float32, dequantized), with the Hub's tokenizer.json and tokenizer_config.json
copied in: the loader's own tokenizer for Gemma 3 is wrong (it splits " capital" into "▁c ap it al").
"The capital of France is" must be continued with "Paris" (greedy), or the conversion went wrong.

Usage: scripts/make_gemma3_dir.py GGUF_FILE TOKENIZER_DIR OUT_DIR   (in .venv-convert: scripts/make_gemma3_dir.sh)
"""
import shutil
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM


def main():
    gguf, tokenizer_dir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    if not (tokenizer_dir / "tokenizer.json").exists():
        sys.exit(f"{tokenizer_dir} has no tokenizer.json (the Hub's Gemma 3 tokenizer)")
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, torch_dtype=torch.float32).eval()
    tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
    ids = tokenizer.encode("The capital of France is").ids
    with torch.no_grad():
        generated = model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                   max_new_tokens=6, do_sample=False)
    answer = tokenizer.decode(generated[0, len(ids):].tolist())
    print(f"Gemma 3 270M continues: {answer!r}")
    if "Paris" not in answer:
        sys.exit("the converted model does not answer Paris: the conversion went wrong")
    model.config._name_or_path = "google/gemma-3-270m"
    model.save_pretrained(out, safe_serialization=True)
    (out / "generation_config.json").unlink(missing_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / name, out / name)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
