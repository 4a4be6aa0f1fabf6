"""Long inputs, one head: the whole `attnviz --model M --layer L --head H @text -o x.png` command
against transformers eager (output_attentions=True) on the same weights and token ids, side by side
in one run: wall time and peak RSS of each, at each length. transformers keeps every layer's and
head's n x n matrix, so it is run only where that fits in memory (the table says where it does not).

  .venv-ref/bin/python bench/model/run_long_input_benchmark.py --attnviz build/attnviz \\
      --model models/smollm2-135m-instruct --lengths 1024 4096 8192 --layer 12 --head 3

Also: `--html 4096` writes `attnviz html` of every head at that length and prints its size (the
page's head switch is measured by bench/web/bench.mjs --page)."""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

TRANSFORMERS_RUN = r"""
import json, resource, sys, time
import torch, transformers
model_dir, ids_file, layer, head, threads = sys.argv[1:6]
torch.set_num_threads(int(threads))
model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, attn_implementation="eager",
                                                          torch_dtype=torch.float32).eval()
ids = torch.tensor([json.load(open(ids_file))])
start = time.perf_counter()
with torch.no_grad():
    out = model(input_ids=ids, output_attentions=True, use_cache=False)
picked = out.attentions[int(layer) - 1][0, int(head) - 1].clone()
forward = time.perf_counter() - start
print(json.dumps({"forward_s": forward, "n": int(ids.shape[1])}))
"""


def memory_available():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def timed(command):
    """Wall seconds and peak RSS (bytes) of a child command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} ... failed:\n{result.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far: run each command in a fresh
    # process tree (see main), so the figure is this command's own.
    return wall, max(peak, before) * 1024, result.stdout


def text_of_length(tokenizer, corpus, n):
    """A text of the corpus whose encoding has exactly n tokens (the template's included)."""
    words = corpus.split()
    text = ""
    i = 0
    while len(tokenizer(text)["input_ids"]) < n + 8:
        text += " ".join(words[i % len(words): i % len(words) + 200]) + " "
        i += 200
    ids = tokenizer(text)["input_ids"][:n]
    return tokenizer.decode(ids, skip_special_tokens=True), ids


def one(args, kind, n, work):
    """Runs one measurement in a child of its own (peak RSS of children is per process tree)."""
    command = [sys.executable, __file__, "--child", kind, "--n", str(n), "--work", str(work)]
    for key in ("attnviz", "model", "layer", "head", "threads"):
        command += [f"--{key}", str(getattr(args, key))]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(args):
    work = Path(args.work)
    text = (work / f"text-{args.n}.txt")
    if args.child == "attnviz":
        wall, peak, _ = timed([args.attnviz, "--model", args.model, "--layer", str(args.layer), "--head",
                               str(args.head), f"@{text}", "--threads", str(args.threads), "-o",
                               str(work / f"attnviz-{args.n}.png")])
        print(json.dumps({"wall_s": wall, "peak_rss_gb": peak / 1e9}))
    elif args.child == "html":
        page = work / f"attnviz-{args.n}.html"
        wall, peak, _ = timed([args.attnviz, "html", "--model", args.model, f"@{text}", "--threads",
                               str(args.threads), "-o", str(page)])
        print(json.dumps({"wall_s": wall, "peak_rss_gb": peak / 1e9, "page_mb": page.stat().st_size / 1e6,
                          "page": str(page)}))
    else:
        script = work / "transformers_run.py"
        script.write_text(TRANSFORMERS_RUN)
        wall, peak, out = timed([sys.executable, str(script), args.model, str(work / f"ids-{args.n}.json"),
                                 str(args.layer), str(args.head), str(args.threads)])
        print(json.dumps({"wall_s": wall, "peak_rss_gb": peak / 1e9, **json.loads(out.strip().splitlines()[-1])}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attnviz", default=str(REPO / "build" / "attnviz"))
    parser.add_argument("--model", default=str(REPO / "models" / "smollm2-135m-instruct"))
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096, 8192])
    parser.add_argument("--layer", type=int, default=12)
    parser.add_argument("--head", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--html", type=int, nargs="*", default=[], help="lengths to write attnviz html of")
    parser.add_argument("--work", default="")
    parser.add_argument("--child", choices=["attnviz", "transformers", "html"])
    parser.add_argument("--n", type=int)
    args = parser.parse_args()
    if args.child:
        return child(args)

    import transformers
    work = Path(args.work or tempfile.mkdtemp(prefix="attnviz-long-"))
    work.mkdir(parents=True, exist_ok=True)
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.model)
    config = json.loads((Path(args.model) / "config.json").read_text())
    layers, heads = config["num_hidden_layers"], config["num_attention_heads"]
    corpus = (REPO / "examples" / "heads_corpus.txt").read_text()
    weights = sum(f.stat().st_size for f in Path(args.model).glob("*.safetensors"))
    print(f"{args.model}: {layers} layers x {heads} heads; layer {args.layer}, head {args.head}; "
          f"{args.threads} threads; {os.cpu_count()} cores")
    print("| tokens | attnviz s | attnviz peak GB | transformers s (forward s) | transformers peak GB | "
          "time ratio t/a |")
    print("|---|---|---|---|---|---|")
    for n in sorted(set(args.lengths) | set(args.html)):
        text, ids = text_of_length(tokenizer, corpus, n)
        (work / f"text-{n}.txt").write_text(text)
        (work / f"ids-{n}.json").write_text(json.dumps(ids))
    for n in args.lengths:
        a = one(args, "attnviz", n, work)
        # transformers holds every attention, and one layer's scores and probabilities besides.
        need = weights + (layers + 2) * heads * n * n * 4
        if need > 0.8 * memory_available():
            t_cells = (f"does not fit: needs ~{need / 1e9:.0f} GB of the {memory_available() / 1e9:.0f} GB "
                       "free (run only under 80 %) | – | –")
        else:
            t = one(args, "transformers", n, work)
            t_cells = (f"{t['wall_s']:.1f} ({t['forward_s']:.1f}) | {t['peak_rss_gb']:.2f} | "
                       f"{t['wall_s'] / a['wall_s']:.2f}")
        print(f"| {n} | {a['wall_s']:.1f} | {a['peak_rss_gb']:.2f} | {t_cells} |", flush=True)
    for n in args.html:
        h = one(args, "html", n, work)
        print(f"attnviz html, every head, {n} tokens: {h['page_mb']:.1f} MB in {h['wall_s']:.1f} s, "
              f"peak {h['peak_rss_gb']:.2f} GB: {h['page']}")


if __name__ == "__main__":
    main()
