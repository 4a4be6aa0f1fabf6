#!/usr/bin/env python3
"""Makes the TorchScript test fixtures under tests/data/torchscript/ with scripts/export_torchscript.py.

- bert-tiny/, gpt2-tiny/: exports of the committed test checkpoints tests/data/models/{bert-tiny,gpt2-tiny}
  (their references are tests/data/reference/*.json, made by scripts/make_test_checkpoints.py).
- distilbert-tiny/: a family attnviz has no native code for: a small random-init DistilBERT (fixed seed, the
  bert-tiny vocabulary), exported; references/distilbert-tiny.json holds transformers' own attentions for it.
- albert-tiny/ (only where the sentencepiece package is installed): a small random-init ALBERT with the
  SentencePiece model of tests/data/tokenize/albert_like, exported (attnviz reads its spiece.model); its reference
  is references/albert-tiny.json. Made in the environment scripts/tokenizer_reference/make_sentencepiece_fixture.py
  names, with Debian's torch: /usr/bin/python3 -m venv --system-site-packages ENV, then
  ENV/bin/pip install transformers==4.46.3 tokenizers==0.20.3 sentencepiece==0.1.99 protobuf==3.20.3
- wrong-shape/: bert-tiny's manifest and tokenizer with a scripted module that breaks the output contract
  (returns [batch, heads, n, n], no layer axis).
- newer-torch/ (only with --newer-torch-python PY): a tiny scripted module saved by a newer torch than the
  linked libtorch, with a manifest naming that version.

Usage: scripts/make_torchscript_fixtures.py [--out tests/data/torchscript] [--newer-torch-python PY]
Run it with .venv-ref's python (torch 1.13, the libtorch version attnviz links; transformers 4.46.3), or the
ALBERT environment above.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from transformers import DistilBertConfig, DistilBertModel, DistilBertTokenizerFast

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export_torchscript  # noqa: E402
import make_test_checkpoints as checkpoints  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "data" / "models"


def export_checkpoints(out):
    for name in ("bert-tiny", "gpt2-tiny"):
        fresh(out / name)
        export_torchscript.export(str(MODELS / name), out / name, label=f"tests/data/models/{name}")


def make_distilbert(out, work):
    tokenizer = DistilBertTokenizerFast(vocab_file=str(MODELS / "bert-tiny" / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(checkpoints.SEED + 2)
    config = DistilBertConfig(vocab_size=len(tokenizer), dim=32, n_layers=2, n_heads=4, hidden_dim=64,
                              max_position_embeddings=64, initializer_range=checkpoints.INIT_RANGE,
                              attn_implementation="eager")
    export_with_reference(out, work, "distilbert-tiny", DistilBertModel(config), tokenizer, DistilBertModel,
                          "random-init DistilBERT (scripts/make_torchscript_fixtures.py)", cases=3)


def export_with_reference(out, work, name, model, tokenizer, model_cls, label, cases):
    """Saves a random-init model as a checkpoint, exports it to out/name/, and writes transformers' attentions
    for it (read back from the checkpoint, as for the other references) to out/references/name.json: the first
    `cases` of bert_cases (single, pair, padded batch)."""
    source = work / name
    model.eval().save_pretrained(source)
    tokenizer.save_pretrained(source)
    fresh(out / name)
    export_torchscript.export(str(source), out / name, label=label)
    model = model_cls.from_pretrained(source, attn_implementation="eager").eval()
    (out / "references").mkdir(exist_ok=True)
    checkpoints.write_reference(out / "references" / f"{name}.json", model,
                                checkpoints.bert_cases(model, tokenizer)[:cases])


def make_albert(out, work):
    try:
        from transformers import AlbertConfig, AlbertModel, AlbertTokenizer
        import sentencepiece  # noqa: F401
    except ImportError:
        print("sentencepiece is not installed: albert-tiny/ left as it is (see this script's --help)", file=sys.stderr)
        return
    spiece = ROOT / "tests" / "data" / "tokenize" / "albert_like" / "spiece.model"
    tokenizer = AlbertTokenizer(vocab_file=str(spiece), do_lower_case=True, remove_space=True, keep_accents=False)
    torch.manual_seed(checkpoints.SEED + 3)
    config = AlbertConfig(vocab_size=len(tokenizer), embedding_size=16, hidden_size=32, num_hidden_layers=2,
                          num_attention_heads=4, intermediate_size=64, max_position_embeddings=128,
                          initializer_range=checkpoints.INIT_RANGE, attn_implementation="eager")
    export_with_reference(out, work, "albert-tiny", AlbertModel(config), tokenizer, AlbertModel,
                          "random-init ALBERT (scripts/make_torchscript_fixtures.py)", cases=2)


class WrongShape(torch.nn.Module):
    def forward(self, input_ids, attention_mask, token_type_ids):
        batch, n = input_ids.shape
        return torch.full((batch, 4, n, n), 1.0 / n)


def make_wrong_shape(out):
    target = out / "wrong-shape"
    fresh(target)
    shutil.copytree(out / "bert-tiny", target, ignore=shutil.ignore_patterns("model.pt"), dirs_exist_ok=True)
    torch.jit.save(torch.jit.script(WrongShape()), str(target / "model.pt"))


NEWER_TORCH_SCRIPT = """
import sys, torch
class Attentions(torch.nn.Module):
    def forward(self, input_ids, attention_mask, token_type_ids):
        batch, n = input_ids.shape
        x = torch.ones(batch, 4, n, 8)
        # An operator newer than torch 1.13 (as transformers' sdpa attention uses): older libtorch cannot load it.
        used = torch.nn.functional.scaled_dot_product_attention(x, x, x)
        return torch.full((3, batch, 4, n, n), 1.0 / n) + 0 * used.sum()
ids = torch.ones(1, 5, dtype=torch.long)
torch.jit.save(torch.jit.trace(Attentions(), (ids, ids, ids)), sys.argv[1] + "/model.pt")
print(torch.__version__)
"""


def make_newer_torch(out, python):
    target = out / "newer-torch"
    fresh(target)
    shutil.copytree(out / "bert-tiny", target, ignore=shutil.ignore_patterns("model.pt"), dirs_exist_ok=True)
    version = subprocess.run([python, "-c", NEWER_TORCH_SCRIPT, str(target)], check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1]
    manifest_file = target / export_torchscript.MANIFEST
    manifest = json.loads(manifest_file.read_text())
    manifest["torch_version"] = version
    manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "torchscript")
    parser.add_argument("--newer-torch-python", metavar="PY",
                        help="a python whose torch is newer than the linked libtorch (makes newer-torch/)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    export_checkpoints(args.out)
    with tempfile.TemporaryDirectory() as work:
        make_distilbert(args.out, Path(work))
        make_albert(args.out, Path(work))
    make_wrong_shape(args.out)
    if args.newer_torch_python:
        make_newer_torch(args.out, args.newer_torch_python)


if __name__ == "__main__":
    main()
