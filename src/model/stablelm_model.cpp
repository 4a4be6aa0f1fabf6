// StableLM (2, Zephyr): the rotary decoder with LayerNorm, rotary positions on the first
// partial_rotary_factor of each head, biases on q, k and v where use_qkv_bias says, a LayerNorm
// of its own for each head's queries and keys where qk_layernorm says (q_layernorm.norms.H), and
// attention and MLP in parallel from one LayerNorm where use_parallel_residual says.
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_stablelm(const JsonFields& config, const WeightStore& weights,
                                      ModelInfo info, at::Device device) {
  RotaryDecoderConfig stablelm = read_rotary_decoder_config(
      config, HeadDim::from_hidden_size, LongRopeChoice::from_config, "layer_norm_eps");
  stablelm.qkv_bias = config.flag("use_qkv_bias", false) ? Bias::with : Bias::without;
  stablelm.norm = Norm::Kind::layer;
  if (config.flag("qk_layernorm", false)) {
    stablelm.head_layer_norms = HeadLayerNorms::one_per_head;
    stablelm.names.query_norm = "q_layernorm";
    stablelm.names.key_norm = "k_layernorm";
  }
  if (config.flag("use_parallel_residual", false)) stablelm.residual = Residual::parallel;
  return make_rotary_decoder(stablelm, weights, std::move(info), device);
}

}  // namespace attnviz::model
