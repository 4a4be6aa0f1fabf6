// Cohere (Command R, Aya): the rotary decoder with LayerNorm without a bias, attention and MLP in
// parallel from one LayerNorm, rotary positions in interleaved pairs, Llama's attention_bias, and
// where use_qk_norm says, a LayerNorm over each head's queries and keys with a weight per head
// (q_norm [heads, head_dim]).
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_cohere(const JsonFields& config, const WeightStore& weights,
                                    ModelInfo info, at::Device device) {
  RotaryDecoderConfig cohere = read_rotary_decoder_config(
      config, HeadDim::from_hidden_size, LongRopeChoice::from_config, "layer_norm_eps");
  const Bias attention_bias = config.flag("attention_bias", false) ? Bias::with : Bias::without;
  cohere.qkv_bias = cohere.output_bias = attention_bias;
  cohere.norm = Norm::Kind::layer_without_bias;
  cohere.residual = Residual::parallel;
  cohere.rotary.interleaved = true;
  if (config.flag("use_qk_norm", false)) cohere.head_layer_norms = HeadLayerNorms::one_tensor;
  return make_rotary_decoder(cohere, weights, std::move(info), device);
}

}  // namespace attnviz::model
