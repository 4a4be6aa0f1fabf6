"""Writes the notebook outputs of attnviz's and bertviz 1.4.1's head_view and model_view for the same attentions,
timing each call (html_action='return', as a notebook cell would make it).

usage: make_outputs.py LAYERS HEADS N OUT_DIR
The attention is synthetic and seeded: per head softmax(q.k / 4) of random 16-dimensional queries and keys, with
heads of three kinds as real models have (a sink on token 0, the previous or next token, diffuse), handed to both
as transformers gives attentions: a tuple of [1, heads, n, n] float32 torch tensors. Prints one JSON line per
output: tool, view, n, call_ms, bytes (of the output's markup).
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch


WORDS = ["the", "animal", "didn't", "cross", "street", "because", "it", "was", "too", "tired", "wide", "cat"]


def synthetic(layers, heads, n, seed=3):
    rng = np.random.default_rng(seed)
    logits = np.einsum("lhqd,lhkd->lhqk", rng.normal(size=(layers, heads, n, 16)),
                       rng.normal(size=(layers, heads, n, 16))) / 4
    rows = np.arange(n)
    for layer in range(layers):
        for head in range(heads):
            kind = (layer + head) % 3
            if kind == 0:
                logits[layer, head, :, 0] += 4
            elif kind == 1:
                logits[layer, head, rows, np.clip(rows + (1 if head % 2 else -1), 0, n - 1)] += 4
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    tokens = ["[CLS]"] + [WORDS[i % len(WORDS)] for i in range(n - 2)] + ["[SEP]"]
    return weights.astype(np.float32), tokens


def main():
    layers, heads, n, out_dir = *map(int, sys.argv[1:4]), Path(sys.argv[4])
    weights, tokens = synthetic(layers, heads, n)
    attention = tuple(torch.from_numpy(weights[layer][None]) for layer in range(layers))
    out_dir.mkdir(parents=True, exist_ok=True)
    import attnviz
    import bertviz
    for tool, module in (("attnviz", attnviz), ("bertviz", bertviz)):
        for view in ("head_view", "model_view"):
            start = time.perf_counter()
            markup = getattr(module, view)(attention, tokens, html_action="return").data
            call_ms = 1000 * (time.perf_counter() - start)
            page = f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body>\n{markup}\n</body></html>\n"
            (out_dir / f"{tool}_{view}_{n}.html").write_text(page, encoding="utf-8")
            print(json.dumps({"tool": tool, "view": view, "n": n, "call_ms": round(call_ms, 1),
                              "bytes": len(markup.encode("utf-8"))}), flush=True)


if __name__ == "__main__":
    main()
