// Mixtral: the Mistral decoder (a sliding window on every layer where sliding_window is set) with
// a mixture of experts in place of every MLP: block_sparse_moe's router picks each token's
// num_experts_per_tok of num_local_experts experts (w1, w3, w2), their weights renormalised.
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_mixtral(const JsonFields& config, const WeightStore& weights,
                                     ModelInfo info, at::Device device) {
  RotaryDecoderConfig mixtral = read_rotary_decoder_config(config, HeadDim::from_hidden_size);
  mixtral.windows = windows_from(config, "sliding_window", mixtral.layers);
  ExpertsConfig& experts = mixtral.experts;
  read_expert_counts(config, "num_local_experts", "num_experts_per_tok", experts);
  experts.intermediate = mixtral.intermediate;
  experts.layers.assign(static_cast<std::size_t>(mixtral.layers), true);
  experts.block = "block_sparse_moe";
  experts.gate = "w1", experts.up = "w3", experts.down = "w2";
  return make_rotary_decoder(mixtral, weights, std::move(info), device);
}

}  // namespace attnviz::model
