"""Dumps a real model's attention in tests/web/make_view's --dump-bin format, for bench/web.

usage: real_attention.py MODEL_DIR N OUT.f32
MODEL_DIR is a Hugging Face BERT directory (bench used all-MiniLM-L6-v2: 6 layers x 12 heads, the only real
checkpoint on the build machine). The text is the repository's seed labs and design notes, cut to N tokens
including [CLS] and [SEP]. Prints "layers heads n".
"""
import json
import sys
from pathlib import Path

import torch
from transformers import AutoTokenizer, BertModel

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    model_dir, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((REPO.parent / "shared" / "seeds").glob("*.txt")))
    text += (REPO.parent / "shared" / "DESIGN.md").read_text(encoding="utf-8")
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = BertModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    enc = tokenizer(text, return_tensors="pt", truncation=True, max_length=n)
    assert enc["input_ids"].shape[1] == n, f"the text gives only {enc['input_ids'].shape[1]} tokens"
    with torch.no_grad():
        attentions = model(**enc, output_attentions=True).attentions
    weights = torch.stack([a[0] for a in attentions]).to(torch.float32).numpy()  # [L][H][n][n]
    weights.astype("<f4").tofile(out)
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
    Path(str(out) + ".tokens.json").write_text(json.dumps(tokens), encoding="utf-8")
    print(weights.shape[0], weights.shape[1], n)


if __name__ == "__main__":
    main()
