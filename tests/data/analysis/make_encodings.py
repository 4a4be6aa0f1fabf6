#!/usr/bin/env python3
"""Regenerates hf_encodings.json (Hugging Face tokenizers' own tokens, byte spans, special flags and type
ids for the sentences the analysis tests locate words in) and example_encodings.json (the same for every
sentence of examples/winograd_pairs.tsv, with BERT and GPT-2). Run from the repository root:
  .venv/bin/python tests/data/analysis/make_encodings.py
It needs the tokenizer files in ../shared/tokenizers."""
import json
import pathlib

from tokenizers import Tokenizer

ROOT = pathlib.Path(__file__).resolve().parents[3]
TOKENIZERS = ROOT.parent / "shared" / "tokenizers"
OUT = pathlib.Path(__file__).with_name("hf_encodings.json")
EXAMPLES_OUT = pathlib.Path(__file__).with_name("example_encodings.json")
EXAMPLES = ROOT / "examples" / "winograd_pairs.tsv"

CASES = [
    ("bert-base-uncased", "The animal didn't cross the street because it was unbelievably tired.", None),
    ("gpt2", "The animal didn't cross the street because it was too tired.", None),
    ("bert-base-uncased", "Émile thanked Zoë because she had helped him.", None),
    ("gpt2", "Émile thanked Zoë because she had helped him.", None),
    ("bert-base-uncased", "The trophy doesn't fit in the suitcase.", "It is too big."),
]


def byte_offset(text, char_offset):
    return len(text[:char_offset].encode("utf-8"))


def encode(model, first, second):
    tokenizer = Tokenizer.from_file(str(TOKENIZERS / model / "tokenizer.json"))
    enc = tokenizer.encode(first, second) if second is not None else tokenizer.encode(first)
    spans = []
    for (begin, end), seq in zip(enc.offsets, enc.sequence_ids):
        # Offsets of a pair's second sentence count from the start of that sentence.
        text = second if seq == 1 else first
        spans.append([byte_offset(text, begin), byte_offset(text, end)])
    return {
        "model": model,
        "text": first,
        "text_pair": second,
        "ids": enc.ids,
        "tokens": enc.tokens,
        "type_ids": enc.type_ids,
        "special": [bool(s) for s in enc.special_tokens_mask],
        "spans": spans,
    }


def example_sentences():
    lines = [l for l in EXAMPLES.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#")]
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        yield row["sentence_a"]
        yield row["sentence_b"]


def write(path, cases):
    # One case a line: small, and still readable.
    text = "[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


def main():
    write(OUT, [encode(*case) for case in CASES])
    write(EXAMPLES_OUT, [encode(model, sentence, None) for model in ("bert-base-uncased", "gpt2")
                         for sentence in example_sentences()])


if __name__ == "__main__":
    main()
