// Gemma and Gemma 2: the rotary decoder with embeddings scaled by sqrt(hidden_size), RMSNorm
// scaling by (1 + weight), scores multiplied by a scale rather than divided; Gemma 2 adds norms
// after attention and MLP, a soft cap on the scores, query_pre_attn_scalar, and a sliding window
// on every other layer (layers 0, 2, 4, ...).
#include <cmath>

#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {
namespace {

RotaryDecoderConfig read_gemma_config(const JsonFields& config) {
  RotaryDecoderConfig gemma = read_rotary_decoder_config(config, HeadDim::from_config);
  // transformers ignores hidden_act for Gemma: hidden_activation, else tanh-approximated GELU.
  gemma.activation = config.text("hidden_activation", "gelu_pytorch_tanh");
  const Bias attention_bias = config.flag("attention_bias", false) ? Bias::with : Bias::without;
  gemma.qkv_bias = gemma.output_bias = attention_bias;
  gemma.norm_scale = RmsNorm::Scale::one_plus_weight;
  gemma.scale_embeddings = true;
  gemma.rule = {ScoreRule::Scale::multiply, 1 / std::sqrt(static_cast<double>(gemma.head_dim))};
  return gemma;
}

}  // namespace

std::unique_ptr<Model> build_gemma(const JsonFields& config, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  return make_rotary_decoder(read_gemma_config(config), weights, std::move(info), device);
}

std::unique_ptr<Model> build_gemma2(const JsonFields& config, const WeightStore& weights,
                                    ModelInfo info, at::Device device) {
  RotaryDecoderConfig gemma2 = read_gemma_config(config);
  gemma2.sandwich_norms = true;
  gemma2.rule = {
      ScoreRule::Scale::multiply, std::pow(config.positive_number("query_pre_attn_scalar"), -0.5),
      config.has("attn_logit_softcapping") ? config.positive_number("attn_logit_softcapping")
                                           : 0.0};
  if (config.has("sliding_window")) {
    const int window = config.positive_int("sliding_window");
    for (int l = 0; l < gemma2.layers; ++l) gemma2.windows.push_back(l % 2 == 0 ? window : 0);
  }
  return make_rotary_decoder(gemma2, weights, std::move(info), device);
}

}  // namespace attnviz::model
