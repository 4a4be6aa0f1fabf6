"""attnviz dump, run as a user runs it, on the small random checkpoints of GPT-J, OPT, BLOOM, Falcon,
GPT-BigCode, Starcoder2, Phi, StableLM, Cohere, Granite, Mixtral, Qwen2-MoE, OLMo, OLMo 2, Gemma 3 and ModernBERT (tests/data/models/families, made by
scripts/make_family_checkpoints.py): every layer and head of the .npy it writes must equal transformers' own
eager attentions (output_attentions=True, in tests/data/reference/families) within 1e-5.

usage: test_families_dump.py ATTNVIZ DATA_DIR WORK_DIR"""
import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

CHECKPOINTS = ["gptj", "opt", "opt-post-norm", "bloom", "bloom-post-norm-residual", "falcon-alibi",
               "falcon-multi-query", "falcon-new-architecture", "gpt-bigcode", "gpt-bigcode-mha", "starcoder2",
               "phi", "stablelm", "stablelm-parallel", "cohere", "granite", "mixtral", "qwen2-moe", "qwen2-moe-step",
               "olmo", "olmo2", "gemma3-text", "gemma3", "modernbert", "modernbert-bias"]
# scripts/make_deberta_checkpoints.py
CHECKPOINTS += ["deberta-v3", "deberta-v3-buckets", "deberta-v2", "deberta-v2-absolute"]


def main():
    attnviz, data, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    worst = 0.0
    for name in CHECKPOINTS:
        reference = json.loads((data / "reference" / "families" / f"{name}.json").read_text())
        layers, heads = reference["layers"], reference["heads"]
        for case in reference["cases"]:
            item = case["items"][0]
            ids, n = item["ids"], len(item["ids"])
            expected = np.frombuffer(base64.b64decode(item["attentions_f32"]), dtype="<f4").reshape(
                layers, heads, n, n)
            out = work / f"{name}-{case['name']}.npy"
            subprocess.run([attnviz, "dump", "--model", str(data / "models" / "families" / name), "--ids",
                            ",".join(map(str, ids)), "-o", str(out)], check=True, stdout=subprocess.DEVNULL)
            got = np.load(out)
            assert got.shape == expected.shape, (name, got.shape, expected.shape)
            difference = float(np.abs(got - expected).max())
            print(f"{name} {case['name']}: {layers} layers x {heads} heads x {n} tokens, max |diff| {difference:.2e}")
            assert difference <= 1e-5, (name, case["name"], difference)
            worst = max(worst, difference)
    print(f"attnviz dump equals transformers on {len(CHECKPOINTS)} checkpoints: max |diff| {worst:.2e}")


if __name__ == "__main__":
    main()
