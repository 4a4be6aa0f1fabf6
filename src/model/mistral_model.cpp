// Mistral: the rotary decoder with a sliding window on every layer (sliding_window; null for
// none).
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_mistral(const JsonFields& config, const WeightStore& weights,
                                     ModelInfo info, at::Device device) {
  RotaryDecoderConfig mistral = read_rotary_decoder_config(config, HeadDim::from_config);
  mistral.windows = windows_from(config, "sliding_window", mistral.layers);
  return make_rotary_decoder(mistral, weights, std::move(info), device);
}

}  // namespace attnviz::model
