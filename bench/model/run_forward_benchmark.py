#!/usr/bin/env python3
"""attnviz's forward pass against transformers eager on the same weights, side by side in one run.

BERT-base, GPT-2-small, Llama-3.2-1B and a Mixtral-like mixture of experts (8 experts, top 2) with random weights (real sizes; saved once under --work), and
SmolLM2-135M-Instruct's real weights where --smollm2 names its directory (scripts/make_smollm2_dir.sh). For each
length, one process runs attnviz (bench_forward, Google Benchmark) and one runs transformers
(output_attentions=True, attn_implementation="eager"), alternating, each reporting its median forward time and its
peak RSS.

Usage (from the repository root, after building with -DATTNVIZ_BUILD_BENCHMARKS=ON):
  .venv-ref/bin/python bench/model/run_forward_benchmark.py [--build build] [--threads 2]
      [--smollm2 models/smollm2-135m-instruct] [--only smollm2 llama-3.2-1b]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

MODELS = {
    "bert-base": ("bert", [16, 128, 512]),
    "gpt2-small": ("gpt2", [16, 128, 1024]),
    "llama-3.2-1b": ("llama", [128]),
    "mixtral-moe": ("mixtral", [128, 512]),
    "smollm2": ("real", [16, 128, 1024]),
}


def random_model(family):
    from transformers import (BertConfig, BertModel, GPT2Config, GPT2Model, LlamaConfig, LlamaModel, MixtralConfig,
                              MixtralModel)
    if family == "bert":
        return BertModel(BertConfig())
    if family == "gpt2":
        return GPT2Model(GPT2Config())
    if family == "mixtral":
        # Mixtral 8x7B's layout (8 experts, top 2, grouped-query attention, rope_theta 1e6) at a quarter of its
        # width and depth: 8 layers, 700 MB of float32 weights
        return MixtralModel(MixtralConfig(
            vocab_size=32000, hidden_size=512, intermediate_size=1792, num_hidden_layers=8, num_attention_heads=16,
            num_key_value_heads=4, num_local_experts=8, num_experts_per_tok=2, max_position_embeddings=32768,
            rope_theta=1e6, rms_norm_eps=1e-5, sliding_window=None))
    # Llama-3.2-1B's config.json, random weights
    return LlamaModel(LlamaConfig(
        vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
        num_attention_heads=32, num_key_value_heads=8, head_dim=64, max_position_embeddings=131072,
        rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=True,
        rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 8192}))


def make_checkpoints(work, names):
    import torch
    torch.manual_seed(0)
    for name in names:
        family = MODELS[name][0]
        target = work / name
        if family == "real" or (target / "model.safetensors").exists():
            continue
        random_model(family).save_pretrained(target, safe_serialization=True)


def transformers_forward(model_dir, n, threads, seconds=2.0):
    """Runs in its own process: median forward time (ms) and peak RSS (MB)."""
    import torch
    from transformers import AutoModel
    torch.set_num_threads(threads)
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    ids = torch.randint(1000, 20000, (1, n))
    times = []
    with torch.inference_mode():
        model(ids, output_attentions=True)
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(times) < 3:
            t = time.perf_counter()
            model(ids, output_attentions=True)
            times.append(time.perf_counter() - t)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": 1000 * times[len(times) // 2], "peak_mb": peak}))


def attnviz_forward(binary, model_dir, n, threads):
    # As the attnviz command runs its model stage (src/cli/model_launcher.cpp): OpenMP threads spin
    # briefly while they wait.
    env = dict(os.environ, ATTNVIZ_BENCH_MODEL=str(model_dir), ATTNVIZ_BENCH_LENGTHS=str(n),
               ATTNVIZ_BENCH_THREADS=str(threads))
    if "OMP_WAIT_POLICY" not in env:
        env.setdefault("GOMP_SPINCOUNT", "10000")
    out = subprocess.run([str(binary), "--benchmark_format=json", "--benchmark_repetitions=3"], env=env,
                         capture_output=True, text=True, check=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("aggregate_name") == "median"]
    return {"ms": runs[0]["real_time"], "peak_mb": runs[0]["peak_rss_mb"]}


def weights_mb(model_dir):
    return (model_dir / "model.safetensors").stat().st_size / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=Path("build"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/attnviz-bench"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--smollm2", type=Path, help="SmolLM2-135M-Instruct as a Hugging Face directory")
    parser.add_argument("--only", nargs="*", choices=list(MODELS), help="only these models")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        transformers_forward(args.child[0], int(args.child[1]), args.threads)
        return
    if args.make is not None:
        make_checkpoints(args.work, args.make)
        return
    names = [n for n in (args.only or MODELS) if MODELS[n][0] != "real" or args.smollm2]
    # In a process of its own: Linux children inherit the parent's peak RSS, which a 5 GB random model would set.
    subprocess.run([sys.executable, __file__, "--work", str(args.work), "--make", *names], check=True)
    binary = args.build / "bench" / "model" / "bench_forward"
    print(f"threads: {args.threads}; median forward time, peak RSS of the whole process")
    print("| model | n | weights MB | attnviz ms | transformers ms | ratio (tf/attnviz) | attnviz peak MB | "
          "transformers peak MB |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        family, lengths = MODELS[name]
        model_dir = args.smollm2 if family == "real" else args.work / name
        for n in lengths:
            ours = attnviz_forward(binary, model_dir, n, args.threads)
            child = subprocess.run([sys.executable, __file__, "--threads", str(args.threads), "--child",
                                    str(model_dir), str(n)], capture_output=True, text=True, check=True)
            theirs = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"| {name} | {n} | {weights_mb(model_dir):.0f} | {ours['ms']:.1f} | {theirs['ms']:.1f} | "
                  f"{theirs['ms'] / ours['ms']:.2f} | {ours['peak_mb']:.0f} | {theirs['peak_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
