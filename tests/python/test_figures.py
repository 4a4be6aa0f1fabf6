"""attnviz's notebook API draws what the CLI draws (same bytes), from transformers' attentions and from what
`attnviz dump` gives; errors are Python exceptions with the CLI's messages."""
import json
import subprocess

import numpy as np
import pytest
import torch

import attnviz
from attnviz._inputs import looks_special

BERT_TINY = "tests/data/models/bert-tiny"


def save_for_cli(folder, array, tokens, name="attention"):
    path = folder / f"{name}.npy"
    np.save(path, array)
    path.with_suffix(".json").write_text(json.dumps({"display": tokens, "special": [looks_special(t) for t in tokens]}))
    return path


def cli_png(cli, folder, *args):
    out = folder / "cli.png"
    subprocess.run([str(cli), "render", *map(str, args), "-o", str(out)], check=True, capture_output=True,
                   cwd=folder)  # the files' names, not their whole paths, in titles
    return out.read_bytes()


@pytest.mark.parametrize("model", ["bert", "gpt2"])
def test_figures_are_the_clis(model, request, cli, tmp_path):
    array, tokens, _ = request.getfixturevalue(model)
    path = save_for_cli(tmp_path, array, tokens)
    layers = tuple(torch.from_numpy(layer[None]) for layer in array)  # as transformers gives them
    kw = dict(model="attention")
    cases = [
        (attnviz.heatmap(layers, tokens, layer=2, head=3, **kw), ["--layer", 2, "--head", 3]),
        (attnviz.mean(array, tokens, 2, **kw), ["--layer", 2, "--head", "mean"]),
        (attnviz.grid(array, tokens, 1, **kw), ["--layer", 1, "--head", "all"]),
        (attnviz.grid(array, tokens, "all", "mean", **kw), ["--layer", "all", "--head", "mean"]),
        (attnviz.grid(array, tokens, "all", "all", **kw), ["--layer", "all", "--head", "all"]),
        (attnviz.rollout(array, tokens, 2, **kw), ["--rollout", "--layer", 2]),
        (attnviz.heatmap(array, tokens, 1, 1, cmap="magma", values="always", focus=3, **kw),
         ["--layer", 1, "--head", 1, "--cmap", "magma", "--values", "always", "--focus", tokens[3].lstrip("Ġ")]),
    ]
    for figure, args in cases:
        assert figure.png() == cli_png(cli, tmp_path, path, *args), args
        assert figure._repr_png_() == figure.png() and figure._repr_svg_() == figure.svg()


def test_compare_is_the_clis(bert, cli, tmp_path):
    array, tokens, _ = bert
    other = np.ascontiguousarray(array[:, :, ::-1, :][:, :, :, ::-1])  # a second input of the same model
    a = save_for_cli(tmp_path, array, tokens, "a")
    b = save_for_cli(tmp_path, other, tokens[:3] + ["dog"] + tokens[4:], "b")
    figure = attnviz.compare(array, tokens, other, tokens[:3] + ["dog"] + tokens[4:], 2, "mean",
                             title_a=f"A: {a.name}", title_b=f"B: {b.name}", model="a")
    assert figure.png() == cli_png(cli, tmp_path, a.name, "--compare", b.name, "--layer", 2, "--head", "mean")


def test_dump_words_and_heatmap(cli, tmp_path, bert):
    """attnviz dump's attention, drawn from Python, is what `attnviz render` draws of it; --words too."""
    array, tokens, _ = bert
    from conftest import DATA
    doc = json.loads((DATA / "reference" / "bert-tiny.json").read_text())
    ids = next(c for c in doc["cases"] if c["name"] == "single")["items"][0]["ids"]
    dump = tmp_path / "dump.npy"
    text = "The animal didn't cross the street because it was too tired."  # the reference's sentence
    subprocess.run([str(cli), "dump", "--model", BERT_TINY, text, "-o", str(dump)], check=True, capture_output=True)
    values = np.load(dump)
    meta = json.loads(dump.with_suffix(".json").read_text())
    assert meta["ids"] == ids
    np.testing.assert_allclose(values, array, atol=1e-5)  # the model stage equals transformers
    figure = attnviz.heatmap(values, meta["display"], 3, 2, model=meta["model"], special=meta["special"])
    assert figure.png() == cli_png(cli, tmp_path, dump, "--layer", 3, "--head", 2)
    words = attnviz.words(values, meta["tokens"], 3, 2, model=meta["model"], special=meta["special"])
    assert words.png() == cli_png(cli, tmp_path, dump, "--words", "--layer", 3, "--head", 2)


def test_save_png_and_svg(bert, tmp_path):
    array, tokens, _ = bert
    figure = attnviz.heatmap(array, tokens, 1, 1)
    assert figure.save(tmp_path / "it.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure.save(tmp_path / "it.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    assert (tmp_path / "it.svg").read_text() == figure.svg()
    with pytest.raises(attnviz.Error, match="png"):
        figure.save(tmp_path / "it.gif")


def test_heads_table_and_atlas(bert):
    array, tokens, _ = bert
    result = attnviz.heads(array, tokens)
    rows = result.rows
    assert len(rows) == array.shape[0] * array.shape[1]
    assert (rows[0]["layer"], rows[0]["head"], rows[-1]["layer"], rows[-1]["head"]) == (1, 1, 3, 4)
    # The measures' definitions (README, "What each head does") on transformers' attentions.
    for row in rows:
        a = array[row["layer"] - 1, row["head"] - 1]
        assert row["first"] == pytest.approx(a[:, 0].mean(), abs=1e-6)
        assert row["self"] == pytest.approx(np.diag(a).mean(), abs=1e-6)
        assert row["confidence"] == pytest.approx(a.max(axis=1).mean(), abs=1e-6)
        assert np.isnan(row["prefix_matching"]) and np.isnan(row["cross_segment"])
        assert isinstance(row["role"], str)
    assert result.atlas.png()[:4] == b"\x89PNG"
    try:
        import pandas  # noqa: F401
    except ImportError:
        assert result.table == rows
    else:
        assert list(result.table.columns) == result.columns


def test_heads_of_a_pair_measure_cross_segment(bert_pair):
    array, tokens, type_ids = bert_pair
    rows = attnviz.heads(array, tokens, sentence_b_start=type_ids.index(1)).rows
    b = type_ids.index(1)
    a = array[0, 0]
    other = np.concatenate([a[:b, b:].sum(1), a[b:, :b].sum(1)]).mean()
    assert rows[0]["cross_segment"] == pytest.approx(other, abs=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda a, t: attnviz.heatmap(a, t, layer=13, head=1),
     r"^layer 13 of 3 does not exist: the attention has layers 1-3 \(numbered from 1"),
    (lambda a, t: attnviz.heatmap(a, t, layer=1, head=0), r"^head 0 of 4 does not exist"),
    (lambda a, t: attnviz.heatmap(a[:, :, :, :-1], t), r"the last two axes \(query, key\) must be equal"),
    (lambda a, t: attnviz.heatmap(a[0, 0, 0], t), r"has shape \[16\]; attnviz renders \[layers, heads, n, n\]"),
    (lambda a, t: attnviz.heatmap(a * 2, t), r"layer 1, head 1, row 1 sums to 2\.0+, not 1: not attention "
                                             r"probabilities \(softmax missing\?\); check=False draws it anyway"),
    (lambda a, t: attnviz.heatmap(-a, t), r"is negative"),
    (lambda a, t: attnviz.heatmap(a, t[:-1]), r"has 15 tokens but attention has n = 16"),
    (lambda a, t: attnviz.rollout(a, t, layer=4), r"^layer 4 of 3 does not exist"),
    (lambda a, t: attnviz.heads(np.where(np.isnan(a), 0, np.nan), t), r"holds NaN"),
])
def test_errors_carry_the_clis_messages(bert, call, message):
    array, tokens, _ = bert
    with pytest.raises(attnviz.Error, match=message):
        call(array, tokens)
    assert issubclass(attnviz.Error, ValueError)


def test_bad_arguments_are_value_errors(bert):
    array, tokens, _ = bert
    with pytest.raises(ValueError):
        attnviz.heatmap(array, tokens, layer=1.5)
    with pytest.raises(ValueError):
        attnviz.heatmap(array, None)
    with pytest.raises(ValueError):
        attnviz.heatmap(np.array([["a"]]), ["x"])
    with pytest.raises(ValueError, match="focus"):
        attnviz.heatmap(array, tokens, focus="no-such-word")


def test_check_false_draws_other_values(bert):
    array, tokens, _ = bert
    assert attnviz.heatmap(array * 2, tokens, check=False).png()[:4] == b"\x89PNG"
