// Phi-3: the rotary decoder with fused qkv_proj and gate_up_proj, a sliding window on every layer,
// and LongRoPE factors chosen by the input's length (transformers 4.46's own Phi-3 rotary class).
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_phi3(const JsonFields& config, const WeightStore& weights,
                                  ModelInfo info, at::Device device) {
  RotaryDecoderConfig phi3 = read_rotary_decoder_config(config, HeadDim::from_hidden_size,
                                                        LongRopeChoice::from_input_length);
  phi3.fused_projections = true;
  phi3.windows = windows_from(config, "sliding_window", phi3.layers);
  return make_rotary_decoder(phi3, weights, std::move(info), device);
}

}  // namespace attnviz::model
