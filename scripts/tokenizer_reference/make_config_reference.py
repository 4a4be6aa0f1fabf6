#!/usr/bin/env python3
"""Reference encodings for tokenizer_config.json settings that change behaviour.

For each folder tests/data/tokenize/config_variants/NAME/ (a tokenizer_config.json and a file `base` naming the
real tokenizer folder it applies to), this copies that folder's tokenizer files next to the config in a temporary
directory, loads it with transformers' AutoTokenizer (which applies the config, e.g. do_lower_case or
add_prefix_space, on top of tokenizer.json) and writes reference_config_NAME.jsonl for the first 600 corpus
strings, in the format of make_reference.py.

Run with the versions the project is specified with (transformers 4.46.3, tokenizers 0.20.3), e.g. in the
environment described in make_sentencepiece_fixture.py.
"""
import json
import shutil
import sys
import tempfile
from pathlib import Path

from transformers import AutoTokenizer

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "tokenize"
COUNT = 600


def byte_positions(text):
    positions = [0]
    for ch in text:
        positions.append(positions[-1] + len(ch.encode("utf-8")))
    return positions


def main():
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "tokenizers"
    rows = [json.loads(line) for line in open(DATA / "corpus.jsonl", encoding="utf-8")][:COUNT]
    for variant in sorted((DATA / "config_variants").iterdir()):
        base = shared / (variant / "base").read_text().strip()
        with tempfile.TemporaryDirectory() as tmp:
            for f in base.iterdir():
                if f.name != "tokenizer_config.json":
                    shutil.copy(f, tmp)
            shutil.copy(variant / "tokenizer_config.json", tmp)
            tokenizer = AutoTokenizer.from_pretrained(tmp)
            assert tokenizer.is_fast
            with open(DATA / f"reference_config_{variant.name}.jsonl", "w", encoding="utf-8") as out:
                for row in rows:
                    a, b = row["a"], row.get("b")
                    if b == "":  # transformers' __call__ takes an empty second sentence for none
                        out.write(json.dumps({"skip": "empty second sentence"}) + "\n")
                        continue
                    enc = tokenizer(a, b, return_offsets_mapping=True, return_special_tokens_mask=True,
                                    return_token_type_ids=True)
                    seq = enc.sequence_ids()
                    positions = [byte_positions(a), byte_positions(b) if b is not None else None]
                    offsets = []
                    for (begin, end), s in zip(enc["offset_mapping"], seq):
                        pos = positions[s if s is not None else 0]
                        offsets += [pos[begin], pos[end]]
                    ref = {"ids": enc["input_ids"], "tokens": enc.tokens(), "offsets": offsets}
                    if any(enc["token_type_ids"]):
                        ref["type_ids"] = enc["token_type_ids"]
                    if any(enc["special_tokens_mask"]):
                        ref["special"] = enc["special_tokens_mask"]
                    out.write(json.dumps(ref, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"{variant.name}: {len(rows)} reference encodings", file=sys.stderr)


if __name__ == "__main__":
    main()
