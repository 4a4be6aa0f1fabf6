// OLMo and OLMo 2 (AI2's open-data models). OLMo: the Llama decoder with LayerNorms that have no
// weight or bias (eps 1e-5, fixed in transformers' OlmoLayerNorm), Llama's attention_bias, and
// queries, keys and values clamped to ±clip_qkv where it is set. OLMo 2: RMSNorms after attention
// and after the MLP (post_attention_layernorm, post_feedforward_layernorm) and none before, and an
// RMSNorm over all of a layer's queries (q_norm) and all its keys (k_norm) before the heads split.
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {
namespace {

RotaryDecoderConfig read_olmo_config(const JsonFields& config, const char* norm_eps) {
  RotaryDecoderConfig olmo = read_rotary_decoder_config(config, HeadDim::from_hidden_size,
                                                        LongRopeChoice::from_config, norm_eps);
  const Bias attention_bias = config.flag("attention_bias", false) ? Bias::with : Bias::without;
  olmo.qkv_bias = olmo.output_bias = attention_bias;
  return olmo;
}

}  // namespace

std::unique_ptr<Model> build_olmo(const JsonFields& config, const WeightStore& weights,
                                  ModelInfo info, at::Device device) {
  RotaryDecoderConfig olmo = read_olmo_config(config, nullptr);
  olmo.norm = Norm::Kind::layer_without_parameters;
  olmo.rms_norm_eps = 1e-5;
  if (config.has("clip_qkv")) olmo.clip_qkv = config.positive_number("clip_qkv");
  return make_rotary_decoder(olmo, weights, std::move(info), device);
}

std::unique_ptr<Model> build_olmo2(const JsonFields& config, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  RotaryDecoderConfig olmo2 = read_olmo_config(config, "rms_norm_eps");
  olmo2.norms_after_only = true;
  olmo2.projection_norms = true;
  return make_rotary_decoder(olmo2, weights, std::move(info), device);
}

}  // namespace attnviz::model
