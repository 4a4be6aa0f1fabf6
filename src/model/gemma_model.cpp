// Gemma, Gemma 2 and Gemma 3: the rotary decoder with embeddings scaled by sqrt(hidden_size),
// RMSNorm scaling by (1 + weight), scores multiplied by a scale rather than divided; Gemma 2 adds
// norms after attention and MLP, a soft cap on the scores, query_pre_attn_scalar, and a sliding
// window on every other layer (layers 0, 2, 4, ...). Gemma 3 adds RMSNorms of each head's queries
// and keys, windows on the layers that layer_types (or else sliding_window_pattern: all but every
// pattern-th) says, and rotary positions of their own for those (rope_local_base_freq, unscaled).
// A multimodal `gemma3` checkpoint is run as its language model (text_config).
#include <cmath>
#include <nlohmann/json.hpp>

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

RotaryDecoderConfig read_gemma2_config(const JsonFields& config) {
  RotaryDecoderConfig gemma2 = read_gemma_config(config);
  gemma2.sandwich_norms = true;
  gemma2.rule = {
      ScoreRule::Scale::multiply, std::pow(config.positive_number("query_pre_attn_scalar"), -0.5),
      config.has("attn_logit_softcapping") ? config.positive_number("attn_logit_softcapping")
                                           : 0.0};
  return gemma2;
}

// The window of each layer: layer_types' "sliding_attention" and "full_attention" where the config
// lists them (transformers 4.53 on), else every sliding_window_pattern-th layer global.
std::vector<int> gemma3_windows(const JsonFields& config, int layers) {
  const int window = config.positive_int("sliding_window");
  std::vector<int> windows;
  if (config.has("layer_types")) {
    const nlohmann::json& types = config.raw("layer_types");
    if (!types.is_array() || types.size() != static_cast<std::size_t>(layers))
      config.fail(": 'layer_types' must list one type for each of the " + std::to_string(layers) +
                  " layers");
    for (const auto& type : types) {
      if (type == "sliding_attention") {
        windows.push_back(window);
      } else if (type == "full_attention") {
        windows.push_back(0);
      } else {
        config.fail(": 'layer_types' holds " + type.dump() +
                    "; Gemma 3 has sliding_attention and full_attention");
      }
    }
    return windows;
  }
  const int pattern = config.positive_int("sliding_window_pattern", 6);
  for (int l = 0; l < layers; ++l) windows.push_back((l + 1) % pattern != 0 ? window : 0);
  return windows;
}

std::unique_ptr<Model> build_gemma3_from(const JsonFields& config, const WeightStore& weights,
                                         ModelInfo info, at::Device device) {
  RotaryDecoderConfig gemma3 = read_gemma2_config(config);
  gemma3.head_norms = true;
  gemma3.windows = gemma3_windows(config, gemma3.layers);
  gemma3.local_rotary =
      default_rotary(gemma3.rotary.dim, config.positive_number("rope_local_base_freq"));
  return make_rotary_decoder(gemma3, weights, std::move(info), device);
}

}  // namespace

std::unique_ptr<Model> build_gemma(const JsonFields& config, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  return make_rotary_decoder(read_gemma_config(config), weights, std::move(info), device);
}

std::unique_ptr<Model> build_gemma2(const JsonFields& config, const WeightStore& weights,
                                    ModelInfo info, at::Device device) {
  RotaryDecoderConfig gemma2 = read_gemma2_config(config);
  if (config.has("sliding_window")) {
    const int window = config.positive_int("sliding_window");
    for (int l = 0; l < gemma2.layers; ++l) gemma2.windows.push_back(l % 2 == 0 ? window : 0);
  }
  return make_rotary_decoder(gemma2, weights, std::move(info), device);
}

std::unique_ptr<Model> build_gemma3_text(const JsonFields& config, const WeightStore& weights,
                                         ModelInfo info, at::Device device) {
  return build_gemma3_from(config, weights, std::move(info), device);
}

std::unique_ptr<Model> build_gemma3(const JsonFields& config, const WeightStore& weights,
                                    ModelInfo info, at::Device device) {
  // transformers saves only the fields of text_config that differ from Gemma3TextConfig's
  // defaults: those defaults fill in the rest, as transformers reads it.
  nlohmann::json text = {{"vocab_size", 262208},
                         {"hidden_size", 2304},
                         {"intermediate_size", 9216},
                         {"num_hidden_layers", 26},
                         {"num_attention_heads", 8},
                         {"num_key_value_heads", 4},
                         {"head_dim", 256},
                         {"hidden_activation", "gelu_pytorch_tanh"},
                         {"max_position_embeddings", 131072},
                         {"rms_norm_eps", 1e-6},
                         {"rope_theta", 1000000.0},
                         {"rope_local_base_freq", 10000.0},
                         {"query_pre_attn_scalar", 256},
                         {"sliding_window", 4096},
                         {"sliding_window_pattern", 6}};
  if (!config.raw("text_config").is_object()) config.fail(": 'text_config' must be an object");
  text.update(config.raw("text_config"));
  return build_gemma3_from(JsonFields(text, config.file() + ": text_config"), weights,
                           std::move(info), device);
}

}  // namespace attnviz::model
