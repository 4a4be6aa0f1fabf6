"""attnviz dump's pooled blocks and windows against NumPy: the same run at full resolution,
max- and mean-pooled by NumPy, must equal what attnviz kept while the model ran (1e-6).

usage: test_pooling_numpy.py ATTNVIZ MODEL_DIR WORK_DIR"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np


def dump(attnviz, model, text, out, *flags):
    subprocess.run([attnviz, "dump", "--model", model, text, "-o", str(out), *flags], check=True,
                   stdout=subprocess.DEVNULL)
    return np.load(out), json.loads(out.with_suffix(".json").read_text())


def pool(matrix, first, last, block, how):
    """Blocks of block x block cells of matrix[..., first:last, first:last]; the last ones smaller."""
    part = matrix[..., first:last, first:last]
    n = part.shape[-1]
    cells = -(-n // block)
    out = np.zeros(part.shape[:-2] + (cells, cells), dtype=np.float64)
    for i in range(cells):
        for j in range(cells):
            tile = part[..., i * block:(i + 1) * block, j * block:(j + 1) * block]
            out[..., i, j] = tile.max(axis=(-2, -1)) if how == "max" else tile.mean(axis=(-2, -1))
    return out


def main():
    attnviz, model, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    text = " ".join(chr(97 + (7 * i) % 26) for i in range(300))  # 302 tokens with [CLS], [SEP]
    full, meta = dump(attnviz, model, text, work / "full.npy")
    n = full.shape[-1]
    assert full.shape == (4, 8, n, n) and n == 302, full.shape
    cases = [([], 0, n, 1), (["--blocks", "40"], 0, n, 8), (["--window", "50:250"], 50, 250, 1),
             (["--window", "50:250", "--blocks", "64"], 50, 250, 4)]
    worst = 0.0
    for flags, first, last, block in cases:
        for how in ("max", "mean"):
            kept, kept_meta = dump(attnviz, model, text, work / "kept.npy", *flags, "--pool", how)
            expected = pool(full.astype(np.float64), first, last, block, how)
            assert kept.shape == expected.shape, (flags, kept.shape, expected.shape)
            assert kept_meta.get("block", 1) == block and kept_meta.get("first", 0) == first, kept_meta
            worst = max(worst, float(np.abs(kept - expected).max()))
            print(f"{' '.join(flags) or 'full'} --pool {how}: {kept.shape}, max |diff| "
                  f"{np.abs(kept - expected).max():.2e}")
    assert worst <= 1e-6, worst
    print(f"pooled blocks and windows equal NumPy's pool of the full run: max |diff| {worst:.2e}")


if __name__ == "__main__":
    main()
