#!/usr/bin/env python3
"""Writes tests/data/tokenize/hf_made/NAME/: small tokenizer.json files made by Hugging Face's own code, for the
tokenizer.json parts no shared tokenizer uses, and HF's encodings of the corpus with each of them.

  unigram_albert/tokenizer.json.gz   albert_like/spiece.model converted by transformers' convert_slow_tokenizer
                                     (AlbertTokenizerFast): Sequence[Replace, Replace, NFKD, StripAccents, Lowercase,
                                     Precompiled (SentencePiece's nmt_nfkc charsmap), Replace], Metaspace, Unigram,
                                     TemplateProcessing. Gzipped (mtime 0): the charsmap alone is 320 KB of base64.
  unigram_bytes/tokenizer.json       a Unigram trained by tokenizers' UnigramTrainer on the corpus's Latin strings,
                                     with <0x00>..<0xFF> pieces and byte_fallback: NFKC, Sequence[WhitespaceSplit,
                                     Metaspace], an XLM-R-style template, Metaspace + ByteFallback decoders.
  unigram_rules/tokenizer.json       a tiny SentencePiece unigram model trained with custom normalization rules
                                     (A -> a, fullwidth A -> "AA", U+200B removed) as HF builds it: a small
                                     Precompiled charsmap that expands and removes, Metaspace, Unigram.
  wordlevel/tokenizer.json           a WordLevel trained by WordLevelTrainer: Lowercase, Whitespace, BERT template.

References (make_reference.py's compact format): reference_hf_NAME.jsonl.gz for corpus.jsonl and
reference_extra_hf_NAME.jsonl.gz for corpus_extra.jsonl.

UnigramTrainer's scores differ in their last digits from run to run (the order of its hash maps), so a new run
rewrites unigram_bytes with another valid model; its references are always made from the file as written.

Run it in the environment of make_sentencepiece_fixture.py (tokenizers 0.20.3, as the other references; the
conversion needs sentencepiece and protobuf):
  /tmp/spref/bin/python scripts/tokenizer_reference/make_hf_made_fixtures.py
"""
import gzip
import json
import random
import sys
import tempfile
from pathlib import Path

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AlbertTokenizerFast

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_reference import DATA, compact_row, write_reference  # noqa: E402

OUT = DATA / "hf_made"


def training_lines(rows):
    """The corpus strings in Latin script only, so the others' characters stay unknown to the trained models."""
    return [row["a"] for row in rows if row["a"].strip() and all(ord(c) < 0x250 for c in row["a"])]


def albert_unigram():
    return AlbertTokenizerFast.from_pretrained(str(DATA / "albert_like")).backend_tokenizer


def byte_fallback_unigram(lines):
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    trainer = trainers.UnigramTrainer(vocab_size=700, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>", max_piece_length=12, shrinking_factor=0.75)
    tokenizer.train_from_iterator(lines, trainer)
    trained = json.loads(tokenizer.to_str())
    pieces = trained["model"]["vocab"]
    known = {piece for piece, _ in pieces}
    pieces += [[f"<0x{b:02X}>", 0.0] for b in range(256) if f"<0x{b:02X}>" not in known]
    tokenizer.model = models.Unigram([tuple(p) for p in pieces], trained["model"]["unk_id"], True)
    ids = {t: tokenizer.token_to_id(t) for t in ("<s>", "</s>")}
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=list(ids.items()))
    tokenizer.decoder = decoders.Sequence([decoders.Metaspace(), decoders.ByteFallback()])
    return tokenizer


def rules_unigram():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "rules.tsv").write_text("41\t61\nFF21\t41 41\n200B\t\n")
        rng = random.Random(1)
        words = ["abc", "bcd", "Aab", "cab", "dab", "ba"]
        (tmp / "train.txt").write_text("\n".join(" ".join(rng.choice(words) for _ in range(8)) for _ in range(200)))
        spm.SentencePieceTrainer.train(
            input=str(tmp / "train.txt"), model_prefix=str(tmp / "rules"), vocab_size=30, model_type="unigram",
            normalization_rule_tsv=str(tmp / "rules.tsv"), hard_vocab_limit=False, num_threads=1, minloglevel=2)
        proto = sentencepiece_model_pb2.ModelProto()
        proto.ParseFromString((tmp / "rules.model").read_bytes())
    tokenizer = Tokenizer(models.Unigram([(p.piece, p.score) for p in proto.pieces], proto.trainer_spec.unk_id, False))
    tokenizer.normalizer = normalizers.Precompiled(proto.normalizer_spec.precompiled_charsmap)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    return tokenizer


def word_level(lines):
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(vocab_size=3000, min_frequency=1,
                                        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
    tokenizer.train_from_iterator(lines, trainer)
    ids = {t: tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]")}
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=list(ids.items()))
    return tokenizer


def save(tokenizer, name, gzipped=False):
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    text = tokenizer.to_str(pretty=not gzipped)
    if gzipped:
        with gzip.GzipFile(folder / "tokenizer.json.gz", "wb", mtime=0) as f:
            f.write(text.encode("utf-8"))
    else:
        (folder / "tokenizer.json").write_text(text, encoding="utf-8")
    return Tokenizer.from_str(text)  # exactly what was written


def main():
    rows = [json.loads(line) for line in open(DATA / "corpus.jsonl", encoding="utf-8")]
    extra = [json.loads(line) for line in open(DATA / "corpus_extra.jsonl", encoding="utf-8")]
    lines = training_lines(rows)
    made = {
        "unigram_albert": save(albert_unigram(), "unigram_albert", gzipped=True),
        "unigram_bytes": save(byte_fallback_unigram(lines), "unigram_bytes"),
        "unigram_rules": save(rules_unigram(), "unigram_rules"),
        "wordlevel": save(word_level(lines), "wordlevel"),
    }
    for name, tokenizer in made.items():
        write_reference(tokenizer, rows, DATA / f"reference_hf_{name}.jsonl.gz", compact_row)
        write_reference(tokenizer, extra, DATA / f"reference_extra_hf_{name}.jsonl.gz", compact_row)


if __name__ == "__main__":
    main()
