#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "attnviz/model.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "json_fields.hpp"
#include "mixture_of_experts.hpp"
#include "rotary.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

// The Llama-style decoder that Llama, Mistral, Qwen2, Qwen3, Gemma, Gemma 2, Phi-3, GPT-J, Phi,
// StableLM, Starcoder2, Cohere, Granite, Mixtral, Qwen2-MoE, OLMo, OLMo 2, Gemma 3 and the encoder
// ModernBERT are built from: RMSNorm, rotary positions, grouped-query
// attention, a gated MLP, under transformers' names (embed_tokens, layers.N.self_attn.q_proj, ...).
// Each family's file reads its config into this, and its names where they differ from Llama's.
struct DecoderNames {
  std::string embed = "embed_tokens";
  std::string layers = "layers";
  std::string input_norm = "input_layernorm";
  std::string post_attention_norm = "post_attention_layernorm";
  std::string attention = "self_attn";
  std::string query = "q_proj", key = "k_proj", value = "v_proj", output = "o_proj";
  std::string qkv = "qkv_proj", gate_up = "gate_up_proj";  // fused_projections
  std::string query_norm = "q_norm", key_norm = "k_norm";
  std::string mlp = "mlp";
  std::string mlp_in = "up_proj", mlp_out = "down_proj";  // a plain MLP's fc1 and fc2
  std::string embedding_norm = "embeddings.norm";
};

// Gated: down(act(gate(x)) · up(x)); plain: out(act(in(x))), Phi's fc1/fc2 or Starcoder2's c_fc.
enum class Mlp { gated, plain };
// Sequential: x += attention(norm1(x)); x += mlp(norm2(x)). Parallel (GPT-J, Phi, Cohere,
// StableLM's use_parallel_residual): x + attention(norm1(x)) + mlp(norm1(x)), one norm.
enum class Residual { sequential, parallel };
// LayerNorms over each head's queries and keys with a weight of their own per head, before the
// rotary positions: one [heads, head_dim] tensor (Cohere's q_norm), or a list of norms
// (StableLM's q_layernorm.norms.H).
enum class HeadLayerNorms { none, one_tensor, one_per_head };

struct RotaryDecoderConfig {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int intermediate = 0;
  int max_positions = 0;
  double rms_norm_eps = 0;
  std::string activation;
  Rotary rotary;
  ScoreRule rule;
  std::vector<int> windows;  // per layer, 0 for none
  Bias qkv_bias = Bias::without;
  Bias output_bias = Bias::without;
  Bias mlp_bias = Bias::without;
  bool fused_projections = false;  // Phi-3: qkv_proj and gate_up_proj
  RmsNorm::Scale norm_scale = RmsNorm::Scale::weight;
  bool scale_embeddings = false;  // Gemma: embeddings times sqrt(hidden_size)
  bool sandwich_norms = false;    // Gemma 2: norms after attention and MLP as well as before
  bool head_norms = false;        // Qwen3: RMSNorm of each head's queries and keys (q_norm, k_norm)
  bool projection_norms = false;  // OLMo 2: RMSNorm of all queries and all keys (q_norm, k_norm)
  bool norms_after_only = false;  // OLMo 2: norms after attention and MLP, none before
  double clip_qkv = 0;  // OLMo: queries, keys and values clamped to ±clip_qkv; 0 for none
  // Gemma 3, ModernBERT: the rotary positions of the layers with a window (rope_local_base_freq,
  // local_rope_theta); undefined inv_freq: every layer uses `rotary`.
  Rotary local_rotary;
  // ModernBERT, an encoder: every query sees keys on both sides (a window then reaches `window`
  // positions short of either side), its embeddings are normed (names.embedding_norm), and its
  // first layer has no norm before attention.
  bool causal = true;
  bool embedding_norm = false;
  bool first_layer_without_input_norm = false;
  DecoderNames names;
  Norm::Kind norm =
      Norm::Kind::rms;  // of the hidden states; its eps is rms_norm_eps whatever it is
  Mlp mlp = Mlp::gated;
  Residual residual = Residual::sequential;
  HeadLayerNorms head_layer_norms = HeadLayerNorms::none;
  double embedding_multiplier = 1.0;  // Granite
  double residual_multiplier = 1.0;   // Granite: x + multiplier · attention (and · mlp)
  ExpertsConfig experts;              // Mixtral, Qwen2-MoE: the layers whose MLP is a mixture
};

// The fields every Llama-style config has (vocab_size, hidden_size, num_key_value_heads,
// rms_norm_eps, rope_theta, rope_scaling, ...), `head_dim` where the family reads it, and the
// default score rule (divide by sqrt(head_dim)). `norm_eps` is the key of the norms' eps.
enum class HeadDim { from_config, from_hidden_size };
// `norm_eps` null: the family sets rms_norm_eps itself (OLMo's is a constant of transformers').
RotaryDecoderConfig read_rotary_decoder_config(
    const JsonFields& config, HeadDim head_dim,
    LongRopeChoice long_rope = LongRopeChoice::from_config, const char* norm_eps = "rms_norm_eps");

// The same window for every layer where the config gives `key` (Mistral's sliding_window).
std::vector<int> windows_from(const JsonFields& config, const char* key, int layers);

std::unique_ptr<Model> make_rotary_decoder(const RotaryDecoderConfig& config,
                                           const WeightStore& weights, ModelInfo info,
                                           at::Device device);

}  // namespace attnviz::model
