// Granite (IBM Granite 3): the Llama decoder with embeddings times embedding_multiplier, scores
// times attention_multiplier (in place of head_dim^-0.5), and attention and MLP outputs times
// residual_multiplier before they join the residual stream.
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_granite(const JsonFields& config, const WeightStore& weights,
                                     ModelInfo info, at::Device device) {
  RotaryDecoderConfig granite = read_rotary_decoder_config(config, HeadDim::from_hidden_size);
  const Bias attention_bias = config.flag("attention_bias", false) ? Bias::with : Bias::without;
  granite.qkv_bias = granite.output_bias = attention_bias;
  granite.mlp_bias = config.flag("mlp_bias", false) ? Bias::with : Bias::without;
  granite.embedding_multiplier = config.number("embedding_multiplier", 1.0);
  granite.residual_multiplier = config.number("residual_multiplier", 1.0);
  granite.rule = {ScoreRule::Scale::multiply, config.number("attention_multiplier", 1.0)};
  return make_rotary_decoder(granite, weights, std::move(info), device);
}

}  // namespace attnviz::model
