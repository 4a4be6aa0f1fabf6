// Phi-1, Phi-1.5 and Phi-2: the rotary decoder with LayerNorm, rotary positions on the first
// partial_rotary_factor of each head, biases on q, k, v, the output projection (dense) and the
// plain MLP (fc1, fc2), and attention and MLP in parallel from one LayerNorm.
#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_phi(const JsonFields& config, const WeightStore& weights,
                                 ModelInfo info, at::Device device) {
  // transformers 4.46 applies q_layernorm (over head_dim) to the whole [hidden] projection, which
  // runs only with one head; no released Phi sets it.
  if (config.flag("qk_layernorm", false)) {
    config.fail(
        ": qk_layernorm is true, which attnviz does not run for Phi (no released Phi "
        "sets it, and transformers' reading of it fails for more than one head)");
  }
  RotaryDecoderConfig phi = read_rotary_decoder_config(
      config, HeadDim::from_hidden_size, LongRopeChoice::from_config, "layer_norm_eps");
  phi.qkv_bias = phi.output_bias = phi.mlp_bias = Bias::with;
  phi.norm = Norm::Kind::layer;
  phi.mlp = Mlp::plain;
  phi.residual = Residual::parallel;
  phi.names.output = "dense";
  phi.names.mlp_in = "fc1";
  phi.names.mlp_out = "fc2";
  return make_rotary_decoder(phi, weights, std::move(info), device);
}

}  // namespace attnviz::model
