#!/usr/bin/env python3
"""attnviz's tokenizers vs Hugging Face's Rust tokenizers, tokens per second, same text, one run.

Usage: compare.py BENCH_BINARY [SHARED_TOKENIZERS_DIR] [--mb 4]

The tokenizers: the seven shared real files, then the HF-made Unigram and WordLevel files of
tests/data/tokenize/hf_made (a gzipped one unpacked into /tmp first).

Builds a few-MB English-and-code text (docstrings of the running Python's standard library, then its source code,
with the tokenizer test corpus mixed in for other scripts; its sha256 is printed, as it depends on the Python
installation), split into paragraphs at empty lines. Every side encodes every paragraph on its own, one
thread: attnviz through bench_tokenize (Google Benchmark); HF through PyPI `tokenizers` (a) one encode() call
per paragraph, (b) encode_batch() with RAYON_NUM_THREADS=1. Both must produce the same number of tokens.
"""
import argparse
import ast
import gzip
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def build_text(megabytes):
    paragraphs = []
    size = 0
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    corpus = [json.loads(line)["a"] for line in open(REPO / "tests/data/tokenize/corpus.jsonl", encoding="utf-8")]
    for path in sorted(stdlib.rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    for p in doc.split("\n\n"):
                        p = p.strip()
                        if p:
                            paragraphs.append(p)
                            size += len(p.encode("utf-8"))
                            if len(paragraphs) % 50 == 0:  # a little of everything else
                                extra = corpus[(len(paragraphs) // 50) % len(corpus)].replace("\n\n", "\n").strip()
                                if extra:
                                    paragraphs.append(extra)
        if size >= megabytes * 1e6:
            return paragraphs
    for path in sorted(stdlib.rglob("*.py")):  # not enough prose: fill up with the code itself
        for p in path.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            p = p.strip("\n")
            if p.strip():
                paragraphs.append(p)
                size += len(p.encode("utf-8"))
        if size >= megabytes * 1e6:
            break
    return paragraphs


def hf_made_dirs():
    """tests/data/tokenize/hf_made/NAME, each as a folder holding a plain tokenizer.json."""
    dirs = []
    for folder in sorted((REPO / "tests/data/tokenize/hf_made").iterdir()):
        packed = folder / "tokenizer.json.gz"
        if packed.exists():
            unpacked = Path("/tmp/attnviz_bench_hf_made") / folder.name
            unpacked.mkdir(parents=True, exist_ok=True)
            (unpacked / "tokenizer.json").write_bytes(gzip.decompress(packed.read_bytes()))
            folder = unpacked
        dirs.append(folder)
    return dirs


def hf_rates(path, paragraphs, repeats=3):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    tok.encode_batch(paragraphs[:100])  # warm up
    best_loop = best_batch = float("inf")
    tokens = 0
    for _ in range(repeats):
        start = time.perf_counter()
        tokens = sum(len(tok.encode(p).ids) for p in paragraphs)
        best_loop = min(best_loop, time.perf_counter() - start)
        start = time.perf_counter()
        batch_tokens = sum(len(e.ids) for e in tok.encode_batch(paragraphs))
        best_batch = min(best_batch, time.perf_counter() - start)
        assert batch_tokens == tokens
    return tokens, tokens / best_loop, tokens / best_batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bench")
    parser.add_argument("shared", nargs="?", default=str(REPO.parent / "shared" / "tokenizers"))
    parser.add_argument("--mb", type=float, default=4.0)
    args = parser.parse_args()
    os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its thread pool
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    paragraphs = build_text(args.mb)
    text_path = Path("/tmp/attnviz_bench_text.txt")
    text_path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    # Paragraphs must be read back exactly as written.
    paragraphs = [p for p in text_path.read_text(encoding="utf-8").split("\n\n") if p]
    mb = sum(len(p.encode("utf-8")) for p in paragraphs) / 1e6
    shared = ["bert-base-uncased", "gpt2", "smollm2", "mistral-7b", "llama3", "qwen3", "gemma3"]
    dirs = {m: Path(args.shared) / m for m in shared}
    dirs.update({d.name: d for d in hf_made_dirs()})
    models = list(dirs)
    out = subprocess.run([args.bench, "--benchmark_format=json", "--benchmark_repetitions=3",
                          "--benchmark_report_aggregates_only=true", str(text_path)] +
                         [str(d) for d in dirs.values()], check=True, capture_output=True, text=True)
    ours = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            ours[b["run_name"].split("/")[1]] = (b["tokens"], b["tokens_per_second"])
    digest = hashlib.sha256(text_path.read_bytes()).hexdigest()[:16]
    print(f"text: {len(paragraphs)} paragraphs, {mb:.2f} MB (sha256 {digest}, from {sysconfig.get_paths()['stdlib']}), "
          f"one encode per paragraph, one thread")
    print(f"{'model':<20}{'tokens':>10}{'attnviz tok/s':>16}{'HF encode tok/s':>18}{'HF batch tok/s':>17}"
          f"{'vs encode':>11}{'vs batch':>10}")
    for m in models:
        tokens, loop_rate, batch_rate = hf_rates(dirs[m], paragraphs)
        our_tokens, our_rate = ours[m]
        if int(our_tokens) != tokens:
            sys.exit(f"{m}: attnviz produced {int(our_tokens)} tokens, HF {tokens}: not the same work")
        print(f"{m:<20}{tokens:>10}{our_rate:>16,.0f}{loop_rate:>18,.0f}{batch_rate:>17,.0f}"
              f"{our_rate / loop_rate:>10.2f}x{our_rate / batch_rate:>9.2f}x")


if __name__ == "__main__":
    main()
