// BERT as transformers' BertModel runs it in eager mode: post-LayerNorm blocks, erf GELU (or
// whatever hidden_act says), token type embeddings, and padding keys masked. The last layer stops
// at its attention probabilities: nothing after them changes one. RoBERTa, XLM-R and ELECTRA are
// this encoder with their own positions or embedding projection (their files read those).
#include "bert_model.hpp"

#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

struct BertLayer {
  Linear query, key, value, attention_output, intermediate, output;
  LayerNorm attention_norm, output_norm;
};

class BertStyleModel final : public BatchedModel {
 public:
  BertStyleModel(const BertStyleConfig& config, const WeightStore& store, ModelInfo info,
                 at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, config.type_vocab_size),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    const std::int64_t embedding = config.embedding_size;
    const WeightScope embeddings = weights.scope("embeddings");
    word_embeddings_ = embeddings.get("word_embeddings.weight", {config.vocab_size, embedding});
    position_embeddings_ =
        embeddings.get("position_embeddings.weight", {config.position_embeddings, embedding});
    type_embeddings_ =
        embeddings.get("token_type_embeddings.weight", {config.type_vocab_size, embedding});
    embedding_norm_ = load_layer_norm(embeddings, "LayerNorm", embedding, config.layer_norm_eps);
    if (!config.projection.empty())
      projection_ = load_linear(weights, config.projection, hidden, embedding);
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope layer = weights.scope("encoder.layer").scope(l);
      const auto norm = [&](const std::string& name) {
        return load_layer_norm(layer, name, hidden, config.layer_norm_eps);
      };
      layers_.push_back({load_linear(layer, "attention.self.query", hidden, hidden),
                         load_linear(layer, "attention.self.key", hidden, hidden),
                         load_linear(layer, "attention.self.value", hidden, hidden),
                         load_linear(layer, "attention.output.dense", hidden, hidden),
                         load_linear(layer, "intermediate.dense", config.intermediate, hidden),
                         load_linear(layer, "output.dense", hidden, config.intermediate),
                         norm("attention.output.LayerNorm"), norm("output.LayerNorm")});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t heads = config_.heads;
    at::Tensor hidden =
        embed(word_embeddings_, input.ids) + embed(type_embeddings_, input.type_ids);
    hidden = embedding_norm_(hidden + embed(position_embeddings_, positions(input)));
    if (projection_.weight.defined()) hidden = projection_(hidden);
    const ScoreRule rule{ScoreRule::Scale::divide,
                         std::sqrt(static_cast<double>(config_.hidden / heads))};
    AttentionMasks masks(input, false);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const BertLayer& layer = layers_[l];
      const at::Tensor context = attend_layer(
          pass, split_heads(layer.query(hidden), heads), split_heads(layer.key(hidden), heads),
          split_heads(layer.value(hidden), heads), rule, masks.for_window(0), l);
      // The last layer's output projection and feed-forward reach no attention weight.
      if (!context.defined()) break;
      const at::Tensor attended = layer.attention_norm(layer.attention_output(context) + hidden);
      hidden =
          layer.output_norm(layer.output(activation_(layer.intermediate(attended))) + attended);
    }
  }

 private:
  // BERT counts positions 0, 1, 2, ...; RoBERTa from padding_idx + 1 over non-padding tokens
  // (create_position_ids_from_input_ids), so padding sits at padding_idx.
  at::Tensor positions(const BatchInput& input) const {
    const std::int64_t n = input.ids.size(1);
    if (config_.padding_idx < 0) return at::arange(n, input.ids.options()).unsqueeze(0);
    const at::Tensor real =
        input.ids.ne(config_.padding_idx).logical_and(input.mask.gt(0)).to(at::kLong);
    return at::cumsum(real, 1) * real + config_.padding_idx;
  }

  BertStyleConfig config_;
  Activation activation_;
  at::Tensor word_embeddings_, position_embeddings_, type_embeddings_;
  LayerNorm embedding_norm_;
  Linear projection_;
  std::vector<BertLayer> layers_;
};

}  // namespace

BertStyleConfig read_bert_style_config(const JsonFields& config) {
  BertStyleConfig out;
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("hidden_size");
  out.embedding_size = out.hidden;
  out.layers = config.positive_int("num_hidden_layers");
  out.heads = config.positive_int("num_attention_heads");
  out.intermediate = config.positive_int("intermediate_size");
  out.position_embeddings = config.positive_int("max_position_embeddings");
  out.type_vocab_size = config.positive_int("type_vocab_size");
  out.layer_norm_eps = config.positive_number("layer_norm_eps");
  out.activation = config.text("hidden_act");
  if (config.text("position_embedding_type", "absolute") != "absolute") {
    config.fail(": position_embedding_type '" + config.text("position_embedding_type") +
                "' is not supported natively (only 'absolute'); export the model with "
                "scripts/export_torchscript.py");
  }
  if (out.hidden % out.heads != 0) {
    config.fail(": hidden_size " + std::to_string(out.hidden) + " is not divisible by " +
                std::to_string(out.heads) + " heads");
  }
  return out;
}

std::unique_ptr<Model> make_bert_style_model(const BertStyleConfig& config,
                                             const WeightStore& weights, ModelInfo info,
                                             at::Device device) {
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  // RoBERTa's table starts its positions after padding_idx.
  info.max_positions = config.padding_idx < 0
                           ? config.position_embeddings
                           : config.position_embeddings - static_cast<int>(config.padding_idx) - 1;
  if (info.max_positions <= 0) {
    throw Error("config.json: max_position_embeddings " +
                std::to_string(config.position_embeddings) + " leaves no position after pad " +
                std::to_string(config.padding_idx));
  }
  return std::make_unique<BertStyleModel>(config, weights, std::move(info), device);
}

std::unique_ptr<Model> build_bert(const JsonFields& config, const WeightStore& weights,
                                  ModelInfo info, at::Device device) {
  return make_bert_style_model(read_bert_style_config(config), weights, std::move(info), device);
}

}  // namespace attnviz::model
