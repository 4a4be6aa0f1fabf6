#!/usr/bin/env python3
"""Writes vocabulary-only GGUF files with gguf-py (llama.cpp's own writer) from the Hub's tokenizer files, the way
llama.cpp's convert_hf_to_gguf.py fills the tokenizer.ggml.* keys, for the test that attnviz's tokenizer from GGUF
metadata gives the ids Hugging Face's `tokenizers` gives on the original tokenizer.json (tests/gguf/
test_gguf_tokenizer.cpp, against tests/data/tokenize/reference_*.jsonl*). One file per tokenizer.ggml.model:

- gpt2 (byte-level BPE): gpt2 (pre gpt2), llama3 (llama-bpe), qwen3 (qwen2): tokens by id, added
  special tokens CONTROL and other added tokens USER_DEFINED, the merges, as get_vocab_base + SpecialVocab do.
- llama (SentencePiece BPE): mistral-7b. convert_hf_to_gguf reads tokenizer.model for the scores, which
  ../shared has not. SentencePiece's BPE gives each piece a score that orders its merges (the real
  models/gemma3-270m-q4-k-m.gguf: -0, -1, -2, ... by rank; Llama 2/Mistral rank their runs of ▁ last), and the
  Hub's merges were made from those scores (transformers' SentencePieceExtractor), so a piece's score here is
  -(the rank of the first merge that makes it); pieces no merge makes rank after all of them. <0xNN> pieces BYTE,
  <unk> UNKNOWN, other specials CONTROL; add_space_prefix as the normalizer's Prepend says.
- bert (WordPiece): bert-base-uncased, in llama.cpp's "phantom space" spelling (BertModel.set_vocab).
- t5 (Unigram): tests/data/tokenize/hf_made/unigram_rules (a SentencePiece Unigram model with its own
  precompiled_charsmap), as T5Model.set_vocab writes one: pieces, scores, types, the charsmap, add_space_prefix.

BOS/EOS ids come from gguf-py's SpecialVocab; add_bos_token / add_eos_token are set to what each tokenizer.json's
own post-processor adds, which is what the references were made with.

Usage: make_gguf_tokenizers.py SHARED_TOKENIZERS_DIR HF_MADE_DIR OUT_DIR   (in .venv-convert: gguf 0.19.0)
"""
import base64
import json
import re
import sys
from pathlib import Path

import gguf
from gguf import GGUFWriter, TokenType

# ../shared's smollm2 file is transformers' conversion of a GGUF (plain ByteLevel); the Hub's, and llama.cpp's
# "smollm", split digits first, so it is not one to check "smollm" against.
GPT2 = {"gpt2": "gpt2", "llama3": "llama-bpe", "qwen3": "qwen2"}


def template_flags(doc):
    """(add_bos, add_eos) as tokenizer.json's TemplateProcessing adds a special token before / after A."""
    post = doc.get("post_processor") or {}
    steps = [p for p in post.get("processors", [post]) if p.get("type") == "TemplateProcessing"]
    if not steps:
        return False, False
    single = steps[0]["single"]
    return "SpecialToken" in single[0], "SpecialToken" in single[-1]


def vocabulary(doc):
    """Tokens by id (model vocab and added tokens) and {id: added token entry}."""
    by_id = {i: t for t, i in doc["model"]["vocab"].items()}
    added = {a["id"]: a for a in doc.get("added_tokens", [])}
    for i, a in added.items():
        by_id[i] = a["content"]
    return [by_id.get(i, f"[PAD{i}]") for i in range(max(by_id) + 1)], added


def finish(writer, folder, doc, n_vocab, merges=False):
    special = gguf.SpecialVocab(folder, load_merges=merges, n_vocab=n_vocab)
    bos, eos = template_flags(doc)
    special.add_special_token.update({"bos": bos, "eos": eos})
    special.add_to_gguf(writer, quiet=True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()


def write_gpt2(folder, out, pre):
    doc = json.loads((folder / "tokenizer.json").read_text())
    tokens, added = vocabulary(doc)
    types = [(TokenType.CONTROL if added[i]["special"] else TokenType.USER_DEFINED) if i in added else TokenType.NORMAL
             for i in range(len(tokens))]
    writer = GGUFWriter(out, "llama")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    finish(writer, folder, doc, len(tokens), merges=True)


def write_llama(folder, out):
    doc = json.loads((folder / "tokenizer.json").read_text())
    tokens, added = vocabulary(doc)
    unk = doc["model"].get("unk_token")
    merges = doc["model"]["merges"]
    first_merge = {}
    for rank, merge in enumerate(merges):
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        first_merge.setdefault(left + right, rank)
    types, scores = [], []
    for i, token in enumerate(tokens):
        if i in added:
            types.append(TokenType.UNKNOWN if token == unk else TokenType.CONTROL)
        elif re.fullmatch(r"<0x[0-9A-Fa-f]{2}>", token):
            types.append(TokenType.BYTE)
        else:
            types.append(TokenType.NORMAL)
        scores.append(-float(first_merge.get(token, len(merges) + i)) if types[-1] == TokenType.NORMAL else 0.0)
    normalizers = doc["normalizer"].get("normalizers", [doc["normalizer"]])
    writer = GGUFWriter(out, "llama")
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_add_space_prefix(any(n["type"] == "Prepend" for n in normalizers))
    finish(writer, folder, doc, len(tokens))


def write_bert(folder, out):
    doc = json.loads((folder / "tokenizer.json").read_text())
    tokens, added = vocabulary(doc)
    types = [TokenType.CONTROL if i in added else TokenType.NORMAL for i in range(len(tokens))]

    def phantom(token, kind):  # llama.cpp's BertModel.set_vocab
        if kind == TokenType.CONTROL:
            return token
        return token[2:] if token.startswith("##") else "\u2581" + token

    writer = GGUFWriter(out, "bert")
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list([phantom(t, k) for t, k in zip(tokens, types)])
    writer.add_token_types(types)
    finish(writer, folder, doc, len(tokens))


def write_t5(folder, out):
    doc = json.loads((folder / "tokenizer.json").read_text())
    model = doc["model"]
    tokens = [piece for piece, _ in model["vocab"]]
    types = [TokenType.NORMAL] * len(tokens)  # this file has no added tokens: <unk> in a text is text
    writer = GGUFWriter(out, "t5")
    writer.add_tokenizer_model("t5")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores([score for _, score in model["vocab"]])
    writer.add_token_types(types)
    writer.add_unk_token_id(model["unk_id"])
    writer.add_add_space_prefix(doc["pre_tokenizer"]["prepend_scheme"] == "always")
    writer.add_remove_extra_whitespaces(False)
    writer.add_precompiled_charsmap(base64.b64decode(doc["normalizer"]["precompiled_charsmap"]))
    writer.add_add_bos_token(False)
    writer.add_add_eos_token(False)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    writer.close()


def main():
    shared, hf_made, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    for name, pre in GPT2.items():
        write_gpt2(shared / name, out / f"{name}.gguf", pre)
    write_llama(shared / "mistral-7b", out / "mistral-7b.gguf")
    write_bert(shared / "bert-base-uncased", out / "bert-base-uncased.gguf")
    write_t5(hf_made / "unigram_rules", out / "unigram_rules.gguf")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
