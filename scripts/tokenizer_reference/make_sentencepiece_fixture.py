#!/usr/bin/env python3
"""Writes tests/data/tokenize/albert_like/: a small SentencePiece (unigram) model trained here with the PyPI
`sentencepiece` trainer, an ALBERT tokenizer_config.json, and reference_albert_like.jsonl: transformers'
AlbertTokenizer (the sentencepiece-backed one) on every string of corpus.jsonl: {"ids": [...], "tokens": [...]}.

attnviz runs SentencePiece models through Debian's libsentencepiece 0.1.97, so the reference must come from the
same generation of the library and of transformers' sentencepiece-backed ALBERT tokenizer. Run it in its own
environment:
  python3 -m venv /tmp/spref
  /tmp/spref/bin/pip install transformers==4.46.3 tokenizers==0.20.3 sentencepiece==0.1.99 protobuf==3.20.3
  /tmp/spref/bin/python scripts/tokenizer_reference/make_sentencepiece_fixture.py
(sentencepiece >= 0.2 breaks ties between equal-score segmentations differently, and transformers 5 dropped the
sentencepiece-backed AlbertTokenizer for HF's own Unigram; the script prints how often that one disagrees.)
"""
import json
import sys
from pathlib import Path

import sentencepiece as spm
from transformers import AlbertTokenizer, AlbertTokenizerFast

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "tokenize"
OUT = DATA / "albert_like"

TRAINING_TEXT = """\
The animal didn't cross the street because it was too tired.
The animal didn't cross the street because it was too wide.
The trophy doesn't fit into the brown suitcase because it is too large.
Attention is all you need: transformers weigh every token against every other token.
A tokenizer splits text into pieces; the model sees only their ids, in the order 1, 2, 3, 1,000 and 2024.
Hello world! Café, naïve, résumé, Zürich, São Paulo.
"""


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    corpus = [json.loads(line) for line in open(DATA / "corpus.jsonl", encoding="utf-8")]
    lines = TRAINING_TEXT.splitlines() * 20 + [row["a"] for row in corpus if row["a"].strip()]
    training = OUT / "training.txt"
    training.write_text("\n".join(line.replace("\n", " ") for line in lines), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(training), model_prefix=str(OUT / "spiece"), vocab_size=1200, model_type="unigram",
        character_coverage=0.98, hard_vocab_limit=False, pad_id=0, unk_id=1, bos_id=-1, eos_id=-1,
        control_symbols=["[CLS]", "[SEP]", "[MASK]"], num_threads=1, seed_sentencepiece_size=50000,
        minloglevel=2)
    training.unlink()
    (OUT / "spiece.vocab").unlink()
    config = {"tokenizer_class": "AlbertTokenizer", "do_lower_case": True, "remove_space": True,
              "keep_accents": False, "bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "<unk>",
              "sep_token": "[SEP]", "pad_token": "<pad>", "cls_token": "[CLS]", "mask_token": "[MASK]"}
    (OUT / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    tokenizer = AlbertTokenizer.from_pretrained(str(OUT))
    fast = AlbertTokenizerFast.from_pretrained(str(OUT))  # HF's own Unigram: for information, how often it differs
    disagreements = 0
    with open(DATA / "reference_albert_like.jsonl", "w", encoding="utf-8") as f:
        for row in corpus:
            enc = tokenizer(row["a"], row.get("b"), return_token_type_ids=True)
            ids = enc["input_ids"]
            disagreements += fast(row["a"], row.get("b"))["input_ids"] != ids
            out = {"ids": ids, "tokens": tokenizer.convert_ids_to_tokens(ids)}
            if any(enc["token_type_ids"]):
                out["type_ids"] = enc["token_type_ids"]
            f.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"albert_like: model and {len(corpus)} reference encodings; AlbertTokenizerFast differs from "
          f"AlbertTokenizer on {disagreements}", file=sys.stderr)


if __name__ == "__main__":
    main()
