#!/usr/bin/env python3
"""The seed lab's own way (shared/seeds, lab 2): transformers forward + seaborn heatmap + savefig.

Usage: seed_heatmap.py MODEL_DIR OUT.png SENTENCE [SENTENCE ...]
One process, one model load; a heatmap of Layer 10, Head 5 per sentence (OUT.png, OUT-1.png, ...).
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns
import torch
from transformers import BertModel, BertTokenizer


def main():
    model_dir, out, sentences = sys.argv[1], sys.argv[2], sys.argv[3:]
    tokenizer = BertTokenizer.from_pretrained(model_dir)
    model = BertModel.from_pretrained(model_dir, output_attentions=True, attn_implementation="eager")
    model.eval()
    for i, text in enumerate(sentences):
        inputs = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            attention = model(**inputs).attentions
        tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
        attn_matrix = attention[9][0, 4].detach().numpy()
        plt.figure(figsize=(10, 8))
        sns.heatmap(attn_matrix, xticklabels=tokens, yticklabels=tokens, cmap="viridis")
        plt.title("Layer 10, Head 5")
        plt.xlabel("Key (Attended To)")
        plt.ylabel("Query (Attending From)")
        plt.savefig(out if i == 0 else out.replace(".png", f"-{i}.png"))
        plt.close()


if __name__ == "__main__":
    main()
