"""head_view and model_view take every argument of bertviz 1.4.1's, with the same meaning and the same
ValueErrors. Where bertviz 1.4.1 is installed its signatures and messages are read from it; else from the
list below, written from its source (bertviz/head_view.py, model_view.py)."""
import inspect

import numpy as np
import pytest
import torch

import attnviz

BERTVIZ_1_4_1 = {
    "head_view": [("attention", None), ("tokens", None), ("sentence_b_start", None), ("prettify_tokens", True),
                  ("layer", None), ("heads", None), ("encoder_attention", None), ("decoder_attention", None),
                  ("cross_attention", None), ("encoder_tokens", None), ("decoder_tokens", None),
                  ("include_layers", None), ("html_action", "view")],
    "model_view": [("attention", None), ("tokens", None), ("sentence_b_start", None), ("prettify_tokens", True),
                   ("display_mode", "dark"), ("encoder_attention", None), ("decoder_attention", None),
                   ("cross_attention", None), ("encoder_tokens", None), ("decoder_tokens", None),
                   ("include_layers", None), ("include_heads", None), ("html_action", "view")],
}


def bertviz_signature(name):
    try:
        import bertviz
    except ImportError:
        return BERTVIZ_1_4_1[name]
    if getattr(bertviz, "__version__", "1.4.1") != "1.4.1":
        return BERTVIZ_1_4_1[name]
    return [(p.name, p.default) for p in inspect.signature(getattr(bertviz, name)).parameters.values()]


@pytest.mark.parametrize("name", ["head_view", "model_view"])
def test_every_bertviz_argument_in_its_place_with_its_default(name):
    ours = [(p.name, p.default) for p in inspect.signature(getattr(attnviz, name)).parameters.values()
            if p.kind != inspect.Parameter.KEYWORD_ONLY]
    assert ours == bertviz_signature(name)


def layers(array):
    return tuple(torch.from_numpy(layer[None]) for layer in array)


def test_lab_calls_give_one_output_each(bert, bert_pair, gpt2):
    array, tokens, _ = bert
    pair, pair_tokens, type_ids = bert_pair
    for out in (attnviz.model_view(layers(array), tokens, html_action="return"),
                attnviz.head_view(layers(array), tokens, html_action="return"),
                attnviz.head_view(layers(gpt2[0]), gpt2[1], html_action="return"),
                attnviz.head_view(layers(pair), pair_tokens, sentence_b_start=type_ids.index(1), html_action="return"),
                attnviz.model_view(layers(pair), pair_tokens, sentence_b_start=type_ids.index(1),
                                   html_action="return")):
        markup = out.data
        assert markup.count("<iframe") == 1 and 'sandbox="allow-scripts' in markup
        # Nothing from outside: no address a browser would fetch (the page's own CSP allows none either).
        assert "https://" not in markup and "http://" not in markup and "require" not in markup.lower()


def test_view_displays_one_output(bert, monkeypatch):
    shown = []
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    array, tokens, _ = bert
    assert attnviz.head_view(layers(array), tokens) is None
    assert len(shown) == 1 and "<iframe" in shown[0].data


def test_arguments_reach_the_page(bert):
    import json
    import re

    from test_inputs import meta_of, page_of
    array, tokens, _ = bert
    page = page_of(attnviz.head_view(layers(array), tokens, layer=2, heads=[1, 3], include_layers=[0, 2],
                                     html_action="return").data)
    meta = meta_of(page)
    assert meta["initial"] == {"view": "head", "input": 0, "layer": 1, "heads": [1, 3], "theme": "dark"}
    assert meta["inputs"][0]["layers"] == 2 and meta["inputs"][0]["layer_ids"] == [0, 2]
    assert re.search(r'<script id="av-0-w-2"', page) is None  # only the included layers are stored
    page = page_of(attnviz.model_view(layers(array), ["Ġ" + t for t in tokens], display_mode="light",
                                      include_heads=[0, 2], html_action="return").data)
    meta = meta_of(page)
    assert meta["initial"]["view"] == "model" and meta["initial"]["theme"] == "light"
    assert meta["inputs"][0]["heads"] == 2 and meta["inputs"][0]["head_ids"] == [0, 2]
    assert meta["inputs"][0]["tokens"] == [" " + t for t in tokens]  # prettify_tokens: Ġ shown as a space
    assert json.dumps(meta)  # one JSON object


ENC = np.full((2, 1, 2, 3, 3), 1 / 3, dtype=np.float32)
DEC = np.full((2, 1, 2, 2, 2), 0.5, dtype=np.float32)
CROSS = np.full((2, 1, 2, 2, 3), 1 / 3, dtype=np.float32)
SELF = ENC


@pytest.mark.parametrize("kwargs", [
    dict(attention=SELF),
    dict(attention=SELF, tokens=list("abc"), encoder_tokens=list("abc")),
    dict(attention=SELF, tokens=list("abc"), cross_attention=CROSS),
    dict(encoder_attention=ENC),
    dict(decoder_attention=DEC),
    dict(cross_attention=CROSS, decoder_tokens=list("xy")),
    dict(cross_attention=CROSS, encoder_tokens=list("abc")),
    dict(),
    dict(attention=SELF, tokens=list("ab")),
    dict(cross_attention=CROSS, encoder_tokens=list("ab"), decoder_tokens=list("xy")),
    dict(attention=[torch.from_numpy(layer[0]) for layer in SELF], tokens=list("abc")),
    dict(attention=SELF, tokens=list("abc"), html_action="show"),
])
@pytest.mark.parametrize("name", ["head_view", "model_view"])
def test_same_value_errors_as_bertviz(name, kwargs):
    kwargs = {k: (tuple(torch.from_numpy(x) for x in v) if isinstance(v, np.ndarray) else v)
              for k, v in kwargs.items()}
    kwargs.setdefault("html_action", "return")
    with pytest.raises(ValueError) as ours:
        getattr(attnviz, name)(**kwargs)
    try:
        import bertviz
    except ImportError:
        assert str(ours.value)
        return
    with pytest.raises(ValueError) as theirs:
        getattr(bertviz, name)(**kwargs)
    assert str(ours.value) == str(theirs.value)


def test_layer_not_included_is_bertviz_error(bert):
    array, tokens, _ = bert
    with pytest.raises(ValueError, match=r"^Layer 2 is not in include_layers: \[0, 1\]$"):
        attnviz.head_view(layers(array), tokens, layer=2, include_layers=[0, 1], html_action="return")
