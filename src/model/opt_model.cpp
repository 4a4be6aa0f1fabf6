// OPT as transformers' OPTModel runs it in eager mode: token embeddings of word_embed_proj_dim
// projected in to hidden_size where the two differ (project_in; project_out only shapes the
// logits), learned positions offset by 2 (position p reads row p + 2), queries multiplied by
// head_dim^-0.5 before the product with the keys, and LayerNorm before each block
// (do_layer_norm_before) or after it (OPT-350m).
#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

// OPT's position table starts two rows before position 0 (OPTLearnedPositionalEmbedding).
constexpr std::int64_t kPositionOffset = 2;
// nn.LayerNorm's default: OPT's config has no eps.
constexpr double kLayerNormEps = 1e-5;

struct OptConfig {
  int vocab_size = 0;
  int hidden = 0;
  int embed_dim = 0;  // word_embed_proj_dim
  int layers = 0;
  int heads = 0;
  int ffn_dim = 0;
  int max_positions = 0;
  std::string activation;
  bool norm_before = true;
  bool norm_affine = true;
  Bias bias = Bias::with;
};

struct OptLayer {
  LayerNorm attention_norm, final_norm;
  Linear query, key, value, output, fc1, fc2;
};

class OptModel final : public BatchedModel {
 public:
  OptModel(const OptConfig& config, const WeightStore& store, ModelInfo info, at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const WeightScope decoder = weights.scope("decoder");
    const std::int64_t hidden = config.hidden;
    embed_tokens_ = decoder.get("embed_tokens.weight", {config.vocab_size, config.embed_dim});
    embed_positions_ =
        decoder.get("embed_positions.weight", {config.max_positions + kPositionOffset, hidden});
    if (config.embed_dim != config.hidden)
      project_in_ = load_linear(decoder, "project_in", hidden, config.embed_dim, Bias::without);
    const auto norm = [&](const WeightScope& layer, const std::string& name) {
      return config.norm_affine ? load_layer_norm(layer, name, hidden, kLayerNormEps)
                                : LayerNorm{at::Tensor(), at::Tensor(), kLayerNormEps};
    };
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope layer = decoder.scope("layers").scope(l);
      const WeightScope attention = layer.scope("self_attn");
      layers_.push_back({norm(layer, "self_attn_layer_norm"), norm(layer, "final_layer_norm"),
                         load_linear(attention, "q_proj", hidden, hidden, config.bias),
                         load_linear(attention, "k_proj", hidden, hidden, config.bias),
                         load_linear(attention, "v_proj", hidden, hidden, config.bias),
                         load_linear(attention, "out_proj", hidden, hidden, config.bias),
                         load_linear(layer, "fc1", config.ffn_dim, hidden, config.bias),
                         load_linear(layer, "fc2", hidden, config.ffn_dim, config.bias)});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t heads = config_.heads;
    const double scaling = std::pow(static_cast<double>(config_.hidden / heads), -0.5);
    at::Tensor hidden = embed(embed_tokens_, input.ids);
    if (project_in_.weight.defined()) hidden = project_in_(hidden);
    // As transformers: positions counted over the real tokens (padding at -1), plus the offset.
    const at::Tensor mask = input.mask.to(at::kLong);
    const at::Tensor positions = mask.cumsum(1) * mask - 1 + kPositionOffset;
    hidden = hidden + embed(embed_positions_, positions);
    AttentionMasks masks(input, true);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const OptLayer& layer = layers_[l];
      const bool before = config_.norm_before;
      const at::Tensor normed = before ? layer.attention_norm(hidden) : hidden;
      const at::Tensor context =
          attend_layer(pass, split_heads(layer.query(normed) * scaling, heads),
                       split_heads(layer.key(normed), heads),
                       split_heads(layer.value(normed), heads), {}, masks.for_window(0), l);
      if (!context.defined()) break;
      hidden = hidden + layer.output(context);
      if (!before) hidden = layer.attention_norm(hidden);
      const at::Tensor mlp_in = before ? layer.final_norm(hidden) : hidden;
      hidden = hidden + layer.fc2(activation_(layer.fc1(mlp_in)));
      if (!before) hidden = layer.final_norm(hidden);
    }
  }

 private:
  OptConfig config_;
  Activation activation_;
  at::Tensor embed_tokens_, embed_positions_;
  Linear project_in_;
  std::vector<OptLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> build_opt(const JsonFields& json, const WeightStore& weights, ModelInfo info,
                                 at::Device device) {
  OptConfig config;
  config.vocab_size = json.positive_int("vocab_size");
  config.hidden = json.positive_int("hidden_size");
  config.embed_dim = json.positive_int("word_embed_proj_dim", config.hidden);
  config.layers = json.positive_int("num_hidden_layers");
  config.heads = json.positive_int("num_attention_heads");
  config.ffn_dim = json.positive_int("ffn_dim");
  config.max_positions = json.positive_int("max_position_embeddings");
  config.activation = json.text("activation_function", "relu");
  config.norm_before = json.flag("do_layer_norm_before", true);
  config.norm_affine = json.flag("layer_norm_elementwise_affine", true);
  config.bias = json.flag("enable_bias", true) ? Bias::with : Bias::without;
  if (config.hidden % config.heads != 0) {
    json.fail(": hidden_size " + std::to_string(config.hidden) + " is not divisible by " +
              std::to_string(config.heads) + " heads");
  }
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = true;
  return std::make_unique<OptModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
