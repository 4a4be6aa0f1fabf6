// Qwen2: the rotary decoder with biases on q, k and v (not o), and where use_sliding_window is
// set, a window on every layer: transformers 4.46's eager mask applies sliding_window to all
// layers (max_window_layers only steers its flash-attention path).
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_qwen2(const JsonFields& config, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  RotaryDecoderConfig qwen2 = read_rotary_decoder_config(config, HeadDim::from_hidden_size);
  qwen2.qkv_bias = Bias::with;
  if (config.flag("use_sliding_window", false))
    qwen2.windows = windows_from(config, "sliding_window", qwen2.layers);
  return make_rotary_decoder(qwen2, weights, std::move(info), device);
}

}  // namespace attnviz::model
