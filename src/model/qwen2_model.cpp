// Qwen2 and Qwen2-MoE. Qwen2: the rotary decoder with biases on q, k and v (not o), and where
// use_sliding_window is set, a window on every layer: transformers 4.46's eager mask applies
// sliding_window to all layers (max_window_layers only steers its flash-attention path).
// Qwen2-MoE (Qwen1.5-MoE, Qwen2-57B-A14B): Qwen2 whose MLP is, on every decoder_sparse_step-th
// layer not in mlp_only_layers, a mixture of experts: the router picks each token's
// num_experts_per_tok of num_experts (moe_intermediate_size each), renormalised only where
// norm_topk_prob says, plus a shared expert times sigmoid(shared_expert_gate).
#include <algorithm>

#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {
namespace {

RotaryDecoderConfig read_qwen2_config(const JsonFields& config) {
  RotaryDecoderConfig qwen2 = read_rotary_decoder_config(config, HeadDim::from_hidden_size);
  qwen2.qkv_bias = Bias::with;
  if (config.flag("use_sliding_window", false))
    qwen2.windows = windows_from(config, "sliding_window", qwen2.layers);
  return qwen2;
}

}  // namespace

std::unique_ptr<Model> build_qwen2(const JsonFields& config, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  return make_rotary_decoder(read_qwen2_config(config), weights, std::move(info), device);
}

std::unique_ptr<Model> build_qwen2_moe(const JsonFields& config, const WeightStore& weights,
                                       ModelInfo info, at::Device device) {
  RotaryDecoderConfig qwen2_moe = read_qwen2_config(config);
  ExpertsConfig& experts = qwen2_moe.experts;
  read_expert_counts(config, "num_experts", "num_experts_per_tok", experts);
  experts.intermediate = config.positive_int("moe_intermediate_size");
  experts.shared_intermediate = config.positive_int("shared_expert_intermediate_size");
  experts.normalize_top_k = config.flag("norm_topk_prob", false);
  const int step = config.positive_int("decoder_sparse_step", 1);
  const std::vector<double> dense =
      config.has("mlp_only_layers") ? config.numbers("mlp_only_layers") : std::vector<double>{};
  for (int l = 0; l < qwen2_moe.layers; ++l) {
    const bool listed = std::find(dense.begin(), dense.end(), l) != dense.end();
    experts.layers.push_back(!listed && (l + 1) % step == 0);
  }
  return make_rotary_decoder(qwen2_moe, weights, std::move(info), device);
}

}  // namespace attnviz::model
