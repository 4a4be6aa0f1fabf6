"""Fixtures of the Python package's tests: transformers' own attentions (tests/data/reference, made by
scripts/make_test_checkpoints.py with transformers 4.46.3) with their tokens, and the attnviz CLI."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def _tokens(model, ids):
    folder = DATA / "models" / model
    if (folder / "vocab.txt").exists():
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        return [vocab[i] for i in ids]
    vocab = {i: t for t, i in json.loads((folder / "vocab.json").read_text(encoding="utf-8")).items()}
    return [vocab[i] for i in ids]


def reference(model, case):
    """transformers' attentions of one case: ([layers, heads, n, n] float32, tokens, type_ids)."""
    doc = json.loads((DATA / "reference" / f"{model}.json").read_text())
    item = next(c for c in doc["cases"] if c["name"] == case)["items"][0]
    n = len(item["ids"])
    array = np.array(item["attentions"], dtype=np.float32).reshape(doc["layers"], doc["heads"], n, n)
    return array, _tokens(model, item["ids"]), item["type_ids"]


@pytest.fixture
def bert():
    return reference("bert-tiny", "single")


@pytest.fixture
def bert_pair():
    return reference("bert-tiny", "pair")


@pytest.fixture
def gpt2():
    return reference("gpt2-tiny", "single")


@pytest.fixture
def cli():
    """The attnviz binary (ATTNVIZ_CLI, else build/attnviz). scripts/run_tests.sh sets ATTNVIZ_CLI, so CI fails
    rather than skips when it is missing."""
    given = os.environ.get("ATTNVIZ_CLI")
    path = Path(given) if given else ROOT / "build" / "attnviz"
    if not path.exists():
        if given:
            pytest.fail(f"ATTNVIZ_CLI={given} does not exist")
        pytest.skip("no attnviz binary in build/ (set ATTNVIZ_CLI)")
    return path
