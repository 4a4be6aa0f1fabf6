// Starcoder2: the rotary decoder with LayerNorm (norm_epsilon), biases on every projection where
// use_bias says, a plain MLP (c_fc, c_proj) and a sliding window on every layer.
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_starcoder2(const JsonFields& config, const WeightStore& weights,
                                        ModelInfo info, at::Device device) {
  RotaryDecoderConfig starcoder2 = read_rotary_decoder_config(
      config, HeadDim::from_hidden_size, LongRopeChoice::from_config, "norm_epsilon");
  const Bias bias = config.flag("use_bias", true) ? Bias::with : Bias::without;
  starcoder2.qkv_bias = starcoder2.output_bias = starcoder2.mlp_bias = bias;
  starcoder2.norm = Norm::Kind::layer;
  starcoder2.mlp = Mlp::plain;
  starcoder2.names.mlp_in = "c_fc";
  starcoder2.names.mlp_out = "c_proj";
  starcoder2.windows = windows_from(config, "sliding_window", starcoder2.layers);
  return make_rotary_decoder(starcoder2, weights, std::move(info), device);
}

}  // namespace attnviz::model
