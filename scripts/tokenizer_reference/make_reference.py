#!/usr/bin/env python3
"""Writes Hugging Face's own encodings of tests/data/tokenize/corpus.jsonl, one JSONL file per tokenizer.

Usage: make_reference.py [SHARED_TOKENIZERS_DIR]   (default: <repo>/../shared/tokenizers)

The reference is the Rust implementation behind PyPI `tokenizers`, loaded from each model's tokenizer.json with
truncation switched off (gpt2's tokenizer.json asks for max_length 50; attnviz never truncates in the tokenize
stage). Each output line, in corpus order:
  {"ids": [...], "tokens": [...], "offsets": [b0, e0, b1, e1, ...], "type_ids": [...], "special": [...]}
offsets are BYTE offsets into the UTF-8 text the token came from (sentence B's tokens: into B), converted from
the character offsets Python reports; type_ids and special (HF's special_tokens_mask) are left out when all 0.

For the newer files (COMPACT_MODELS, whose vocabularies are large) the lines are smaller and the file is gzipped,
reference_MODEL.jsonl.gz: "tokens" is written only when some token differs from the vocabulary's string for its id.

corpus_extra.jsonl (strings aimed at the newer parts) gets reference_extra_MODEL.jsonl.gz, compact, for every model.

Also, for each tests/data/tokenize/json_variants/NAME/ (a file `base` naming a real tokenizer folder and a
patch.json whose top-level keys replace those of its tokenizer.json): reference_json_NAME.jsonl.
"""
import gzip
import io
import json
import sys
from pathlib import Path

from tokenizers import Tokenizer

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "tokenize"
MODELS = ["bert-base-uncased", "gpt2"]
COMPACT_MODELS = ["smollm2", "mistral-7b", "llama3", "qwen3", "gemma3"]


def byte_positions(text):
    """Byte offset of every character position 0..len(text) of a Python string."""
    positions = [0]
    for ch in text:
        positions.append(positions[-1] + len(ch.encode("utf-8")))
    return positions


def reference_row(tokenizer, row):
    first, second = row["a"], row.get("b")
    enc = tokenizer.encode(first, second) if second is not None else tokenizer.encode(first)
    positions = [byte_positions(first), byte_positions(second) if second is not None else None]
    offsets = []
    for (begin, end), seq in zip(enc.offsets, enc.sequence_ids):
        pos = positions[seq if seq is not None else 0]
        offsets += [pos[begin], pos[end]]
    out = {"ids": enc.ids, "tokens": enc.tokens, "offsets": offsets}
    if any(enc.type_ids):
        out["type_ids"] = enc.type_ids
    if any(enc.special_tokens_mask):
        out["special"] = enc.special_tokens_mask
    return out


def compact_row(tokenizer, row):
    out = reference_row(tokenizer, row)
    if out["tokens"] == [tokenizer.id_to_token(i) for i in out["ids"]]:
        del out["tokens"]
    return out


def write_reference(tokenizer, rows, path, make_row=reference_row):
    tokenizer.no_truncation()
    tokenizer.no_padding()
    if path.suffix == ".gz":  # mtime 0: the same encodings give the same bytes
        opener = lambda p, mode, encoding: io.TextIOWrapper(gzip.GzipFile(p, "wb", mtime=0), encoding=encoding)
    else:
        opener = open
    with opener(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(make_row(tokenizer, row), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{path.name}: {len(rows)} reference encodings", file=sys.stderr)


def main():
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "tokenizers"
    rows = [json.loads(line) for line in open(DATA / "corpus.jsonl", encoding="utf-8")]
    for model in MODELS:
        tokenizer = Tokenizer.from_file(str(shared / model / "tokenizer.json"))
        write_reference(tokenizer, rows, DATA / f"reference_{model}.jsonl")
    extra = [json.loads(line) for line in open(DATA / "corpus_extra.jsonl", encoding="utf-8")]
    for model in MODELS + COMPACT_MODELS:
        tokenizer = Tokenizer.from_file(str(shared / model / "tokenizer.json"))
        if model in COMPACT_MODELS:
            write_reference(tokenizer, rows, DATA / f"reference_{model}.jsonl.gz", compact_row)
        write_reference(tokenizer, extra, DATA / f"reference_extra_{model}.jsonl.gz", compact_row)
    for variant in sorted((DATA / "json_variants").iterdir()):
        base = (variant / "base").read_text().strip()
        doc = json.loads((shared / base / "tokenizer.json").read_text(encoding="utf-8"))
        doc.update(json.loads((variant / "patch.json").read_text(encoding="utf-8")))
        doc.pop("_comment")
        tokenizer = Tokenizer.from_str(json.dumps(doc))
        if (DATA / f"reference_json_{variant.name}.jsonl").exists():  # the first variant, from before
            write_reference(tokenizer, rows, DATA / f"reference_json_{variant.name}.jsonl")
        else:
            write_reference(tokenizer, rows, DATA / f"reference_json_{variant.name}.jsonl.gz", compact_row)


if __name__ == "__main__":
    main()
