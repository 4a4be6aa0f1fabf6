#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "attnviz/model.hpp"
#include "json_fields.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

// GPT-2's decoder (wte, wpe, h.N.ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj),
// which GPT-BigCode shares with nn.Linear weights and multi-query attention.
struct Gpt2Config {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int kv_heads = 0;
  int intermediate = 0;
  int max_positions = 0;
  double layer_norm_eps = 0;
  std::string activation;
  bool scale_attn_weights = true;
  bool scale_attn_by_inverse_layer_idx = false;
  // GPT-BigCode: nn.Linear weights [out, in] rather than Conv1D's [in, out], scores multiplied by
  // head_dim^-0.5 (baddbmm's alpha) rather than divided by its root, and without multi_query,
  // c_attn's output laid out per head ([q k v] for each head in turn) rather than [Q K V].
  bool linear = false;
  bool qkv_per_head = false;
};

// GPT-2's fields (n_embd, n_layer, n_head, n_inner, n_positions, ...), Conv1D weights, [Q K V].
Gpt2Config read_gpt2_config(const JsonFields& config);

std::unique_ptr<Model> make_gpt2_model(const Gpt2Config& config, const WeightStore& weights,
                                       ModelInfo info, at::Device device);

}  // namespace attnviz::model
