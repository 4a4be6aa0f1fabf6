#!/usr/bin/env python3
"""attnviz dump on the tiny GGUFs of tests/data/gguf/tiny (scripts/make_gguf_tiny_models.py) against transformers'
GGUF-loader eager attentions committed beside them (1e-5); then the same file through a fake Ollama store
(OLLAMA_MODELS in a temp dir: manifest -> sha256 blob), a missing name (the error lists the store) and a
damaged blob (the digest check). Usage: gguf_tiny_parity.py ATTNVIZ_BINARY TINY_DIR"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def run(binary, *args, env=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, env=env)


def main():
    binary, tiny = sys.argv[1], Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        for name in ("k_quants", "small_blocks"):
            ids = ",".join(map(str, json.loads((tiny / f"{name}.ids.json").read_text())))
            out = work / f"{name}.npy"
            done = run(binary, "dump", "--model", str(tiny / f"{name}.gguf"), "--ids", ids, "-o", str(out))
            assert done.returncode == 0, done.stderr
            worst = float(np.abs(np.load(out) - np.load(tiny / f"{name}.attentions.npy")).max())
            print(f"{name}: max |attnviz - transformers| = {worst:.2e}")
            assert worst <= 1e-5, worst
        store = work / "ollama"
        blob = (tiny / "k_quants.gguf").read_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        (store / "blobs").mkdir(parents=True)
        (store / "blobs" / f"sha256-{digest}").write_bytes(blob)
        manifest = store / "manifests/registry.ollama.ai/library/tiny/q4"
        manifest.parent.mkdir(parents=True)
        manifest.write_text(json.dumps({"layers": [{"mediaType": "application/vnd.ollama.image.model",
                                                     "digest": f"sha256:{digest}"}]}))
        env = dict(os.environ, OLLAMA_MODELS=str(store))
        done = run(binary, "dump", "--model", "ollama:tiny:q4", "--ids", ids, "-o", str(work / "o.npy"), env=env)
        assert done.returncode == 0, done.stderr
        assert np.abs(np.load(work / "o.npy") - np.load(tiny / "k_quants.attentions.npy")).max() <= 1e-5
        done = run(binary, "tokenize", "--model", "ollama:gemma3:270m", "x", env=env)
        assert done.returncode != 0 and "tiny:q4" in done.stderr, done.stderr
        (store / "blobs" / f"sha256-{digest}").write_bytes(blob[:-1] + b"x")
        done = run(binary, "tokenize", "--model", "ollama:tiny:q4", "x", env=env)
        assert done.returncode != 0 and "damaged" in done.stderr, done.stderr
        print("ollama: store read, missing name listed, damaged blob refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
