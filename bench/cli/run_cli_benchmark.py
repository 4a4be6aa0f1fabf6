#!/usr/bin/env python3
"""Command to PNG, and batch throughput: attnviz against the seed lab's Python way, side by side in one run.

Model: BERT-base shape with random weights (saved once under --work) and the real bert-base-uncased tokenizer
(../shared/tokenizers). Measures, alternating the two tools so that machine noise hits both:
  1. one sentence, cold (a new process each time): `attnviz --layer 10 --head 5 "..." -o x.png` against
     seed_heatmap.py (python start, imports, model load, forward, seaborn heatmap, savefig);
  2. batch: `attnviz batch` over a file of Winograd pairs (with and without per-pair figures) against
     seed_heatmap.py over the same sentences in one process;
  3. the floor: forward FLOPs per sentence divided by this machine's float32 rate on one large matmul (libtorch,
     the same threads), in sentences per second.

Usage (repository root, after scripts/setup.sh and scripts/setup_reference_env.sh; needs seaborn in .venv-ref):
  .venv-ref/bin/python bench/cli/run_cli_benchmark.py [--build build] [--threads 2] [--runs 5] [--pairs 120]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SENTENCE = "The animal didn't cross the street because it was too tired."


def make_checkpoint(work):
    target = work / "bert-base-random"
    if not (target / "model.safetensors").exists():
        import torch
        from transformers import BertConfig, BertModel
        torch.manual_seed(0)
        BertModel(BertConfig(attn_implementation="eager")).save_pretrained(target, safe_serialization=True)
    tokenizer = ROOT.parent / "shared" / "tokenizers" / "bert-base-uncased"
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer / name, target / name)
    return target


def timed(command, env):
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def batch_file(work, pairs):
    source = (ROOT / "examples" / "winograd_pairs.tsv").read_text().splitlines()
    header = [line for line in source if line.startswith("id\t")]
    rows = [line for line in source if line and not line.startswith(("#", "id\t"))]
    lines = header + [f"p{i}-" + rows[i % len(rows)] for i in range(pairs)]
    path = work / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n")
    sentences = [row.split("\t")[j] for row in rows for j in (1, 2)]
    return path, [sentences[i % len(sentences)] for i in range(2 * pairs)]


def floor_sentences_per_second(model_dir, sentences, threads):
    """Forward FLOPs of BERT-base per sentence (from its real token counts) over one big matmul's rate."""
    import torch
    from transformers import BertTokenizerFast
    torch.set_num_threads(threads)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    runs = []
    for _ in range(30):  # the best of many: the floor is what the machine can do at its best
        start = time.perf_counter()
        torch.mm(a, b)
        runs.append(time.perf_counter() - start)
    rate = 2 * 2048**3 / min(runs)
    tokenizer = BertTokenizerFast.from_pretrained(model_dir)
    lengths = [len(tokenizer(s)["input_ids"]) for s in sentences]
    hidden, layers = 768, 12
    flops = sum(layers * (24 * n * hidden**2 + 4 * n * n * hidden) for n in lengths)
    # What attnviz runs: its last layer stops at the probabilities (query and key projections, q.k^T).
    attnviz_flops = sum((layers - 1) * (24 * n * hidden**2 + 4 * n * n * hidden) + 4 * n * hidden**2
                        + 2 * n * n * hidden for n in lengths)
    return rate, flops / len(lengths), len(lengths) * rate / flops, attnviz_flops / flops


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--work", type=Path, default=Path("/tmp/attnviz-bench"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=120)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    model = make_checkpoint(args.work)
    attnviz = str(args.build / "attnviz")
    seed = [sys.executable, str(Path(__file__).with_name("seed_heatmap.py"))]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    out = args.work / "out"
    out.mkdir(exist_ok=True)

    ours, theirs = [], []
    for _ in range(args.runs):
        ours.append(timed([attnviz, "--model", str(model), "--threads", str(args.threads), "--layer", "10", "--head",
                           "5", SENTENCE, "-o", str(out / "attnviz.png")], env))
        theirs.append(timed(seed + [str(model), str(out / "seed.png"), SENTENCE], env))
    print(f"one sentence, cold, median of {args.runs} (min):")
    print(f"  attnviz        {statistics.median(ours):.3f} s ({min(ours):.3f})")
    print(f"  seed (python)  {statistics.median(theirs):.3f} s ({min(theirs):.3f})")
    print(f"  speed-up       {statistics.median(theirs) / statistics.median(ours):.1f}x")

    pairs_file, sentences = batch_file(args.work, args.pairs)
    n = len(sentences)
    with_figures = timed([attnviz, "batch", str(pairs_file), "--model", str(model), "--threads", str(args.threads),
                          "--layer", "10", "--head", "5", "-o", str(out / "batch")], env)
    summary_only = timed([attnviz, "batch", str(pairs_file), "--model", str(model), "--threads", str(args.threads),
                          "--no-figures", "-o", str(out / "batch-summary")], env)
    seed_batch = timed(seed + [str(model), str(out / "seed-batch.png")] + sentences, env)
    rate, flops, floor, share_run = floor_sentences_per_second(model, sentences, args.threads)
    print(f"batch of {n} sentences ({args.pairs} pairs), whole command including start-up and model load:")
    print(f"  attnviz batch, summary only        {n / summary_only:6.1f} sentences/s ({summary_only:.2f} s)")
    print(f"  attnviz batch, 3 PNGs per pair     {n / with_figures:6.1f} sentences/s ({with_figures:.2f} s)")
    print(f"  seed (python loop, 1 PNG/sentence) {n / seed_batch:6.1f} sentences/s ({seed_batch:.2f} s)")
    print(f"  floor: {flops / 1e9:.2f} GFLOP per sentence at {rate / 1e9:.1f} GFLOP/s (2048^2 matmul, "
          f"{args.threads} threads) = {floor:.1f} sentences/s; attnviz reaches {(n / summary_only) / floor:.0%} of "
          f"it summary only, {(n / with_figures) / floor:.0%} with figures")
    print(f"  attnviz runs {share_run:.0%} of those FLOPs (its last layer stops at the probabilities); against a "
          f"floor of only those, summary only reaches {(n / summary_only) / (floor / share_run):.0%}")


if __name__ == "__main__":
    main()
