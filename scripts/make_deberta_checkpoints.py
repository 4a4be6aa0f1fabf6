#!/usr/bin/env python3
"""Makes the small random DeBERTa-v2/v3 checkpoints under tests/data/models/families/ and transformers' own
attentions for them under tests/data/reference/families/, as scripts/make_family_checkpoints.py makes its
FAMILY_A checkpoints (every norm weight and bias drawn at random, float16 files, a letter vocabulary, a single
input, a right-padded batch and a 24-token input).

Each config exercises part of disentangled attention:
- deberta-v3: v3's layout: both terms (p2c, c2p) through the shared query and key projections (share_att_key),
  256 position buckets, LayerNorm on the relative table, no absolute positions, no token types.
- deberta-v3-buckets: p2c alone through its own pos_query_proj, 8 log buckets up to 16 relative positions (so that
  the 24-token input reaches the logarithmic buckets and past them).
- deberta-v2: v2's layout: c2p alone through pos_key_proj, max_relative_positions 16 without buckets (clamped),
  absolute positions, token types, embeddings narrower than hidden_size (embed_proj), the ConvLayer after the
  first layer (conv_kernel_size 3, tanh).
- deberta-v2-absolute: relative_attention false; the scale still counts pos_att_type's terms.

Usage: scripts/make_deberta_checkpoints.py [--out tests/data] [NAME...]
Needs .venv-ref (scripts/setup_reference_env.sh): transformers 4.46.3 on torch 1.13.
"""
import argparse
from pathlib import Path

import torch
import transformers as tf

import make_family_checkpoints as families

COMMON = dict(vocab_size=families.VOCAB, num_hidden_layers=2, max_position_embeddings=64, layer_norm_eps=1e-7,
              hidden_act="gelu", initializer_range=families.INIT_RANGE, pad_token_id=0)

CHECKPOINTS = {
    "deberta-v3": (tf.DebertaV2ForMaskedLM, tf.DebertaV2Config,
                   dict(COMMON, hidden_size=36, num_attention_heads=3, intermediate_size=40, type_vocab_size=0,
                        relative_attention=True, position_biased_input=False, share_att_key=True,
                        pos_att_type=["p2c", "c2p"], position_buckets=256, max_relative_positions=-1,
                        norm_rel_ebd="layer_norm"), {}),
    "deberta-v3-buckets": (tf.DebertaV2Model, tf.DebertaV2Config,
                           dict(COMMON, hidden_size=32, num_attention_heads=4, intermediate_size=40,
                                type_vocab_size=0, relative_attention=True, position_biased_input=False,
                                share_att_key=False, pos_att_type=["p2c"], position_buckets=8,
                                max_relative_positions=16, norm_rel_ebd="layer_norm", hidden_act="gelu_new"), {}),
    "deberta-v2": (tf.DebertaV2Model, tf.DebertaV2Config,
                   dict(COMMON, hidden_size=32, num_attention_heads=4, intermediate_size=40, type_vocab_size=2,
                        embedding_size=20, relative_attention=True, position_biased_input=True, share_att_key=False,
                        pos_att_type=["c2p"], position_buckets=-1, max_relative_positions=16, norm_rel_ebd="none",
                        conv_kernel_size=3), {}),
    "deberta-v2-absolute": (tf.DebertaV2Model, tf.DebertaV2Config,
                            dict(COMMON, hidden_size=36, num_attention_heads=6, intermediate_size=40,
                                 type_vocab_size=2, relative_attention=False, position_biased_input=True,
                                 pos_att_type=["c2p", "p2c"]), {}),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "data")
    parser.add_argument("names", nargs="*", help="only these checkpoints (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    unknown = [name for name in args.names if name not in CHECKPOINTS]
    if unknown:
        parser.error(f"no DeBERTa checkpoint named {', '.join(unknown)} (there are {', '.join(CHECKPOINTS)})")
    # Made by make_family_checkpoints.make as its FAMILY_A checkpoints are: an encoder (no use_cache), random norms
    # and biases, float16, a letter vocabulary of every id.
    families.ENCODER_TYPES.add("deberta-v2")
    families.FAMILY_A.update(CHECKPOINTS)
    families.RANDOM_NORMS_AND_BIASES.update(CHECKPOINTS)
    families.LETTER_VOCABULARY.update(CHECKPOINTS)
    for name, spec in CHECKPOINTS.items():
        if not args.names or name in args.names:
            families.make(name, *spec, args.out)


if __name__ == "__main__":
    main()
