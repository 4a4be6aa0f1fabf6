"""Writes the notebook outputs of attnviz's and bertviz 1.4.1's head_view and model_view for the same attentions,
timing each call (html_action='return', as a notebook cell would make it).

usage: make_outputs.py WEIGHTS.f32 LAYERS HEADS N OUT_DIR
WEIGHTS.f32 is tests/web/make_view --dump-bin's synthetic attention (float32 [layers][heads][n][n], tokens in
WEIGHTS.f32.tokens.json), handed to both as transformers gives attentions: a tuple of [1, heads, n, n] torch
tensors. Prints one JSON line per output: tool, view, n, call_ms, bytes (of the output's markup).
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch


def main():
    weights, layers, heads, n, out_dir = sys.argv[1], *map(int, sys.argv[2:5]), Path(sys.argv[5])
    tokens = json.loads(Path(weights + ".tokens.json").read_text())
    flat = np.fromfile(weights, dtype="<f4").reshape(layers, 1, heads, n, n)
    attention = tuple(torch.from_numpy(flat[layer]) for layer in range(layers))
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
