// Qwen3: the rotary decoder with an RMSNorm over each head's queries and keys (q_norm, k_norm)
// before the rotary positions, head_dim from the config, Llama's attention_bias, and scores
// multiplied by head_dim^-0.5 as transformers' Qwen3 attention does. Without a sliding window, as
// every released Qwen3 is.
#include <cmath>

#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_qwen3(const JsonFields& config, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  // transformers 4.51's eager mask windows every layer, later releases only those from
  // max_window_layers on: no released Qwen3 sets it, and attnviz does not guess which is meant.
  if (config.flag("use_sliding_window", false)) {
    config.fail(
        ": use_sliding_window is true, which attnviz does not run for Qwen3 (transformers "
        "releases disagree on which layers it windows)");
  }
  RotaryDecoderConfig qwen3 = read_rotary_decoder_config(config, HeadDim::from_config);
  const Bias attention_bias = config.flag("attention_bias", false) ? Bias::with : Bias::without;
  qwen3.qkv_bias = qwen3.output_bias = attention_bias;
  qwen3.head_norms = true;
  qwen3.rule = {ScoreRule::Scale::multiply, 1.0 / std::sqrt(static_cast<double>(qwen3.head_dim))};
  return make_rotary_decoder(qwen3, weights, std::move(info), device);
}

}  // namespace attnviz::model
