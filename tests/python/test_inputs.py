"""The attention that reaches attnviz from Python is transformers' own, whatever form it comes in."""
import base64
import html
import json
import re
import zlib

import numpy as np
import pytest
import torch

import attnviz


def per_layer(array, dtype=torch.float32):
    """As model(**inputs, output_attentions=True).attentions gives it: a tuple of [1, heads, n, n] tensors."""
    return tuple(torch.from_numpy(layer[None]).to(dtype) for layer in array)


@pytest.mark.parametrize("model", ["bert", "gpt2"])
def test_float32_torch_and_numpy_are_transformers_values(model, request):
    array, tokens, _ = request.getfixturevalue(model)
    for given in (per_layer(array), torch.from_numpy(array), array, list(per_layer(array)),
                  torch.stack(per_layer(array))):
        held = attnviz.attention(given, tokens)
        np.testing.assert_array_equal(held.weights(), array)
        assert held.tokens == tokens
    assert attnviz.attention(array, tokens).causal == (model == "gpt2")


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_tensors_are_their_float32_values(bert, dtype):
    array, tokens, _ = bert
    layers = per_layer(array, dtype)
    held = attnviz.attention(layers, tokens)  # rows sum to 1 within the dtype's precision
    np.testing.assert_array_equal(held.weights(), torch.stack(layers)[:, 0].float().numpy())


def test_numpy_half_and_double(bert):
    array, tokens, _ = bert
    np.testing.assert_array_equal(attnviz.attention(array.astype(np.float16), tokens).weights(),
                                  array.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(attnviz.attention(array.astype(np.float64), tokens).weights(), array)


def test_tensor_that_needs_grad_and_is_not_contiguous(bert):
    array, tokens, _ = bert
    t = torch.from_numpy(np.ascontiguousarray(array.transpose(0, 1, 3, 2))).requires_grad_()
    held = attnviz.attention(t.transpose(2, 3), tokens)
    np.testing.assert_array_equal(held.weights(), array)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_tensor(bert):
    array, tokens, _ = bert
    held = attnviz.attention(tuple(t.cuda() for t in per_layer(array, torch.bfloat16)), tokens)
    assert held.layers == array.shape[0]


def page_of(output_markup):
    """The attnviz page inside one notebook output (the iframe's srcdoc)."""
    return html.unescape(re.search(r'srcdoc="([^"]*)"', output_markup).group(1))


def decode_layer(page, input_index, layer, heads, n, cols, causal, levels=255):
    text = re.search(rf'<script id="av-{input_index}-w-{layer}" type="application/octet-stream">([^<]*)<',
                     page).group(1)
    raw = zlib.decompress(base64.b64decode(text))
    scales = np.frombuffer(raw[:heads * n * 4], dtype="<f4").reshape(heads, n)
    codes = np.frombuffer(raw[heads * n * 4:], dtype=np.uint8)
    out = np.zeros((heads, n, cols), dtype=np.float32)
    i = 0
    for h in range(heads):
        for r in range(n):
            length = r + 1 if causal else cols
            out[h, r, :length] = scales[h, r] * codes[i:i + length] / levels
            i += length
    return out, scales


def meta_of(page):
    return json.loads(re.search(r'<script id="attnviz-meta" type="application/json">([^<]*)<', page).group(1))


@pytest.mark.parametrize("model", ["bert", "gpt2"])
def test_page_holds_transformers_values(model, request):
    array, tokens, _ = request.getfixturevalue(model)
    page = page_of(attnviz.head_view(per_layer(array, torch.bfloat16), tokens, html_action="return").data)
    meta = meta_of(page)["inputs"][0]
    assert meta["tokens"] == attnviz.bertviz.prettify(tokens) and meta["causal"] == (model == "gpt2")
    exact = torch.stack(per_layer(array, torch.bfloat16))[:, 0].float().numpy()
    for layer in range(array.shape[0]):
        got, scales = decode_layer(page, 0, layer, array.shape[1], array.shape[2], array.shape[3], meta["causal"])
        # 8-bit codes linear in each row's maximum: error at most row max / 510.
        assert np.all(np.abs(got - exact[layer]) <= scales[..., None] / 510 + 1e-7)


def test_cross_attention_page_holds_its_values(bert, gpt2):
    enc, enc_tokens, _ = bert
    dec, dec_tokens, _ = gpt2
    rng = np.random.default_rng(0)
    cross = rng.random((dec.shape[0], dec.shape[1], dec.shape[2], enc.shape[2]), dtype=np.float32)
    cross /= cross.sum(-1, keepdims=True)
    out = attnviz.model_view(encoder_attention=per_layer(enc[:2]), decoder_attention=per_layer(dec),
                             cross_attention=per_layer(cross), encoder_tokens=enc_tokens, decoder_tokens=dec_tokens,
                             prettify_tokens=False, html_action="return")
    page = page_of(out.data)
    meta = meta_of(page)
    assert [m["label"] for m in meta["inputs"]] == ["Encoder", "Decoder", "Cross"]
    c = meta["inputs"][2]
    assert (c["n"], c["key_count"], c["tokens"], c["key_tokens"]) == (len(dec_tokens), len(enc_tokens), dec_tokens,
                                                                       enc_tokens)
    for layer in range(cross.shape[0]):
        got, scales = decode_layer(page, 2, layer, cross.shape[1], cross.shape[2], cross.shape[3], False)
        assert np.all(np.abs(got - cross[layer]) <= scales[..., None] / 510 + 1e-7)
