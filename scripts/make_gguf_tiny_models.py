#!/usr/bin/env python3
"""Writes tests/data/gguf/tiny/: tiny Llama-architecture GGUF models, each with its matrices in other
quantization types, written by gguf-py (llama.cpp's writer) as llama.cpp's converter writes a Llama: query and
key rows permuted for its rotary layout, a byte-level BPE tokenizer (tokenizer.ggml.model gpt2) in the
metadata. Each <name>.gguf comes with <name>.attentions.npy: transformers' own GGUF loader
(from_pretrained(gguf_file=...): gguf-py dequantizes, transformers un-permutes) run eager on IDS, every layer
and head, float32 [layers, heads, n, n]; and <name>.ids.json, the ids.

Matrices are random blocks (random bytes with small float16 scales) in Q2_K, Q3_K, Q4_K, Q5_K, Q6_K (k_quants)
and Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, IQ4_XS, F16, BF16 (small_blocks); norms F32.

Usage: scripts/make_gguf_tiny_models.py   (in .venv-convert: transformers 4.46.3, gguf 0.19.0, torch)
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFWriter
from gguf.constants import GGML_QUANT_SIZES

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "gguf" / "tiny"
HIDDEN, HEADS, KV_HEADS, LAYERS, FFN = 256, 4, 2, 2, 256
HEAD_DIM = HIDDEN // HEADS
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0], T.Q2_K: [80, 82],
    T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208], T.IQ4_NL: [0], T.IQ4_XS: [0],
}
MODELS = {
    "k_quants": [T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K],
    "small_blocks": [T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.IQ4_NL, T.IQ4_XS, T.F16, T.BF16],
}
IDS = [1, 40, 300, 77, 12, 290, 5, 133, 64, 250, 3, 99]


def byte_level_vocab():
    # GPT-2's bytes-to-unicode table, then a few merges
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    chars = [chr(c) for c in cs]
    tokens = ["<|endoftext|>", "<|im_start|>"] + chars
    merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "Ġ w", "o n"]
    for merge in merges:
        tokens.append(merge.replace(" ", ""))
    while len(tokens) < 320:
        tokens.append(f"<unused{len(tokens)}>")
    return tokens, merges


def permute(weights, n_head):  # llama.cpp's convert_hf_to_gguf.py LlamaModel.permute
    return weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def matrix(rng, rows, cols, qtype, permute_heads=0):
    """A [rows, cols] weight in qtype, as the bytes (or floats) gguf-py writes."""
    if qtype in (T.F16, T.F32):
        values = (rng.standard_normal((rows, cols)) * 0.1).astype(np.float32)
        if permute_heads:
            values = permute(values, permute_heads)
        return values.astype(np.float16 if qtype == T.F16 else np.float32), None
    if qtype == T.BF16:
        values = (rng.standard_normal((rows, cols)) * 0.1).astype(np.float32)
        if permute_heads:
            values = permute(values, permute_heads)
        return (values.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8).reshape(rows, cols * 2), qtype
    block_elements, block_bytes = GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, (rows * cols // block_elements, block_bytes), dtype=np.uint8)
    for offset in HALF_FIELDS[qtype]:
        halves = (rng.uniform(0.002, 0.02, len(blocks)) * rng.choice([-1, 1], len(blocks))).astype(np.float16)
        blocks[:, offset:offset + 2] = halves.view(np.uint8).reshape(-1, 2)
    data = blocks.reshape(rows, -1)
    # rows are whole blocks, so permuting rows of the bytes is permuting rows of the values
    if permute_heads:
        data = permute(data, permute_heads)
    return np.ascontiguousarray(data), qtype


def write_model(path, types, rng):
    tokens, merges = byte_level_vocab()
    writer = GGUFWriter(path, "llama")
    writer.add_name("attnviz tiny llama")
    writer.add_context_length(256)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("smollm")
    writer.add_token_list(tokens)
    writer.add_token_types([3, 3] + [1] * (len(tokens) - 2))
    writer.add_token_merges(merges)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(0)
    writer.add_add_bos_token(False)
    k = 0

    def add(name, rows, cols, permute_heads=0):
        nonlocal k
        data, qtype = matrix(rng, rows, cols, types[k % len(types)], permute_heads)
        k += 1
        writer.add_tensor(name, data, raw_dtype=qtype)

    def norm(name, size):
        writer.add_tensor(name, (1.0 + 0.1 * rng.standard_normal(size)).astype(np.float32))

    emb, _ = matrix(rng, len(tokens), HIDDEN, T.Q8_0)
    writer.add_tensor("token_embd.weight", emb, raw_dtype=T.Q8_0)
    for layer in range(LAYERS):
        p = f"blk.{layer}."
        norm(p + "attn_norm.weight", HIDDEN)
        add(p + "attn_q.weight", HEADS * HEAD_DIM, HIDDEN, HEADS)
        add(p + "attn_k.weight", KV_HEADS * HEAD_DIM, HIDDEN, KV_HEADS)
        add(p + "attn_v.weight", KV_HEADS * HEAD_DIM, HIDDEN)
        add(p + "attn_output.weight", HIDDEN, HEADS * HEAD_DIM)
        norm(p + "ffn_norm.weight", HIDDEN)
        add(p + "ffn_gate.weight", FFN, HIDDEN)
        add(p + "ffn_up.weight", FFN, HIDDEN)
        add(p + "ffn_down.weight", HIDDEN, FFN)
    norm("output_norm.weight", HIDDEN)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def reference(path):
    import torch
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, torch_dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    with torch.no_grad():
        attentions = model(torch.tensor([IDS]), output_attentions=True, use_cache=False).attentions
    return np.stack([a[0].numpy() for a in attentions]).astype(np.float32)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2626)
    for name, types in MODELS.items():
        path = OUT / f"{name}.gguf"
        write_model(path, types, rng)
        np.save(OUT / f"{name}.attentions.npy", reference(path))
        (OUT / f"{name}.ids.json").write_text(json.dumps(IDS) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
