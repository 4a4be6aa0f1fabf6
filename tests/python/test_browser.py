"""The views draw in headless chromium (Debian's, driven by playwright-core as tests/web's are), offline, as a
notebook front end shows them: the outputs' markup in a page of its own, and that page inside a sandboxed
iframe (sandbox="allow-scripts"), as VS Code and Colab show outputs. Pixels drawn, no request, no console error.
nbclient / JupyterLab runs are tests/notebook's."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import attnviz

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")


def draw(tmp_path, markup, *args):
    if shutil.which("node") is None or not CHROMIUM.exists():
        pytest.fail("the browser check needs node and /usr/bin/chromium (scripts/setup_browser_tests.sh)")
    outputs = tmp_path / "outputs.html"
    outputs.write_text(markup, encoding="utf-8")
    run = subprocess.run(["node", str(HERE / "draws.mjs"), str(outputs), *args], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def layers(array):
    return tuple(torch.from_numpy(layer[None]).to(torch.bfloat16) for layer in array)


@pytest.mark.parametrize("sandbox", [[], ["--sandbox"]])
def test_head_and_model_view_draw(bert, gpt2, tmp_path, sandbox):
    array, tokens, _ = bert
    markup = "".join(out.data for out in (
        attnviz.head_view(layers(array), tokens, html_action="return"),
        attnviz.model_view(layers(array), tokens, html_action="return"),
        attnviz.head_view(layers(gpt2[0]), gpt2[1], layer=1, html_action="return")))
    result = draw(tmp_path, markup, *sandbox)
    assert result["errors"] == [] and result["refused"] == []
    assert [v["view"] for v in result["views"]] == ["head", "model", "head"]
    assert result["views"][2]["layer"] == 1
    for view in result["views"]:
        assert view["ready"] and view["drawn_pixels"] > 2000, view


@pytest.mark.parametrize("view", ["head", "model", "heatmap"])
def test_cross_attention_draws(bert, gpt2, tmp_path, view):
    enc, enc_tokens, _ = bert
    dec, dec_tokens, _ = gpt2
    cross = np.random.default_rng(1).random((2, dec.shape[1], dec.shape[2], enc.shape[2]), dtype=np.float32)
    cross /= cross.sum(-1, keepdims=True)
    markup = attnviz.head_view(encoder_attention=layers(enc[:2]), decoder_attention=layers(dec),
                               cross_attention=layers(cross), encoder_tokens=enc_tokens, decoder_tokens=dec_tokens,
                               html_action="return").data
    result = draw(tmp_path, markup, "--sandbox", "--set", json.dumps({"input": 2, "view": view}))
    assert result["errors"] == [] and result["refused"] == []
    (shown,) = result["views"]
    assert (shown["input"], shown["view"], shown["inputs"], shown["key_count"]) == (2, view, 3, len(enc_tokens))
    assert shown["drawn_pixels"] > 2000
