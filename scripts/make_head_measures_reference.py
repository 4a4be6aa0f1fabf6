#!/usr/bin/env python3
"""Regenerates tests/data/analysis/head_measures_reference.json: the per-head measures of `attnviz heads`,
worked out with NumPy from the papers' definitions, independently of attnviz, on transformers' own attentions
(output_attentions=True, eager) of the committed test checkpoints.

For each model: a few sentences (and, for BERT, a sentence pair) with their ids, type ids, vocabulary tokens,
special-token flags and attentions [layers][heads][n][n], and every head's measures; and a repeated sequence
of random ids (numpy, seed 0, special tokens excluded) with its attentions and Olsson et al.'s prefix-matching
score per head; and each sentence's word-level attention (pieces merged as Clark et al. do: the sum over a
word's pieces as keys, the mean over its pieces as queries), words from the tokenizer's own word_ids(). Run
from the repository root:
  .venv-ref/bin/python scripts/make_head_measures_reference.py
"""
import json
import pathlib
import string

import numpy as np
import torch
import transformers

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "analysis" / "head_measures_reference.json"
MODELS = ["bert-tiny", "gpt2-tiny"]
SENTENCES = [
    "The cat sat on the mat, and the cat slept.",
    "Wait... what? No!",
    "Unbelievable strawberries didn't fit.",
]
PAIR = ("The keys are on the table.", "Where are the keys?")
PERIOD = 10


def entropy(rows):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(rows > 0, -rows * np.log(rows), 0.0)
    return terms.sum(axis=-1)


def measures(a, ids, special, punctuation, type_ids, causal):
    """Every measure of one head a (n x n, float64), as the README defines them."""
    n = a.shape[0]
    ids = np.asarray(ids)
    q = np.arange(n)
    visible = q + 1 if causal else np.full(n, n)
    delimiter = np.array([s and k > 0 for k, s in enumerate(special)])
    # TransformerLens head_detector patterns (error_measure "mul", no exclusions).
    prev_pattern = np.tril(np.eye(n, k=-1))
    duplicate = (ids[None, :] == ids[:, None]).astype(float)
    np.fill_diagonal(duplicate, 0)
    duplicate = np.tril(duplicate)
    shifted = np.roll(duplicate, 1, axis=1)
    shifted[:, 0] = 0
    induction = np.tril(shifted)
    tl = lambda pattern: float((a * pattern).sum() / a.sum())
    out = {
        "first": a[:, 0].mean(),
        "delimiter": a[:, delimiter].sum(axis=1).mean(),
        "punctuation": a[:, np.asarray(punctuation, bool)].sum(axis=1).mean(),
        "self": np.diag(a).mean(),
        "previous": np.diag(a, k=-1).mean(),
        "next": np.diag(a, k=1).mean(),
        "entropy": entropy(a).mean(),
        "uniform_entropy": np.log(visible).mean(),
        "first_entropy": entropy(a[0]),
        "first_uniform_entropy": np.log(visible[0]),
        "tl_previous": tl(prev_pattern),
        "tl_duplicate": tl(duplicate),
        "tl_induction": tl(induction),
        "sink": a[1:, 0].mean(),
        "confidence": a.max(axis=1).mean(),
        "cross_segment": None,
    }
    if 1 in type_ids:
        t = np.asarray(type_ids)
        out["cross_segment"] = (a * (t[None, :] != t[:, None])).sum(axis=1).mean()
    return {k: (None if v is None else float(v)) for k, v in out.items()}


def word_groups(enc):
    """Token indices of each word: tokens with the same (sentence, word id); special tokens alone."""
    groups, last = [], None
    for t, (seq, word) in enumerate(zip(enc.sequence_ids(), enc.word_ids())):
        key = None if word is None else (seq, word)
        if key is None or key != last:
            groups.append([])
        groups[-1].append(t)
        last = key
    return groups


def merge_words(att, groups):
    """[L][H][n][n] -> [L][H][w][w]: columns summed over a word's pieces, rows averaged."""
    summed = np.stack([att[..., g].sum(axis=-1) for g in groups], axis=-1)
    return np.stack([summed[..., g, :].mean(axis=-2) for g in groups], axis=-2)


def compact(att):
    """float32 values as the shortest decimals that read back as the same float32."""
    return [float(f"{v:.9g}") for v in att.reshape(-1)]


def attentions(model, ids, type_ids):
    inputs = {"input_ids": torch.tensor([ids])}
    if type_ids is not None:
        inputs["token_type_ids"] = torch.tensor([type_ids])
    with torch.no_grad():
        result = model(**inputs, output_attentions=True)
    return np.stack([layer[0].numpy() for layer in result.attentions])  # [L][H][n][n] float32


def main():
    doc = {"period": PERIOD, "models": {}}
    for name in MODELS:
        directory = ROOT / "tests" / "data" / "models" / name
        tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
        model = transformers.AutoModel.from_pretrained(directory, attn_implementation="eager").eval()
        causal = model.config.model_type == "gpt2"
        uses_types = not causal
        inputs = [(s, None) for s in SENTENCES] + ([PAIR] if uses_types else [])
        entries = []
        for first, second in inputs:
            enc = tokenizer(first, second, return_offsets_mapping=True, return_special_tokens_mask=True)
            ids = enc["input_ids"]
            type_ids = enc.get("token_type_ids", [0] * len(ids))
            special = [bool(s) for s in enc["special_tokens_mask"]]
            # Punctuation from the text itself: a token whose characters are all ASCII punctuation.
            segment_of = type_ids
            punctuation = []
            for k, (b, e) in enumerate(enc["offset_mapping"]):
                text = (first if segment_of[k] == 0 else second)[b:e].strip()
                punctuation.append(not special[k] and text != "" and all(c in string.punctuation for c in text))
            att = attentions(model, ids, type_ids if uses_types else None)
            a64 = att.astype(np.float64)
            groups = word_groups(enc)
            entries.append({
                "word_groups": groups, "word_attentions": compact(merge_words(a64, groups)),
                "text": first, "pair": second, "ids": ids, "type_ids": type_ids, "special": special,
                "tokens": tokenizer.convert_ids_to_tokens(ids),
                "attentions": compact(att),
                "measures": [[measures(a64[l, h], ids, special, punctuation, type_ids, causal)
                              for h in range(att.shape[1])] for l in range(att.shape[0])],
            })
        # Olsson et al.: a repeated sequence of random non-special ids, the template around it.
        rng = np.random.default_rng(0)
        pool = [i for i in range(tokenizer.vocab_size) if i not in set(tokenizer.all_special_ids)]
        random_ids = [int(i) for i in rng.choice(pool, PERIOD)]
        prefix = [tokenizer.cls_token_id] if uses_types else []
        suffix = [tokenizer.sep_token_id] if uses_types else []
        ids = prefix + random_ids + random_ids + suffix
        att = attentions(model, ids, [0] * len(ids) if uses_types else None)
        start = len(prefix)
        queries = np.arange(start + PERIOD, start + 2 * PERIOD)
        prefix_matching = att[:, :, queries, queries - PERIOD + 1].astype(np.float64).mean(axis=-1)
        doc["models"][name] = {
            "layers": int(att.shape[0]), "heads": int(att.shape[1]), "causal": causal,
            "sentences": entries,
            "repeated": {"ids": ids, "start": start, "attentions": compact(att),
                         "prefix_matching": prefix_matching.tolist()},
        }
    OUT.write_text(json.dumps(doc) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
