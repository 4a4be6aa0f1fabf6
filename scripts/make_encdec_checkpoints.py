#!/usr/bin/env python3
"""Makes the small random encoder-decoder checkpoints under tests/data/models/encdec/ and transformers' own
attentions for them under tests/data/reference/encdec/ (a sibling of make_family_checkpoints.py).

Each checkpoint is made by transformers itself (random init, fixed seed, tiny sizes), with its norm weights and
biases drawn at random (random init leaves them at 1 and 0, where a norm applied wrongly would not show), from a
config that exercises its family: BART's learned positions with their offset of 2 and post-LayerNorm blocks;
mBART's pre-LayerNorm blocks and final norms; Marian's and Pegasus's sinusoidal positions and embedding scale;
M2M100's padding-aware sinusoidal positions; T5's relative position buckets (bidirectional in the encoder, causal
in the decoder), unscaled scores and RMS norm, tied and untied heads, gated-GELU (Flan-T5), d_kv unlike
d_model / heads, and encoder and decoder depths that differ. The references are `output_attentions=True` with
attn_implementation="eager" for a source and a decoder input (encoder_attentions, decoder_attentions,
cross_attentions), stored as base64 of little-endian float32; the decoder input transformers makes from labels
(shift right with decoder_start_token_id); and greedy generation (num_beams=1, no sampling, no forced EOS).

Usage: scripts/make_encdec_checkpoints.py [--out tests/data] [NAME...]
Needs .venv-ref (scripts/setup_reference_env.sh): transformers 4.46.3 on torch 1.13.
"""
import argparse
import base64
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
import transformers as tf

# Debian's torch 1.13 cannot import torch.distributed.fsdp under Python 3.11; transformers asks it only whether
# the model is sharded across GPUs (M2M100's layerdrop, generate's synced_gpus), which here it never is.
import transformers.models.m2m_100.modeling_m2m_100 as m2m100_module  # noqa: E402

m2m100_module.is_fsdp_managed_module = lambda module: False

SEED = 20261207
INIT_RANGE = 0.3  # sharp random heads, so an arithmetic mistake moves probabilities far
VOCAB = 64
# (source length, decoder input length); "long" reaches past T5's max_distance and every exact bucket
LENGTHS = {"single": (12, 9), "long": (26, 22)}
GENERATE_TOKENS = 8

BART_LIKE = dict(vocab_size=VOCAB, d_model=16, encoder_layers=2, decoder_layers=3, encoder_attention_heads=4,
                 decoder_attention_heads=4, encoder_ffn_dim=24, decoder_ffn_dim=20, max_position_embeddings=32,
                 init_std=INIT_RANGE, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                 forced_eos_token_id=None)
T5_LIKE = dict(vocab_size=VOCAB, d_model=16, d_kv=8, d_ff=24, num_layers=2, num_decoder_layers=3, num_heads=4,
               relative_attention_num_buckets=8, relative_attention_max_distance=20, initializer_factor=1.0,
               pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, layer_norm_epsilon=1e-6)


def bart_like(**overrides):
    return {**BART_LIKE, **overrides}


def t5_like(**overrides):
    return {**T5_LIKE, **overrides}


# name -> (model class, config class, config kwargs)
CHECKPOINTS = {
    "bart": (tf.BartForConditionalGeneration, tf.BartConfig, bart_like(activation_function="gelu")),
    "mbart": (tf.MBartForConditionalGeneration, tf.MBartConfig,
              bart_like(activation_function="relu", scale_embedding=True, decoder_layers=2)),
    "marian": (tf.MarianMTModel, tf.MarianConfig,
               bart_like(activation_function="swish", scale_embedding=True, decoder_start_token_id=1,
                         bos_token_id=None)),
    "pegasus": (tf.PegasusForConditionalGeneration, tf.PegasusConfig,
                bart_like(activation_function="gelu", scale_embedding=True, decoder_start_token_id=1)),
    "m2m100": (tf.M2M100ForConditionalGeneration, tf.M2M100Config,
               bart_like(activation_function="relu", scale_embedding=True, encoder_layers=3, decoder_layers=2)),
    "t5": (tf.T5ForConditionalGeneration, tf.T5Config, t5_like(feed_forward_proj="relu", tie_word_embeddings=True)),
    "flan-t5": (tf.T5ForConditionalGeneration, tf.T5Config,
                t5_like(feed_forward_proj="gated-gelu", tie_word_embeddings=False, d_kv=12, num_layers=3,
                        num_decoder_layers=1)),
    "mt5": (tf.MT5ForConditionalGeneration, tf.MT5Config, t5_like(feed_forward_proj="gated-gelu")),
}


def encode(values):
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode()


def randomize_norms(model):
    """Norm weights and biases (and BART's final_logits_bias) drawn, so that a norm applied wrongly shows."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "norm" in name:
                parameter.uniform_(0.5, 1.5) if name.endswith("weight") else parameter.uniform_(-0.5, 0.5)
        for name, buffer in model.named_buffers():
            if name == "final_logits_bias":
                buffer.uniform_(-1.0, 1.0)


def decoder_input_from_labels(model, labels):
    """What the model's forward makes of labels: its family's shift_tokens_right."""
    if hasattr(model, "prepare_decoder_input_ids_from_labels"):
        return model.prepare_decoder_input_ids_from_labels(labels=labels)
    module = sys.modules[type(model).__module__]
    return module.shift_tokens_right(labels, model.config.pad_token_id, model.config.decoder_start_token_id)


def stacked(attentions, index):
    return torch.stack(attentions).float()[:, index]  # [layers, heads, queries, keys]


def make(name, model_cls, config_cls, kwargs, out):
    torch.manual_seed(SEED)
    config = config_cls(**kwargs, attn_implementation="eager")
    model = model_cls(config).eval()
    randomize_norms(model)
    target = out / "models" / "encdec" / name
    shutil.rmtree(target, ignore_errors=True)
    model.save_pretrained(target, safe_serialization=True)
    (target / "generation_config.json").unlink(missing_ok=True)
    # transformers reads the checkpoint back as attnviz does
    model = model_cls.from_pretrained(target, attn_implementation="eager").eval()
    generator = torch.Generator().manual_seed(SEED)
    start = config.decoder_start_token_id
    cases = []
    for case, (n, m) in LENGTHS.items():
        # ids from 3 up: never a pad, bos or eos id, so padding-aware positions count every token
        source = torch.randint(3, VOCAB, (1, n), generator=generator)
        labels = torch.randint(3, VOCAB, (1, m), generator=generator)
        decoder_input = decoder_input_from_labels(model, labels)
        with torch.no_grad():
            outputs = model(input_ids=source, decoder_input_ids=decoder_input, output_attentions=True,
                            use_cache=False)
            generated = model.generate(source, max_new_tokens=GENERATE_TOKENS, num_beams=1, do_sample=False, synced_gpus=False,
                                       min_length=0, no_repeat_ngram_size=0, repetition_penalty=1.0,
                                       forced_eos_token_id=None, forced_bos_token_id=None)
        cases.append({"name": case, "source_ids": source[0].tolist(), "labels": labels[0].tolist(),
                      "decoder_ids": decoder_input[0].tolist(),
                      "encoder_f32": encode(stacked(outputs.encoder_attentions, 0).numpy()),
                      "decoder_f32": encode(stacked(outputs.decoder_attentions, 0).numpy()),
                      "cross_f32": encode(stacked(outputs.cross_attentions, 0).numpy()),
                      "generated": generated[0].tolist()})
    reference = {"transformers_version": tf.__version__, "torch_version": torch.__version__,
                 "model_class": model_cls.__name__, "encoder_layers": len(outputs.encoder_attentions),
                 "decoder_layers": len(outputs.decoder_attentions),
                 "heads": int(outputs.encoder_attentions[0].shape[1]), "decoder_start_token_id": start,
                 "max_new_tokens": GENERATE_TOKENS, "cases": cases}
    path = out / "reference" / "encdec" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reference))
    print(f"{name}: {model_cls.__name__}, {reference['encoder_layers']}+{reference['decoder_layers']} layers x "
          f"{reference['heads']} heads, generated {cases[0]['generated']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "data")
    parser.add_argument("names", nargs="*", help="only these checkpoints (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    unknown = [name for name in args.names if name not in CHECKPOINTS]
    if unknown:
        parser.error(f"no checkpoint named {', '.join(unknown)} (known: {', '.join(CHECKPOINTS)})")
    for name, spec in CHECKPOINTS.items():
        if not args.names or name in args.names:
            make(name, *spec, args.out)


if __name__ == "__main__":
    main()
