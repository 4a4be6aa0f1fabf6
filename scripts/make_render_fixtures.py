#!/usr/bin/env python3
"""Writes the files `attnviz render` is tested on, into tests/data/render_files/.

The attentions are transformers' own: the "single" case of tests/data/reference/gpt2-tiny.json
(output_attentions=True on tests/data/models/gpt2-tiny, [2 layers, 4 heads, 13, 13]), saved with NumPy
the way a notebook user saves them, and the tokens from Hugging Face's tokenizers. Then the same array in
the other layouts attnviz reads (big-endian Fortran order, float16, .npz, .safetensors) and one bad file
for each error attnviz must report.

Usage: .venv-ref/bin/python scripts/make_render_fixtures.py
Needs: numpy, tokenizers, safetensors (all in .venv-ref).
"""
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = DATA / "render_files"


def main():
    OUT.mkdir(exist_ok=True)
    reference = json.loads((DATA / "reference" / "gpt2-tiny.json").read_text())
    item = next(c for c in reference["cases"] if c["name"] == "single")["items"][0]
    n = len(item["ids"])
    a = np.asarray(item["attentions"], dtype=np.float32).reshape(reference["layers"], reference["heads"], n, n)
    tokenizer = Tokenizer.from_file(str(DATA / "models" / "gpt2-tiny" / "tokenizer.json"))
    tokens = [tokenizer.id_to_token(i) for i in item["ids"]]

    # What the README's recipe writes: np.save and a JSON of the tokens (its sidecar name).
    np.save(OUT / "transformers.npy", a)
    (OUT / "transformers.json").write_text(json.dumps({"tokens": tokens, "model": "gpt2-tiny"}) + "\n")
    (OUT / "tokens.json").write_text(json.dumps(tokens) + "\n")  # the plain-list form, for --tokens
    (OUT / "short_tokens.json").write_text(json.dumps(tokens[:-1]) + "\n")

    # The same numbers in other layouts.
    np.save(OUT / "big_endian_fortran.npy", np.asfortranarray(a.astype(">f4")))
    np.save(OUT / "float16.npy", a.astype(np.float16))
    np.savez_compressed(OUT / "layer2.npz", attention=a[1])  # [heads, n, n]
    save_file({"attention": np.ascontiguousarray(a[1, 2])}, str(OUT / "layer2_head3.safetensors"))  # [n, n]

    # Bad files, each for one error.
    np.save(OUT / "scores.npy", a * 2)  # rows sum to 2: not probabilities
    differences = a - a.transpose(0, 1, 3, 2)  # negative values: drawn with --no-check
    np.save(OUT / "differences.npy", differences)
    with_nan = a.copy()
    with_nan[1, 3, 4, 2] = np.nan
    np.save(OUT / "nan.npy", with_nan)
    np.save(OUT / "rank5.npy", a[None])
    np.save(OUT / "not_square.npy", a[:, :, :, :-1])
    np.save(OUT / "integers.npy", (a * 100).astype(np.int32))
    np.savez(OUT / "two_arrays.npz", first=a, second=a)
    whole = (OUT / "transformers.npy").read_bytes()
    (OUT / "truncated.npy").write_bytes(whole[: len(whole) - 100])
    for name in ["scores", "differences", "nan", "rank5", "not_square", "integers", "two_arrays", "truncated",
                 "big_endian_fortran", "float16", "layer2", "layer2_head3"]:
        (OUT / f"{name}.json").write_text(json.dumps({"tokens": tokens, "model": "gpt2-tiny"}) + "\n")


if __name__ == "__main__":
    main()
