#!/usr/bin/env python3
"""Makes the small random checkpoints of every native family under tests/data/models/families/ and
transformers' own attentions for them under tests/data/reference/families/.

Each checkpoint is made by transformers itself (random init, fixed seed, tiny sizes) from a config
that exercises one feature of its family: grouped-query and multi-head attention, biases on and off,
every rope_scaling type, sliding windows shorter than the input, head_dim unlike hidden/heads,
partial rotary, parallel residuals, shared ALBERT layers, a sharded checkpoint. The references are
`output_attentions=True` with attn_implementation="eager", for a single input, a right-padded batch
and an input longer than every window; attentions are stored as base64 of little-endian float32.

Usage: scripts/make_family_checkpoints.py [--out tests/data] [NAME...]
Needs .venv-ref (scripts/setup_reference_env.sh): transformers 4.46.3 on torch 1.13. The families that release
does not have (Qwen3) are made with .venv-ref-newer (scripts/setup_newer_reference_env.sh: transformers 4.51.3 on
torch 2.5.1): `.venv-ref-newer/bin/python scripts/make_family_checkpoints.py qwen3 qwen3-bias olmo2 gemma3-text`. StableLM with
qk_layernorm needs a torch whose nn.LayerNorm takes bias=False: `.venv-ref-newer/bin/python ... stablelm`.
"""
import argparse
import base64
import json
import shutil
from pathlib import Path

import numpy as np
import torch
import transformers as tf

SEED = 20261202
INIT_RANGE = 0.3  # sharp random heads, so an arithmetic mistake moves probabilities far
VOCAB = 64
LENGTHS = {"single": [12], "padded_batch": [10, 6, 13], "long": [40]}
SHORT_LENGTHS = {**LENGTHS, "long": [24]}  # longer than every window of those that use it, and a small file

COMMON_DECODER = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                      num_attention_heads=4, max_position_embeddings=64, initializer_range=INIT_RANGE,
                      rms_norm_eps=1e-5, tie_word_embeddings=False)
ENCODER = dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
               intermediate_size=48, max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-7,
               hidden_act="gelu", initializer_range=INIT_RANGE)
LONG_FACTORS = [1.0, 1.5, 2.0, 3.0]
ENCODER_TYPES = {"roberta", "xlm-roberta", "electra", "distilbert", "albert"}


LETTER_VOCABULARY = {"llama-long"}  # checkpoints the CLI tests run on text


def decoder(**overrides):
    return {**COMMON_DECODER, **overrides}


# name -> (model class, config class, config kwargs, save options)
CHECKPOINTS = {
    "roberta": (tf.RobertaForMaskedLM, tf.RobertaConfig,
                {**ENCODER, "type_vocab_size": 1, "pad_token_id": 1, "max_position_embeddings": 66}, {}),
    "xlm-roberta": (tf.XLMRobertaModel, tf.XLMRobertaConfig,
                    {**ENCODER, "type_vocab_size": 1, "pad_token_id": 1, "max_position_embeddings": 66}, {}),
    "electra": (tf.ElectraForPreTraining, tf.ElectraConfig, {**ENCODER, "embedding_size": 16}, {}),
    "distilbert": (tf.DistilBertForMaskedLM, tf.DistilBertConfig,
                   dict(vocab_size=VOCAB, dim=32, n_layers=2, n_heads=4, hidden_dim=48,
                        max_position_embeddings=64, activation="gelu", initializer_range=INIT_RANGE), {}),
    "albert": (tf.AlbertForMaskedLM, tf.AlbertConfig,
               {**ENCODER, "embedding_size": 16, "num_hidden_layers": 3, "hidden_act": "gelu_new"}, {}),
    "albert-groups": (tf.AlbertModel, tf.AlbertConfig,
                      {**ENCODER, "embedding_size": 16, "num_hidden_layers": 4, "num_hidden_groups": 2,
                       "inner_group_num": 2}, {}),
    "gpt-neo": (tf.GPTNeoForCausalLM, tf.GPTNeoConfig,
                dict(vocab_size=VOCAB, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=48,
                     max_position_embeddings=64, attention_types=[[["global", "local"], 1]], window_size=5,
                     layer_norm_epsilon=1e-5, activation_function="gelu_new", initializer_range=INIT_RANGE),
                {}),
    "gpt-neox": (tf.GPTNeoXForCausalLM, tf.GPTNeoXConfig,
                 dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=48, max_position_embeddings=64, rotary_pct=0.25, rotary_emb_base=10000,
                      layer_norm_eps=1e-5, hidden_act="gelu", initializer_range=INIT_RANGE,
                      tie_word_embeddings=False), {}),
    "gpt-neox-sequential": (tf.GPTNeoXModel, tf.GPTNeoXConfig,
                            dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                 intermediate_size=48, max_position_embeddings=64, rotary_pct=1.0,
                                 rotary_emb_base=500, use_parallel_residual=False, attention_bias=False,
                                 layer_norm_eps=1e-5, hidden_act="gelu", initializer_range=INIT_RANGE,
                                 rope_scaling={"rope_type": "linear", "factor": 2.0}), {}),
    "llama-gqa": (tf.LlamaForCausalLM, tf.LlamaConfig, decoder(num_key_value_heads=2), {}),
    # Many narrow heads and 4,096 positions: long inputs for little compute (tests/model/test_attention_keep.cpp)
    "llama-long": (tf.LlamaForCausalLM, tf.LlamaConfig,
                   decoder(num_hidden_layers=4, num_attention_heads=8, num_key_value_heads=2,
                           max_position_embeddings=4096), {}),
    "llama-mha-bias": (tf.LlamaModel, tf.LlamaConfig,
                       decoder(num_key_value_heads=4, attention_bias=True, mlp_bias=True), {}),
    "llama-head-dim": (tf.LlamaForCausalLM, tf.LlamaConfig,
                       decoder(num_key_value_heads=2, head_dim=12, num_attention_heads=4), {}),
    "llama-rope-linear": (tf.LlamaForCausalLM, tf.LlamaConfig,
                          decoder(num_key_value_heads=2, rope_scaling={"rope_type": "linear", "factor": 4.0}), {}),
    "llama-rope-dynamic": (tf.LlamaForCausalLM, tf.LlamaConfig,
                           decoder(num_key_value_heads=2, rope_scaling={"rope_type": "dynamic", "factor": 2.0}),
                           {}),
    "llama-rope-yarn": (tf.LlamaForCausalLM, tf.LlamaConfig,
                        decoder(num_key_value_heads=2, rope_theta=500.0,
                                rope_scaling={"rope_type": "yarn", "factor": 4.0, "beta_fast": 8.0, "beta_slow": 1.0}),
                        {}),
    "llama3-rope": (tf.LlamaForCausalLM, tf.LlamaConfig,
                    decoder(num_key_value_heads=2, rope_theta=500000.0,
                            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                          "high_freq_factor": 4.0, "original_max_position_embeddings": 16}), {}),
    "llama-rope-longrope": (tf.LlamaForCausalLM, tf.LlamaConfig,
                            decoder(num_key_value_heads=2,
                                    rope_scaling={"rope_type": "longrope", "factor": 2.0,
                                                  "short_factor": [1.0, 1.1, 1.2, 1.3],
                                                  "long_factor": LONG_FACTORS}), {}),
    "llama-sharded": (tf.LlamaForCausalLM, tf.LlamaConfig, decoder(num_key_value_heads=2),
                      {"max_shard_size": "40KB"}),
    "mistral": (tf.MistralForCausalLM, tf.MistralConfig, decoder(num_key_value_heads=2, sliding_window=5), {}),
    "qwen2": (tf.Qwen2ForCausalLM, tf.Qwen2Config, decoder(num_key_value_heads=2), {}),
    "qwen2-window": (tf.Qwen2Model, tf.Qwen2Config,
                     decoder(num_key_value_heads=1, use_sliding_window=True, sliding_window=6,
                             max_window_layers=1), {}),
    "gemma": (tf.GemmaForCausalLM, tf.GemmaConfig,
              decoder(num_key_value_heads=1, head_dim=16, hidden_activation="gelu_pytorch_tanh"), {}),
    "gemma2": (tf.Gemma2ForCausalLM, tf.Gemma2Config,
               decoder(num_key_value_heads=2, head_dim=16, num_hidden_layers=3, query_pre_attn_scalar=24,
                       attn_logit_softcapping=3.0, final_logit_softcapping=30.0, sliding_window=5,
                       hidden_activation="gelu_pytorch_tanh"), {}),
    "phi3": (tf.Phi3ForCausalLM, tf.Phi3Config,
             decoder(num_key_value_heads=2, sliding_window=7, pad_token_id=0), {}),
    "phi3-longrope": (tf.Phi3ForCausalLM, tf.Phi3Config,
                      decoder(num_key_value_heads=4, sliding_window=None, pad_token_id=0,
                              original_max_position_embeddings=32,
                              rope_scaling={"type": "longrope", "short_factor": [1.0, 1.2, 1.4, 1.6],
                                            "long_factor": LONG_FACTORS}), {}),
}

# Families newer than transformers 4.46.3. Qwen3's sliding_window is left out (null, as in every released Qwen3):
# transformers 4.51.3's eager mask applies it to every layer even with use_sliding_window false, and attnviz
# refuses use_sliding_window rather than pick one transformers release's reading of it.
NEWER = {
    "qwen3": ("Qwen3ForCausalLM", "Qwen3Config",
              decoder(num_key_value_heads=2, head_dim=12, sliding_window=None), {}),
    "qwen3-bias": ("Qwen3Model", "Qwen3Config",
                   decoder(num_key_value_heads=4, head_dim=8, attention_bias=True, sliding_window=None), {}),
}
if hasattr(tf, "Qwen3Config"):
    CHECKPOINTS.update({name: (getattr(tf, model), getattr(tf, config), kwargs, save)
                        for name, (model, config, kwargs, save) in NEWER.items()})
# Norm weights that random init leaves at 1 are drawn instead, so that a norm applied wrongly shows.
RANDOM_NORMS = set(NEWER)

# GPT-J, OPT, BLOOM, Falcon, GPT-BigCode, Starcoder2, Phi, StableLM, Cohere, Granite: odd sizes (heads that do not
# divide 32, rotary on part of a head), and every norm weight and every bias drawn at random (init leaves them at 1
# and 0), so that a norm or a bias left out, or applied in the wrong place, shows. Each has a letter vocabulary, so
# that the CLI's dump runs on it (tests/model/test_families_dump.py).
FAMILY_A = {
    "gptj": (tf.GPTJModel, tf.GPTJConfig,
             dict(vocab_size=VOCAB, n_positions=64, n_embd=36, n_layer=2, n_head=3, rotary_dim=8, n_inner=24,
                  activation_function="gelu_new", layer_norm_epsilon=1e-5, initializer_range=INIT_RANGE), {}),
    # OPT-125m's layout (LayerNorm before each block), without biases; and OPT-350m's: LayerNorm after each block,
    # embeddings narrower than hidden_size (project_in), under OPTForCausalLM's names.
    "opt": (tf.OPTModel, tf.OPTConfig,
            dict(vocab_size=VOCAB, hidden_size=36, num_hidden_layers=2, num_attention_heads=3, ffn_dim=40,
                 max_position_embeddings=64, do_layer_norm_before=True, enable_bias=False, init_std=INIT_RANGE,
                 activation_function="relu", pad_token_id=1), {}),
    "opt-post-norm": (tf.OPTForCausalLM, tf.OPTConfig,
                      dict(vocab_size=VOCAB, hidden_size=32, word_embed_proj_dim=20, num_hidden_layers=2,
                           num_attention_heads=4, ffn_dim=40, max_position_embeddings=64, do_layer_norm_before=False,
                           init_std=INIT_RANGE, activation_function="gelu", pad_token_id=1), {}),
    # ALiBi for 6 heads (4 slopes of a power of two, then 2 of the next) and for 5 with the residual taken after
    # the LayerNorm.
    "bloom": (tf.BloomModel, tf.BloomConfig,
              dict(vocab_size=VOCAB, hidden_size=36, n_layer=2, n_head=6, layer_norm_epsilon=1e-5,
                   initializer_range=INIT_RANGE), {}),
    "bloom-post-norm-residual": (tf.BloomForCausalLM, tf.BloomConfig,
                                 dict(vocab_size=VOCAB, hidden_size=20, n_layer=2, n_head=5, layer_norm_epsilon=1e-5,
                                      apply_residual_connection_post_layernorm=True,
                                      initializer_range=INIT_RANGE), {}),
    # Falcon-RW's layout (ALiBi, [q k v] per head, attention then MLP, biases), Falcon-7B's (rotary, multi-query,
    # attention and MLP in parallel from one LayerNorm) and Falcon-40B's new_decoder_architecture (groups of
    # queries with their key and value, ln_attn and ln_mlp).
    "falcon-alibi": (tf.FalconModel, tf.FalconConfig,
                     dict(vocab_size=VOCAB, hidden_size=36, num_hidden_layers=2, num_attention_heads=3, alibi=True,
                          multi_query=False, parallel_attn=False, bias=True, new_decoder_architecture=False,
                          ffn_hidden_size=40, layer_norm_epsilon=1e-5, max_position_embeddings=64,
                          initializer_range=INIT_RANGE), {}),
    "falcon-multi-query": (tf.FalconForCausalLM, tf.FalconConfig,
                           dict(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                alibi=False, multi_query=True, parallel_attn=True, bias=False, rope_theta=500.0,
                                new_decoder_architecture=False, ffn_hidden_size=40, layer_norm_epsilon=1e-5,
                                max_position_embeddings=64, initializer_range=INIT_RANGE), {}),
    "falcon-new-architecture": (tf.FalconModel, tf.FalconConfig,
                                dict(vocab_size=VOCAB, hidden_size=36, num_hidden_layers=2, num_attention_heads=6,
                                     num_kv_heads=2, alibi=False, parallel_attn=True, bias=False,
                                     new_decoder_architecture=True, ffn_hidden_size=40, layer_norm_epsilon=1e-5,
                                     max_position_embeddings=64, initializer_range=INIT_RANGE), {}),
    # Multi-query attention (SantaCoder, StarCoder 1), and without it c_attn laid out per head.
    "gpt-bigcode": (tf.GPTBigCodeForCausalLM, tf.GPTBigCodeConfig,
                    dict(vocab_size=VOCAB, n_positions=64, n_embd=36, n_layer=2, n_head=3, n_inner=40,
                         multi_query=True, layer_norm_epsilon=1e-5, initializer_range=INIT_RANGE), {}),
    "gpt-bigcode-mha": (tf.GPTBigCodeModel, tf.GPTBigCodeConfig,
                        dict(vocab_size=VOCAB, n_positions=64, n_embd=32, n_layer=2, n_head=4, n_inner=40,
                             multi_query=False, layer_norm_epsilon=1e-5, initializer_range=INIT_RANGE), {}),
    "starcoder2": (tf.Starcoder2ForCausalLM, tf.Starcoder2Config,
                   decoder(hidden_size=36, num_attention_heads=6, num_key_value_heads=2, intermediate_size=40,
                           sliding_window=5, use_bias=True, norm_epsilon=1e-5, hidden_act="gelu_pytorch_tanh",
                           rope_theta=1000.0), {}),
    "phi": (tf.PhiModel, tf.PhiConfig,
            decoder(hidden_size=40, num_attention_heads=4, num_key_value_heads=2, intermediate_size=40,
                    partial_rotary_factor=0.4, layer_norm_eps=1e-5, hidden_act="gelu_new"), {}),
    "stablelm": (tf.StableLmForCausalLM, tf.StableLmConfig,
                 decoder(num_key_value_heads=2, partial_rotary_factor=0.25, use_qkv_bias=True, qk_layernorm=True,
                         use_parallel_residual=False, layer_norm_eps=1e-5), {}),
    "stablelm-parallel": (tf.StableLmModel, tf.StableLmConfig,
                          decoder(hidden_size=36, num_attention_heads=3, num_key_value_heads=3,
                                  partial_rotary_factor=0.5, use_qkv_bias=False, qk_layernorm=False,
                                  use_parallel_residual=True, layer_norm_eps=1e-5), {}),
    "cohere": (tf.CohereForCausalLM, tf.CohereConfig,
               decoder(num_key_value_heads=2, use_qk_norm=True, layer_norm_eps=1e-5, logit_scale=0.5), {}),
    "granite": (tf.GraniteForCausalLM, tf.GraniteConfig,
                decoder(num_key_value_heads=2, embedding_multiplier=3.0, attention_multiplier=0.3,
                        residual_multiplier=0.5, logits_scaling=2.0), {}),
}
CHECKPOINTS.update(FAMILY_A)

# Mixtral and Qwen2-MoE: three or four layers, so that the experts of more than one layer reach an attention, and
# routers whose choice differs from token to token (checked below: a wrong router is a wrong picture). Qwen2-MoE
# without norm_topk_prob and with a dense layer in mlp_only_layers; and with decoder_sparse_step 2, renormalised.
FAMILY_B = {
    "mixtral": (tf.MixtralForCausalLM, tf.MixtralConfig,
                decoder(num_hidden_layers=3, num_key_value_heads=2, intermediate_size=24, num_local_experts=5,
                        num_experts_per_tok=2, sliding_window=7, rope_theta=1000.0), {}),
    "qwen2-moe": (tf.Qwen2MoeForCausalLM, tf.Qwen2MoeConfig,
                  decoder(num_hidden_layers=4, num_key_value_heads=2, num_experts=6, num_experts_per_tok=3,
                          moe_intermediate_size=16, shared_expert_intermediate_size=40, norm_topk_prob=False,
                          decoder_sparse_step=1, mlp_only_layers=[1]), {}),
    "qwen2-moe-step": (tf.Qwen2MoeModel, tf.Qwen2MoeConfig,
                       decoder(hidden_size=36, num_attention_heads=6, num_key_value_heads=3, num_hidden_layers=3,
                               num_experts=4, num_experts_per_tok=2, moe_intermediate_size=20,
                               shared_expert_intermediate_size=24, norm_topk_prob=True, decoder_sparse_step=2),
                       {}),
}
# OLMo: non-parametric LayerNorms, queries, keys and values clipped (at 1.5, which clips many of them), biases.
FAMILY_B["olmo"] = (tf.OlmoForCausalLM, tf.OlmoConfig,
                    decoder(hidden_size=36, num_attention_heads=6, num_key_value_heads=3, clip_qkv=1.5,
                            attention_bias=True, rope_theta=500.0), {})
CHECKPOINTS.update(FAMILY_B)
ROUTED = {"mixtral", "qwen2-moe", "qwen2-moe-step"}

# Families newer than transformers 4.46.3, made with .venv-ref-newer (transformers 4.51.3): OLMo 2 (norms after
# attention and MLP, q/k norms over the whole projection) and Gemma 3 (local layers with their own rotary base, a
# global layer every sliding_window_pattern-th, q/k norms, query_pre_attn_scalar; rope_scaling on the global
# layers only).
NEWER_B = {
    "olmo2": ("Olmo2ForCausalLM", "Olmo2Config",
              decoder(hidden_size=36, num_attention_heads=6, num_key_value_heads=2, rope_theta=500.0), {}),
    "gemma3-text": ("Gemma3ForCausalLM", "Gemma3TextConfig",
                    decoder(num_hidden_layers=4, num_key_value_heads=2, head_dim=16, query_pre_attn_scalar=20,
                            sliding_window=5, sliding_window_pattern=3, rope_theta=10000.0,
                            rope_local_base_freq=100.0, rope_scaling={"rope_type": "linear", "factor": 2.0},
                            rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh"), {}),
}
# A multimodal Gemma 3 (a tiny SigLIP tower) run on text: attnviz reads text_config, which transformers saves with
# only the fields that differ from Gemma3TextConfig's defaults.
NEWER_B["gemma3"] = ("Gemma3ForConditionalGeneration", "Gemma3Config",
                     dict(text_config={**NEWER_B["gemma3-text"][2], "sliding_window_pattern": 2},
                          vision_config=dict(hidden_size=16, intermediate_size=24, num_hidden_layers=1,
                                             num_attention_heads=2, image_size=28, patch_size=14),
                          mm_tokens_per_image=4, initializer_range=INIT_RANGE), {})
# ModernBERT: local layers (all but every global_attn_every_n_layers-th) see local_attention / 2 keys on either side,
# with a rotary base of their own; without biases, and with every bias (norm_bias, attention_bias, mlp_bias).
MODERNBERT = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=24, num_hidden_layers=4, num_attention_heads=4,
                  max_position_embeddings=64, global_attn_every_n_layers=3, local_attention=6,
                  global_rope_theta=1000.0, local_rope_theta=50.0, norm_eps=1e-5, hidden_activation="gelu",
                  initializer_range=INIT_RANGE, pad_token_id=0, reference_compile=False)
NEWER_B["modernbert"] = ("ModernBertForMaskedLM", "ModernBertConfig",
                         {**MODERNBERT, "norm_bias": False, "attention_bias": False, "mlp_bias": False}, {})
NEWER_B["modernbert-bias"] = ("ModernBertModel", "ModernBertConfig",
                              {**MODERNBERT, "hidden_size": 36, "num_attention_heads": 3, "num_hidden_layers": 3,
                               "global_attn_every_n_layers": 2, "local_attention": 8, "local_rope_theta": None,
                               "norm_bias": True, "attention_bias": True, "mlp_bias": True}, {})
ENCODER_TYPES.add("modernbert")
SPARSE_TEXT_CONFIG = {"gemma3"}
if hasattr(tf, "Gemma3TextConfig"):
    CHECKPOINTS.update({name: (getattr(tf, model), getattr(tf, config), kwargs, save)
                        for name, (model, config, kwargs, save) in NEWER_B.items()})

RANDOM_NORMS_AND_BIASES = set(FAMILY_A) | set(FAMILY_B) | set(NEWER_B)
HALF = RANDOM_NORMS_AND_BIASES
LETTER_VOCABULARY |= HALF


def inputs(lengths, generator):
    n = max(lengths)
    ids = torch.zeros((len(lengths), n), dtype=torch.long)
    mask = torch.zeros((len(lengths), n), dtype=torch.long)
    for b, length in enumerate(lengths):
        # ids from 3 up: never RoBERTa's pad (1), so positions count every token
        ids[b, :length] = torch.randint(3, VOCAB, (length,), generator=generator)
        mask[b, :length] = 1
    return ids, mask


def encode(values):
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode()


def make(name, model_cls, config_cls, kwargs, save_options, out):
    torch.manual_seed(SEED)
    config = config_cls(**kwargs, attn_implementation="eager")
    model = model_cls(config).eval()
    if name in RANDOM_NORMS:
        with torch.no_grad():
            for parameter_name, parameter in model.named_parameters():
                if "norm" in parameter_name:
                    parameter.uniform_(0.5, 1.5)
    if name in RANDOM_NORMS_AND_BIASES:
        with torch.no_grad():
            for parameter_name, parameter in model.named_parameters():
                if parameter_name.endswith(".bias"):
                    parameter.normal_(0.0, INIT_RANGE)
                elif parameter.dim() == 1 or "norm" in parameter_name:  # norm weights
                    parameter.uniform_(0.5, 1.5)
    if name in HALF:
        # Stored as float16 (half the file); transformers reads them back into float32 below, as attnviz does.
        model = model.half()
    target = out / "models" / "families" / name
    shutil.rmtree(target, ignore_errors=True)
    model.save_pretrained(target, safe_serialization=True, **save_options)
    (target / "generation_config.json").unlink(missing_ok=True)
    if name in SPARSE_TEXT_CONFIG:
        # As the Hub's Gemma 3 configs are: text_config holds only what differs from Gemma3TextConfig's defaults.
        saved = json.loads((target / "config.json").read_text())
        defaults = tf.Gemma3TextConfig().to_dict()
        saved["text_config"] = {key: value for key, value in saved["text_config"].items()
                                if key == "model_type" or key not in defaults or defaults[key] != value}
        (target / "config.json").write_text(json.dumps(saved, indent=2) + "\n")
    if name in LETTER_VOCABULARY:
        # A WordPiece vocabulary of single letters (ids below VOCAB), so that the CLI can run this
        # checkpoint on any English text: a letter a token.
        letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
        pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","] + letters + ["##" + c for c in letters]
        assert len(pieces) <= VOCAB
        if name in HALF:  # every id a piece, so that --ids takes any id of the references
            pieces += [f"[unused{i}]" for i in range(VOCAB - len(pieces))]
        (target / "vocab.txt").write_text("\n".join(pieces) + "\n")
    # transformers reads the checkpoint back as attnviz does
    model = model_cls.from_pretrained(target, attn_implementation="eager", torch_dtype=torch.float32).eval()
    generator = torch.Generator().manual_seed(SEED)
    # decoders without a cache, so that every attention covers the whole input
    options = {} if config.model_type in ENCODER_TYPES else {"use_cache": False}
    cases = []
    routers = [module for module_name, module in model.named_modules()
               if module_name.endswith((".mlp.gate", ".block_sparse_moe.gate"))]
    choices = []
    hooks = [router.register_forward_hook(lambda module, args, out: choices.append(out)) for router in routers]
    for case, lengths in (SHORT_LENGTHS if name in HALF else LENGTHS).items():
        ids, mask = inputs(lengths, generator)
        with torch.no_grad():
            outputs = model(input_ids=ids, attention_mask=mask, output_attentions=True, **options)
        attentions = torch.stack(outputs.attentions).float()  # [layers, batch, heads, n, n]
        items = []
        for b, length in enumerate(lengths):
            items.append({"ids": ids[b, :length].tolist(), "type_ids": [0] * length,
                          "attentions_f32": encode(attentions[:, b, :, :length, :length].numpy())})
        cases.append({"name": case, "padded_length": int(ids.shape[1]), "items": items})
    for hook in hooks:
        hook.remove()
    if name in ROUTED:
        check_routing(name, routers, choices, config.num_experts_per_tok)
    reference = {"transformers_version": tf.__version__, "torch_version": torch.__version__,
                 "model_class": model_cls.__name__, "layers": int(attentions.shape[0]),
                 "heads": int(attentions.shape[2]), "cases": cases}
    path = out / "reference" / "families" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reference))
    print(f"{name}: {model_cls.__name__}, {reference['layers']} layers x {reference['heads']} heads")


def check_routing(name, routers, logits, top_k):
    """Every router of the checkpoint sends the tokens of the long input to different sets of experts, and uses
    every expert, so that a router computed wrongly moves the attentions of the layers after it."""
    assert routers, name
    for layer, router in enumerate(routers):
        chosen = logits[-len(routers) + layer].topk(top_k, dim=-1).indices.sort(dim=-1).values
        sets = {tuple(row.tolist()) for row in chosen}
        used = set(chosen.flatten().tolist())
        assert len(sets) >= 4 and len(used) == router.out_features, (name, layer, sets)
        print(f"{name}: router {layer}: {len(sets)} different sets of {top_k} experts over {len(chosen)} tokens")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "tests" / "data")
    parser.add_argument("names", nargs="*", help="only these checkpoints (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    unknown = [name for name in args.names if name not in CHECKPOINTS]
    if unknown:
        newer = " (made with .venv-ref-newer's transformers)" if set(unknown) <= set(NEWER) | set(NEWER_B) else ""
        parser.error(f"transformers {tf.__version__} cannot make {', '.join(unknown)}{newer}")
    for name, spec in CHECKPOINTS.items():
        if not args.names or name in args.names:
            make(name, *spec, args.out)


if __name__ == "__main__":
    main()
