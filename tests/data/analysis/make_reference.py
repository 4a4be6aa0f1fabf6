#!/usr/bin/env python3
"""Regenerates reference_analysis.json: what the analysis stage must compute from transformers' own attentions
for the Winograd pair "The animal didn't cross the street because it was too tired / wide.", worked out here
with numpy, independently of attnviz.

Input: the attentions transformers gave for the test checkpoints (tests/data/reference/<model>.json, made by
scripts/make_test_checkpoints.py) and the checkpoints' own tokenizer files. Output, per model and sentence:
the reference case and item holding its attentions, the tokens with byte spans and special flags, the token
indices of "it", "animal" and "street", each layer's head mean, the attention rollout, the pronoun's attention
to each candidate per layer and head, and the top-3 keys of every query of one head; per model, the Winograd
summary counts over the pair. Run from the repository root:
  .venv/bin/python tests/data/analysis/make_reference.py
"""
import json
import pathlib
import re

import numpy as np
from tokenizers import Tokenizer

ROOT = pathlib.Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
OUT = pathlib.Path(__file__).with_name("reference_analysis.json")

TIRED = "The animal didn't cross the street because it was too tired."
WIDE = "The animal didn't cross the street because it was too wide."
PRONOUN, CANDIDATES = "it", ("animal", "street")
CORRECT = {TIRED: 1, WIDE: 2}  # "it" is the animal when tired, the street when wide
TOP_LAYER, TOP_HEAD, TOP_K = 1, 2, 3
MODELS = {"bert-tiny": False, "gpt2-tiny": True}  # name: causal


def find_item(reference, ids):
    for case in reference["cases"]:
        for index, item in enumerate(case["items"]):
            if item["ids"] == ids:
                return case["name"], index, item
    raise SystemExit(f"no reference item has the ids {ids}")


def word_tokens(text, word, offsets, special):
    """Tokens whose spans overlap the one whole-word, case-insensitive match of `word`."""
    matches = [m.span() for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE)]
    assert len(matches) == 1, (word, text)
    begin, end = matches[0]
    return [t for t, (b, e) in enumerate(offsets) if not special[t] and b < e and b < end and e > begin]


def rollout(attention):
    """Abnar & Zuidema: per layer the head mean plus identity, rows renormalised, multiplied through."""
    n = attention.shape[-1]
    result, out = None, []
    for layer in attention:
        a = layer.mean(axis=0) + np.eye(n)
        a = a / a.sum(axis=1, keepdims=True)
        result = a if result is None else a @ result
        out.append(result)
    return np.stack(out)


def top_keys(head, causal):
    rows = []
    for q, row in enumerate(head):
        keys = np.arange(q + 1 if causal else len(row))
        order = keys[np.argsort(-row[keys], kind="stable")]  # ties: the lower key first
        rows.append(order[:TOP_K].tolist())
    return rows


def sentence_reference(model, causal, reference, text):
    tokenizer = Tokenizer.from_file(str(DATA / "models" / model / "tokenizer.json"))
    enc = tokenizer.encode(text)
    assert text.isascii()  # character offsets are byte offsets
    case, index, item = find_item(reference, enc.ids)
    n = len(enc.ids)
    att = np.array(item["attentions"], dtype=np.float32).reshape(reference["layers"], reference["heads"], n, n)
    att64 = att.astype(np.float64)
    special = [bool(s) for s in enc.special_tokens_mask]
    pronoun = word_tokens(text, PRONOUN, enc.offsets, special)
    candidates = [word_tokens(text, c, enc.offsets, special) for c in CANDIDATES]
    to = [att64[:, :, pronoun, :][:, :, :, c].sum(axis=3).mean(axis=2) for c in candidates]
    return {
        "text": text,
        "case": case,
        "item": index,
        "tokens": enc.tokens,
        "spans": [list(o) for o in enc.offsets],
        "special": special,
        "pronoun": pronoun,
        "candidate_1": candidates[0],
        "candidate_2": candidates[1],
        "correct": CORRECT[text],
        "head_mean": att64.mean(axis=1).flatten().tolist(),
        "rollout": rollout(att64).flatten().tolist(),
        "to_candidate_1": to[0].flatten().tolist(),
        "to_candidate_2": to[1].flatten().tolist(),
        "top_keys": top_keys(att[TOP_LAYER, TOP_HEAD], causal),
    }


def summary(sentences):
    margins = []
    for s in sentences:
        right, wrong = (s["to_candidate_1"], s["to_candidate_2"])[:: 1 if s["correct"] == 1 else -1]
        margins.append(np.array(right) - np.array(wrong))
    return {
        "correct": sum((m > 0).astype(int) for m in margins).tolist(),
        "ties": sum((m == 0).astype(int) for m in margins).tolist(),
        "pairs_both": np.logical_and(margins[0] > 0, margins[1] > 0).astype(int).tolist(),
        "margin_sum": sum(margins).tolist(),
    }


def main():
    out = {"top_layer": TOP_LAYER, "top_head": TOP_HEAD, "top_k": TOP_K, "models": {}}
    for model, causal in MODELS.items():
        reference = json.loads((DATA / "reference" / f"{model}.json").read_text())
        sentences = [sentence_reference(model, causal, reference, text) for text in (TIRED, WIDE)]
        out["models"][model] = {
            "layers": reference["layers"],
            "heads": reference["heads"],
            "causal": causal,
            "sentences": sentences,
            "summary": summary(sentences),
        }
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
