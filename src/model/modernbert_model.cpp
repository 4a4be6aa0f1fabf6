// ModernBERT: an encoder on the rotary stack. Its embeddings are normed (no positions), its first
// layer has no norm before attention, its LayerNorms have a bias only where norm_bias says, and
// queries, keys and values come from one Wqkv (the MLP from one Wi: act(first half) · second
// half). Every global_attn_every_n_layers-th layer (0, n, 2n, ...) is global, rotary base
// global_rope_theta; the others see local_attention / 2 keys on either side, with
// local_rope_theta (else global_rope_theta). transformers' eager path keeps the input padded.
#include <cmath>

#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_modernbert(const JsonFields& config, const WeightStore& weights,
                                        ModelInfo info, at::Device device) {
  if (config.has("rope_scaling")) config.fail(": rope_scaling is not supported for ModernBERT");
  RotaryDecoderConfig modernbert = read_rotary_decoder_config(
      config, HeadDim::from_hidden_size, LongRopeChoice::from_config, "norm_eps");
  modernbert.activation = config.text("hidden_activation");
  const double global_theta = config.positive_number("global_rope_theta");
  modernbert.rotary = default_rotary(modernbert.head_dim, global_theta);
  modernbert.local_rotary =
      default_rotary(modernbert.head_dim, config.positive_number("local_rope_theta", global_theta));
  modernbert.rule = {ScoreRule::Scale::multiply,
                     1.0 / std::sqrt(static_cast<double>(modernbert.head_dim))};
  // |query - key| <= local_attention / 2 is seen: a window of that plus one on either side.
  const int window = config.positive_int("local_attention") / 2 + 1;
  const int every = config.positive_int("global_attn_every_n_layers");
  for (int l = 0; l < modernbert.layers; ++l)
    modernbert.windows.push_back(l % every != 0 ? window : 0);
  modernbert.qkv_bias = modernbert.output_bias =
      config.flag("attention_bias", false) ? Bias::with : Bias::without;
  modernbert.mlp_bias = config.flag("mlp_bias", false) ? Bias::with : Bias::without;
  modernbert.norm =
      config.flag("norm_bias", false) ? Norm::Kind::layer : Norm::Kind::layer_without_bias;
  modernbert.fused_projections = true;
  modernbert.causal = false;
  modernbert.embedding_norm = true;
  modernbert.first_layer_without_input_norm = true;
  DecoderNames& names = modernbert.names;
  names.embed = "embeddings.tok_embeddings";
  names.input_norm = "attn_norm";
  names.post_attention_norm = "mlp_norm";
  names.attention = "attn";
  names.qkv = "Wqkv";
  names.output = "Wo";
  names.gate_up = "Wi";
  names.mlp_out = "Wo";
  return make_rotary_decoder(modernbert, weights, std::move(info), device);
}

}  // namespace attnviz::model
