#!/usr/bin/env python3
"""Writes tests/data/tokenize/deberta_like/: a DeBERTa-v3 tokenizer directory as the Hub gives one (spm.model and
tokenizer_config.json, no tokenizer.json), with albert_like's SentencePiece model as its spm.model (a symbolic
link: no second copy of the model), and reference_deberta_like.jsonl.gz: transformers' DebertaV2Tokenizer (the
sentencepiece-backed one) on every string of corpus.jsonl, {"ids", "tokens"[, "type_ids"]}, gzip with mtime 0.
It also prints how often DebertaV2TokenizerFast (what AutoTokenizer converts spm.model into) differs from it.

Run it in the environment make_sentencepiece_fixture.py names (the same library generation as Debian's
libsentencepiece 0.1.97, which attnviz runs):
  python3 -m venv .venv-deberta
  .venv-deberta/bin/pip install transformers==4.46.3 tokenizers==0.20.3 sentencepiece==0.1.99 protobuf==3.20.3
  .venv-deberta/bin/python scripts/tokenizer_reference/make_deberta_fixture.py
"""
import gzip
import json
import os
import sys
from pathlib import Path

from transformers import DebertaV2Tokenizer, DebertaV2TokenizerFast

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "tokenize"
OUT = DATA / "deberta_like"

# microsoft/deberta-v3-base's tokenizer_config.json, with albert_like's own names for its unknown and padding pieces.
CONFIG = {"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": False, "split_by_punct": False,
          "vocab_type": "spm", "bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "<unk>", "sep_token": "[SEP]",
          "pad_token": "<pad>", "cls_token": "[CLS]", "mask_token": "[MASK]"}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    model = OUT / "spm.model"
    if model.is_symlink() or model.exists():
        model.unlink()
    os.symlink(Path("..") / "albert_like" / "spiece.model", model)
    (OUT / "tokenizer_config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    corpus = [json.loads(line) for line in open(DATA / "corpus.jsonl", encoding="utf-8")]
    tokenizer = DebertaV2Tokenizer.from_pretrained(str(OUT))
    fast = DebertaV2TokenizerFast.from_pretrained(str(OUT), from_slow=True)
    disagreements = 0
    lines = []
    for row in corpus:
        enc = tokenizer(row["a"], row.get("b"), return_token_type_ids=True)
        ids = enc["input_ids"]
        disagreements += fast(row["a"], row.get("b"))["input_ids"] != ids
        out = {"ids": ids, "tokens": tokenizer.convert_ids_to_tokens(ids)}
        if any(enc["token_type_ids"]):
            out["type_ids"] = enc["token_type_ids"]
        lines.append(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(DATA / "reference_deberta_like.jsonl.gz", "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write("".join(lines).encode("utf-8"))
    print(f"deberta_like: {len(corpus)} reference encodings; DebertaV2TokenizerFast differs from DebertaV2Tokenizer "
          f"on {disagreements}", file=sys.stderr)


if __name__ == "__main__":
    main()
