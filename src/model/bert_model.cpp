// BERT as transformers' BertModel runs it in eager mode: post-LayerNorm blocks, erf GELU (or
// whatever hidden_act says), token type embeddings, and an additive mask of float32's lowest value
// on padding. The last layer stops at its attention probabilities: nothing after them changes one.
#include <cmath>
#include <limits>

#include "activation.hpp"
#include "batched_model.hpp"
#include "layer_norm.hpp"
#include "native_models.hpp"

namespace attnviz::model {
namespace {

struct Linear {
  at::Tensor weight;  // [out, in], as nn.Linear stores it
  at::Tensor bias;
  at::Tensor operator()(const at::Tensor& x) const { return at::linear(x, weight, bias); }
};

struct BertLayer {
  Linear query, key, value, attention_output, intermediate, output;
  LayerNorm attention_norm, output_norm;
};

class BertModel final : public BatchedModel {
 public:
  BertModel(const ModelConfig& config, const WeightStore& weights, ModelInfo info,
            at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, config.type_vocab_size),
        config_(config),
        activation_(activation_named(config.activation)) {
    const std::int64_t hidden = config.hidden;
    const auto linear = [&](const std::string& name, std::int64_t out, std::int64_t in) {
      return Linear{weights.get(name + ".weight", {out, in}), weights.get(name + ".bias", {out})};
    };
    const auto norm = [&](const std::string& name) {
      return load_layer_norm(weights, name, hidden, config.layer_norm_eps);
    };
    word_embeddings_ =
        weights.get("embeddings.word_embeddings.weight", {config.vocab_size, hidden});
    position_embeddings_ =
        weights.get("embeddings.position_embeddings.weight", {config.max_positions, hidden});
    type_embeddings_ =
        weights.get("embeddings.token_type_embeddings.weight", {config.type_vocab_size, hidden});
    embedding_norm_ = norm("embeddings.LayerNorm");
    for (int l = 0; l < config.layers; ++l) {
      const std::string prefix = "encoder.layer." + std::to_string(l) + ".";
      BertLayer layer;
      layer.query = linear(prefix + "attention.self.query", hidden, hidden);
      layer.key = linear(prefix + "attention.self.key", hidden, hidden);
      layer.value = linear(prefix + "attention.self.value", hidden, hidden);
      layer.attention_output = linear(prefix + "attention.output.dense", hidden, hidden);
      layer.attention_norm = norm(prefix + "attention.output.LayerNorm");
      layer.intermediate = linear(prefix + "intermediate.dense", config.intermediate, hidden);
      layer.output = linear(prefix + "output.dense", hidden, config.intermediate);
      layer.output_norm = norm(prefix + "output.LayerNorm");
      layers_.push_back(std::move(layer));
    }
  }

 protected:
  std::vector<LayerAttention> forward(const BatchInput& input,
                                      bool with_queries_keys) const override {
    const std::int64_t batch = input.ids.size(0);
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const std::int64_t head_dim = config_.head_dim();

    const at::Tensor positions = at::arange(n, input.ids.options()).unsqueeze(0);
    at::Tensor hidden = at::embedding(word_embeddings_, input.ids) +
                        at::embedding(type_embeddings_, input.type_ids);
    hidden = embedding_norm_(hidden + at::embedding(position_embeddings_, positions));
    // transformers' get_extended_attention_mask: (1 - mask) * finfo(float32).min, added to the
    // scores.
    const at::Tensor additive_mask =
        (1.0 - input.mask.view({batch, 1, 1, n})) * std::numeric_limits<float>::lowest();
    const double scale = std::sqrt(static_cast<double>(head_dim));

    at::Tensor scores = at::empty({batch, heads, n, n}, hidden.options());
    std::vector<LayerAttention> result;
    for (const auto& layer : layers_) {
      const at::Tensor query = split_heads(layer.query(hidden), heads);
      const at::Tensor key = split_heads(layer.key(hidden), heads);
      // transformers' `q·kᵀ / scale + mask`, all in one reused buffer: the same values, without
      // three fresh [batch, heads, n, n] tensors per layer.
      attention_scores(scores, query, key);
      scores.div_(scale);
      // Without padding the mask is all zeros, and adding zeros changes no score.
      if (input.padded) scores.add_(additive_mask);
      const at::Tensor probabilities = softmax_probabilities(scores, input, result.size());
      result.push_back({probabilities, with_queries_keys ? query : at::Tensor(),
                        with_queries_keys ? key : at::Tensor()});
      // The last layer's values, output projection and feed-forward reach no attention weight.
      if (result.size() == layers_.size()) break;
      const at::Tensor value = split_heads(layer.value(hidden), heads);
      const at::Tensor context = weighted_values(probabilities, value);
      const at::Tensor attended = layer.attention_norm(layer.attention_output(context) + hidden);
      hidden =
          layer.output_norm(layer.output(activation_(layer.intermediate(attended))) + attended);
    }
    return result;
  }

 private:
  ModelConfig config_;
  Activation activation_;
  at::Tensor word_embeddings_, position_embeddings_, type_embeddings_;
  LayerNorm embedding_norm_;
  std::vector<BertLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> make_bert_model(const ModelConfig& config, const WeightStore& weights,
                                       ModelInfo info, at::Device device) {
  return std::make_unique<BertModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
