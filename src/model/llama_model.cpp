// Llama 2 and 3.x (and SmolLM2, TinyLlama): the rotary decoder with Llama's optional biases and
// head_dim, and every rope_scaling type.
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_llama(const JsonFields& config, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  RotaryDecoderConfig llama = read_rotary_decoder_config(config, HeadDim::from_config);
  const Bias attention_bias = config.flag("attention_bias", false) ? Bias::with : Bias::without;
  llama.qkv_bias = llama.output_bias = attention_bias;
  llama.mlp_bias = config.flag("mlp_bias", false) ? Bias::with : Bias::without;
  return make_rotary_decoder(llama, weights, std::move(info), device);
}

}  // namespace attnviz::model
