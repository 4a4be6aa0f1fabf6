#!/usr/bin/env python3
"""Gives the random encoder-decoder checkpoints of make_encdec_checkpoints.py a tokenizer, so that the CLI can be
tested from text: a word-level tokenizer.json over the checkpoint's 64-token vocabulary, with the special tokens and
template of the family (T5: text </s>; BART: <s> text </s>), saved by transformers (PreTrainedTokenizerFast), and
transformers' own ids for a source and a target (tokenizer(source, text_target=target): input_ids and labels) and
greedy generation from that source, in tests/data/reference/encdec/cli_NAME.json.

Usage: scripts/make_encdec_tokenizers.py [--out tests/data]
Needs .venv-ref (scripts/setup_reference_env.sh): transformers 4.46.3.
"""
import argparse
import json
from pathlib import Path

import torch
import transformers as tf
from tokenizers import Tokenizer, models, pre_tokenizers, processors

WORDS = ("the cat sat on mat a dog ran to house is small big red blue green and my your our their this that "
         "was were be quick brown fox jumps over lazy day night sun moon star sea river tree old new good bad "
         "one two three four five six seven eight nine ten el gato").split()
SOURCE = "the quick brown fox jumps over the lazy dog"
TARGET = "el gato sat on the mat"
# name -> (special tokens by id, template)
FAMILIES = {
    "t5": ({0: "<pad>", 1: "</s>", 2: "<unk>"}, "$A </s>"),
    "bart": ({0: "<s>", 1: "<pad>", 2: "</s>", 3: "<unk>"}, "<s> $A </s>"),
}
VOCAB = 64


def make(name, out):
    specials, template = FAMILIES[name]
    vocab = {token: i for i, token in specials.items()}
    for word in WORDS:
        if len(vocab) == VOCAB:
            break
        vocab[word] = len(vocab)
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    used = [t for t in template.split() if t != "$A"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=template, pair=template.replace("$A", "$A $B:1"), special_tokens=[(t, vocab[t]) for t in used])
    names = dict(unk_token="<unk>", pad_token="<pad>", eos_token="</s>")
    if "<s>" in vocab:
        names["bos_token"] = "<s>"
    fast = tf.PreTrainedTokenizerFast(tokenizer_object=tokenizer, **names)
    directory = out / "models" / "encdec" / name
    fast.save_pretrained(directory)
    # transformers reads both back as attnviz does
    fast = tf.AutoTokenizer.from_pretrained(directory)
    model = tf.AutoModelForSeq2SeqLM.from_pretrained(directory, attn_implementation="eager").eval()
    encoded = fast(SOURCE, text_target=TARGET)
    with torch.no_grad():
        generated = model.generate(torch.tensor([encoded["input_ids"]]), max_new_tokens=32, num_beams=1,
                                   do_sample=False, synced_gpus=False, min_length=0, no_repeat_ngram_size=0, repetition_penalty=1.0,
                                   forced_eos_token_id=None, forced_bos_token_id=None)
    reference = {"transformers_version": tf.__version__, "source": SOURCE, "target": TARGET,
                 "source_ids": encoded["input_ids"], "labels": encoded["labels"],
                 "source_tokens": fast.convert_ids_to_tokens(encoded["input_ids"]),
                 "label_tokens": fast.convert_ids_to_tokens(encoded["labels"]),
                 "generated": generated[0].tolist(),
                 "generated_tokens": fast.convert_ids_to_tokens(generated[0].tolist())}
    (out / "reference" / "encdec" / f"cli_{name}.json").write_text(json.dumps(reference, indent=1) + "\n")
    print(name, reference["source_ids"], reference["labels"], reference["generated"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "data")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in FAMILIES:
        make(name, args.out)


if __name__ == "__main__":
    main()
