// DistilBERT as transformers' DistilBertModel runs it in eager mode: word and position embeddings,
// post-LayerNorm blocks, the query divided by sqrt(head_dim) before the product, padding keys
// masked.
#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

// transformers builds every DistilBERT LayerNorm with eps=1e-12; config.json has no field for it.
constexpr double kLayerNormEps = 1e-12;

struct DistilBertConfig {
  int vocab_size = 0;
  int dim = 0;
  int layers = 0;
  int heads = 0;
  int hidden_dim = 0;
  int max_positions = 0;
  std::string activation;
};

struct DistilBertLayer {
  Linear query, key, value, output, ffn_in, ffn_out;
  LayerNorm attention_norm, output_norm;
};

class DistilBertModel final : public BatchedModel {
 public:
  DistilBertModel(const DistilBertConfig& config, const WeightStore& store, ModelInfo info,
                  at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t dim = config.dim;
    word_embeddings_ = weights.get("embeddings.word_embeddings.weight", {config.vocab_size, dim});
    position_embeddings_ =
        weights.get("embeddings.position_embeddings.weight", {config.max_positions, dim});
    embedding_norm_ = load_layer_norm(weights, "embeddings.LayerNorm", dim, kLayerNormEps);
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope layer = weights.scope("transformer.layer").scope(l);
      layers_.push_back({load_linear(layer, "attention.q_lin", dim, dim),
                         load_linear(layer, "attention.k_lin", dim, dim),
                         load_linear(layer, "attention.v_lin", dim, dim),
                         load_linear(layer, "attention.out_lin", dim, dim),
                         load_linear(layer, "ffn.lin1", config.hidden_dim, dim),
                         load_linear(layer, "ffn.lin2", dim, config.hidden_dim),
                         load_layer_norm(layer, "sa_layer_norm", dim, kLayerNormEps),
                         load_layer_norm(layer, "output_layer_norm", dim, kLayerNormEps)});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const double scale = std::sqrt(static_cast<double>(config_.dim / heads));
    const at::Tensor positions = at::arange(n, input.ids.options()).unsqueeze(0);
    at::Tensor hidden = embedding_norm_(embed(word_embeddings_, input.ids) +
                                        embed(position_embeddings_, positions));
    AttentionMasks masks(input, false);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const auto& layer = layers_[l];
      // DistilBERT scales the queries, not the scores.
      const at::Tensor context =
          attend_layer(pass, split_heads(layer.query(hidden), heads) / scale,
                       split_heads(layer.key(hidden), heads),
                       split_heads(layer.value(hidden), heads), {}, masks.for_window(0), l);
      if (!context.defined()) break;
      const at::Tensor attended = layer.attention_norm(layer.output(context) + hidden);
      hidden = layer.output_norm(layer.ffn_out(activation_(layer.ffn_in(attended))) + attended);
    }
  }

 private:
  DistilBertConfig config_;
  Activation activation_;
  at::Tensor word_embeddings_, position_embeddings_;
  LayerNorm embedding_norm_;
  std::vector<DistilBertLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> build_distilbert(const JsonFields& json, const WeightStore& weights,
                                        ModelInfo info, at::Device device) {
  DistilBertConfig config;
  config.vocab_size = json.positive_int("vocab_size");
  config.dim = json.positive_int("dim");
  config.layers = json.positive_int("n_layers");
  config.heads = json.positive_int("n_heads");
  config.hidden_dim = json.positive_int("hidden_dim");
  config.max_positions = json.positive_int("max_position_embeddings");
  config.activation = json.text("activation");
  if (config.dim % config.heads != 0) {
    json.fail(": dim " + std::to_string(config.dim) + " is not divisible by " +
              std::to_string(config.heads) + " heads");
  }
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.dim;
  info.max_positions = config.max_positions;
  return std::make_unique<DistilBertModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
