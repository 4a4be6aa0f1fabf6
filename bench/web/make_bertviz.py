"""Writes bertviz's head_view and model_view HTML for an attention dumped by tests/web/make_view --dump-bin.

usage: make_bertviz.py WEIGHTS.f32 LAYERS HEADS N OUT_DIR
The pages are what head_view(..., html_action='return').data gives (bertviz 1.4.1), inside a minimal document;
they load require.js, d3 and jQuery from cdnjs, which bench.mjs serves from bench/web/node_modules.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from bertviz import head_view, model_view


def main() -> None:
    weights_path, layers, heads, n, out_dir = sys.argv[1], *map(int, sys.argv[2:5]), Path(sys.argv[5])
    tokens = json.loads(Path(weights_path + ".tokens.json").read_text())
    flat = np.fromfile(weights_path, dtype="<f4").reshape(layers, 1, heads, n, n)
    attention = tuple(torch.from_numpy(flat[layer]) for layer in range(layers))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, view in (("head_view", head_view), ("model_view", model_view)):
        start = time.perf_counter()
        html = view(attention, tokens, html_action="return").data
        page = f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body>\n{html}\n</body></html>\n"
        (out_dir / f"bertviz_{name}.html").write_text(page, encoding="utf-8")
        print(f"bertviz_{name}_ms {1000 * (time.perf_counter() - start):.0f}", flush=True)


if __name__ == "__main__":
    main()
