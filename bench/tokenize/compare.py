#!/usr/bin/env python3
"""attnviz's tokenizers vs Hugging Face's Rust tokenizers, tokens per second, same text, one run.

Usage: compare.py BENCH_BINARY [SHARED_TOKENIZERS_DIR] [--mb 4]
       compare.py --load ATTNVIZ_BINARY [SHARED_TOKENIZERS_DIR] [--runs 5]

--load times loading instead, cold, whole process, every file of SHARED_TOKENIZERS_DIR: `attnviz tokenize
--model DIR TEXT --json` against a fresh Python that imports `tokenizers`, runs Tokenizer.from_file and encodes
TEXT (the ids must be the same). Each run is a new process (the files are in the page cache after the first);
the two sides take turns, and the table gives the median wall time and the median CPU time (user + system) of
the processes, and HF's from_file alone as timed inside its process.

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
import importlib.metadata
import json
import os
import resource
import statistics
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


LOAD_TEXT = "The animal didn't cross the street because it was too tired."
HF_LOAD = """import json, sys, time
from tokenizers import Tokenizer
start = time.perf_counter()
tokenizer = Tokenizer.from_file(sys.argv[1])
loaded = time.perf_counter() - start
print(json.dumps({"from_file": loaded, "ids": tokenizer.encode(sys.argv[2]).ids}))
"""


def run_process(command):
    """(stdout, wall seconds, CPU seconds: user + system) of one fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - run_process.cpu_so_far
    run_process.cpu_so_far = usage.ru_utime + usage.ru_stime
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {err.decode(errors='replace')}")
    return out.decode(), wall, cpu


run_process.cpu_so_far = 0.0


def load_table(attnviz, shared, runs):
    median = statistics.median
    print(f"cold load, whole process, {runs} runs each (median): `attnviz tokenize --model DIR TEXT --json` vs "
          f"`{sys.executable} -c <from_file + encode>`, tokenizers {importlib.metadata.version('tokenizers')}")
    print(f"{'tokenizer':<20}{'MB':>6}{'attnviz wall':>14}{'attnviz CPU':>13}{'HF wall':>10}{'HF CPU':>9}"
          f"{'HF from_file':>14}{'wall ratio':>12}")
    for folder in sorted(p for p in Path(shared).iterdir() if (p / "tokenizer.json").exists()):
        ours, theirs, from_file = [], [], []
        for _ in range(runs):
            out, wall, cpu = run_process([attnviz, "tokenize", "--model", str(folder), LOAD_TEXT, "--json"])
            ours.append((wall, cpu))
            our_ids = json.loads(out)["ids"]
            out, wall, cpu = run_process([sys.executable, "-c", HF_LOAD, str(folder / "tokenizer.json"), LOAD_TEXT])
            theirs.append((wall, cpu))
            hf = json.loads(out)
            from_file.append(hf["from_file"])
            if hf["ids"] != our_ids:
                sys.exit(f"{folder.name}: attnviz ids {our_ids} != HF ids {hf['ids']}")
        mb = (folder / "tokenizer.json").stat().st_size / 1e6
        ms = lambda values: f"{1000 * median(values):.0f} ms"  # noqa: E731
        print(f"{folder.name:<20}{mb:>6.1f}{ms([w for w, _ in ours]):>14}{ms([c for _, c in ours]):>13}"
              f"{ms([w for w, _ in theirs]):>10}{ms([c for _, c in theirs]):>9}{ms(from_file):>14}"
              f"{median([w for w, _ in theirs]) / median([w for w, _ in ours]):>11.1f}x")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bench", nargs="?")
    parser.add_argument("shared", nargs="?", default=str(REPO.parent / "shared" / "tokenizers"))
    parser.add_argument("--mb", type=float, default=4.0)
    parser.add_argument("--load", metavar="ATTNVIZ_BINARY")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.load:
        # One positional is the shared folder then.
        return load_table(args.load, args.bench or args.shared, args.runs)
    if not args.bench:
        parser.error("give BENCH_BINARY, or --load ATTNVIZ_BINARY")
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
