#!/usr/bin/env python3
"""A real pretrained decoder against transformers eager: attnviz's token ids against tokenizers' on the model's own
tokenizer.json, and every attention of every layer and head at each of the given lengths. Run by ctest on
SmolLM2-135M-Instruct (models/smollm2-135m-instruct, scripts/make_smollm2_dir.sh; .venv-ref's transformers 4.46) at
32 and 2,048 tokens, and on Gemma 3 270M (models/gemma3-270m, scripts/make_gemma3_dir.sh; .venv-convert's
transformers 4.52) at 12 tokens and at 600, past its 512-token sliding window.

Exits 77 (ctest: skipped) with the reason when the directory cannot be had.
Usage: pretrained_parity.py ATTNVIZ_BINARY MODEL_DIR MAKE_SCRIPT LENGTH...
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

TOLERANCE = 1e-4
TEXT = ("The animal didn't cross the street because it was too tired. The trophy doesn't fit into the brown "
        "suitcase because it is too large. ")


def attnviz(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, check=True).stdout


def main():
    binary, model_dir, make_script, lengths = sys.argv[1], Path(sys.argv[2]), sys.argv[3], map(int, sys.argv[4:])
    if not (model_dir / "model.safetensors").exists():
        print(f"skipped: {model_dir} is missing; scripts/{make_script} makes it")
        return 77
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(2)
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    ours = json.loads(attnviz(binary, "tokenize", "--model", str(model_dir), "--json", TEXT))
    theirs = tokenizer.encode(TEXT).ids
    our_ids = ours["ids"] if isinstance(ours, dict) else [t["id"] for t in ours]
    assert our_ids == theirs, f"token ids differ:\n{our_ids}\n{theirs}"
    print(f"tokenize: {len(theirs)} ids equal to tokenizers'")

    model = AutoModelForCausalLM.from_pretrained(model_dir, attn_implementation="eager").eval()
    long_ids = tokenizer.encode(TEXT * 120).ids
    layers, heads = model.config.num_hidden_layers, model.config.num_attention_heads
    for n in lengths:
        ids = long_ids[:n]
        with tempfile.TemporaryDirectory() as work:
            out = Path(work) / "attention.npy"
            attnviz(binary, "dump", "--model", str(model_dir), "--ids", ",".join(map(str, ids)), "-o", str(out))
            mine = np.load(out, mmap_mode="r")
            with torch.no_grad():
                attentions = model(torch.tensor([ids]), output_attentions=True, use_cache=False).attentions
            worst = 0.0
            for layer, expected in enumerate(attentions):
                worst = max(worst, float(np.abs(mine[layer] - expected[0].numpy()).max()))
            del attentions
        print(f"n={n}: {mine.shape[0]} layers x {mine.shape[1]} heads, max |attnviz - transformers| = {worst:.2e}")
        assert mine.shape == (layers, heads, n, n), mine.shape
        assert worst <= TOLERANCE, f"n={n}: max difference {worst} above {TOLERANCE}"
    return 0


if __name__ == "__main__":
    sys.exit(main())
