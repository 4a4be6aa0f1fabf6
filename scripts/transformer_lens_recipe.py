"""Runs the README's TransformerLens recipe for `attnviz render` as written, on a model it can build
here: a HookedTransformer of random weights (no download) with tests/data/models/gpt2-tiny's
tokenizer. Writes tired.npy and tired.json in the current folder; then
    attnviz render tired.npy --layer 2 --head 1 -o tired.png

Usage: python scripts/transformer_lens_recipe.py   (in a venv with transformer_lens installed:
    python3 -m venv --system-site-packages .venv-tl
    .venv-tl/bin/pip install transformer_lens "torch==1.13.0a0" "numpy<2" "transformers==4.46.3" \
        "pyarrow<18" "datasets<3"
the pins keep Debian's torch 1.13 and what it was built against; pip then picks TransformerLens
2.11.0).
"""
import json
import pathlib

import numpy as np
import torch
from transformer_lens import HookedTransformer, HookedTransformerConfig
from transformers import AutoTokenizer

root = pathlib.Path(__file__).resolve().parent.parent
tok = AutoTokenizer.from_pretrained(root / "tests/data/models/gpt2-tiny")
torch.manual_seed(0)
cfg = HookedTransformerConfig(n_layers=2, n_heads=4, d_model=32, d_head=8, d_mlp=64, n_ctx=64,
                              d_vocab=len(tok), act_fn="gelu_new", normalization_type="LN")
model = HookedTransformer(cfg, tokenizer=tok)

# The README's recipe from here, with `model` built above instead of from_pretrained("gpt2").
text = "The animal didn't cross the street because it was too tired."
_, cache = model.run_with_cache(text)
np.save("tired.npy", np.stack([cache["pattern", l][0].cpu().numpy() for l in range(model.cfg.n_layers)]))
json.dump({"tokens": model.to_str_tokens(text)}, open("tired.json", "w"))
print("wrote tired.npy", np.load("tired.npy").shape, "and tired.json")
