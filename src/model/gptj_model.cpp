// GPT-J: the rotary decoder with GPT-2's names (wte, h.N.ln_1, attn.q_proj, mlp.fc_in), one
// LayerNorm before attention and MLP run in parallel (x + attention(ln_1(x)) + mlp(ln_1(x))),
// rotary positions on the first rotary_dim dimensions of each head, rotated in interleaved pairs
// (rotate_every_two), and q, k, v and out_proj without biases.
#include <cmath>

#include "families.hpp"
#include "rotary_decoder.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_gptj(const JsonFields& config, const WeightStore& weights,
                                  ModelInfo info, at::Device device) {
  RotaryDecoderConfig gptj;
  gptj.vocab_size = config.positive_int("vocab_size");
  gptj.hidden = config.positive_int("n_embd");
  gptj.layers = config.positive_int("n_layer");
  gptj.heads = gptj.kv_heads = config.positive_int("n_head");
  gptj.intermediate = config.positive_int("n_inner", 4 * gptj.hidden);
  gptj.max_positions = config.positive_int("n_positions");
  gptj.rms_norm_eps = config.positive_number("layer_norm_epsilon");
  gptj.activation = config.text("activation_function");
  if (gptj.hidden % gptj.heads != 0) {
    config.fail(": n_embd " + std::to_string(gptj.hidden) + " is not divisible by " +
                std::to_string(gptj.heads) + " heads");
  }
  gptj.head_dim = gptj.hidden / gptj.heads;
  // transformers' create_sinusoidal_positions: base 10000, rotary_dim or the whole head.
  gptj.rotary = read_rotary(config, config.positive_int("rotary_dim", gptj.head_dim), 10000.0,
                            gptj.max_positions);
  gptj.rotary.interleaved = true;
  gptj.rule = {ScoreRule::Scale::divide, std::sqrt(static_cast<double>(gptj.head_dim))};
  gptj.mlp_bias = Bias::with;
  gptj.names.embed = "wte";
  gptj.names.layers = "h";
  gptj.names.input_norm = "ln_1";
  gptj.names.attention = "attn";
  gptj.names.output = "out_proj";
  gptj.names.mlp_in = "fc_in";
  gptj.names.mlp_out = "fc_out";
  gptj.norm = Norm::Kind::layer;
  gptj.mlp = Mlp::plain;
  gptj.residual = Residual::parallel;
  return make_rotary_decoder(gptj, weights, std::move(info), device);
}

}  // namespace attnviz::model
