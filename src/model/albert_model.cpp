// ALBERT as transformers' AlbertModel runs it in eager mode: embeddings of embedding_size mapped to
// hidden_size, then num_hidden_layers passes through num_hidden_groups groups of shared layers
// (inner_group_num each, every one returning its attention), post-LayerNorm as BERT.
#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

struct AlbertConfig {
  int vocab_size = 0;
  int embedding_size = 0;
  int hidden = 0;
  int layers = 0;  // passes through the groups
  int groups = 0;
  int inner_group_num = 0;
  int heads = 0;
  int intermediate = 0;
  int max_positions = 0;
  int type_vocab_size = 0;
  double layer_norm_eps = 0;
  std::string activation;
};

struct AlbertLayer {
  Linear query, key, value, dense, ffn, ffn_output;
  LayerNorm attention_norm, output_norm;
};

class AlbertModel final : public BatchedModel {
 public:
  AlbertModel(const AlbertConfig& config, const WeightStore& store, ModelInfo info,
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
        embeddings.get("position_embeddings.weight", {config.max_positions, embedding});
    type_embeddings_ =
        embeddings.get("token_type_embeddings.weight", {config.type_vocab_size, embedding});
    embedding_norm_ = load_layer_norm(embeddings, "LayerNorm", embedding, config.layer_norm_eps);
    mapping_in_ = load_linear(weights, "encoder.embedding_hidden_mapping_in", hidden, embedding);
    for (int g = 0; g < config.groups; ++g) {
      std::vector<AlbertLayer> group;
      for (int i = 0; i < config.inner_group_num; ++i) {
        const WeightScope layer =
            weights.scope("encoder.albert_layer_groups").scope(g).scope("albert_layers").scope(i);
        const auto norm = [&](const std::string& name) {
          return load_layer_norm(layer, name, hidden, config.layer_norm_eps);
        };
        group.push_back({load_linear(layer, "attention.query", hidden, hidden),
                         load_linear(layer, "attention.key", hidden, hidden),
                         load_linear(layer, "attention.value", hidden, hidden),
                         load_linear(layer, "attention.dense", hidden, hidden),
                         load_linear(layer, "ffn", config.intermediate, hidden),
                         load_linear(layer, "ffn_output", hidden, config.intermediate),
                         norm("attention.LayerNorm"), norm("full_layer_layer_norm")});
      }
      groups_.push_back(std::move(group));
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const at::Tensor positions = at::arange(n, input.ids.options()).unsqueeze(0);
    at::Tensor hidden =
        embed(word_embeddings_, input.ids) + embed(type_embeddings_, input.type_ids);
    hidden = mapping_in_(embedding_norm_(hidden + embed(position_embeddings_, positions)));
    const ScoreRule rule{ScoreRule::Scale::divide,
                         std::sqrt(static_cast<double>(config_.hidden / heads))};
    AttentionMasks masks(input, false);
    std::size_t attention_layer = 0;
    for (int repeat = 0; repeat < config_.layers; ++repeat) {
      // transformers: int(i / (num_hidden_layers / num_hidden_groups)).
      const auto group =
          static_cast<std::size_t>(repeat / (static_cast<double>(config_.layers) / config_.groups));
      for (const AlbertLayer& layer : groups_[group]) {
        const at::Tensor context = attend_layer(
            pass, split_heads(layer.query(hidden), heads), split_heads(layer.key(hidden), heads),
            split_heads(layer.value(hidden), heads), rule, masks.for_window(0), attention_layer++);
        if (!context.defined()) return;
        const at::Tensor attended = layer.attention_norm(hidden + layer.dense(context));
        hidden = layer.output_norm(layer.ffn_output(activation_(layer.ffn(attended))) + attended);
      }
    }
  }

 private:
  AlbertConfig config_;
  Activation activation_;
  at::Tensor word_embeddings_, position_embeddings_, type_embeddings_;
  LayerNorm embedding_norm_;
  Linear mapping_in_;
  std::vector<std::vector<AlbertLayer>> groups_;
};

}  // namespace

std::unique_ptr<Model> build_albert(const JsonFields& json, const WeightStore& weights,
                                    ModelInfo info, at::Device device) {
  AlbertConfig config;
  config.vocab_size = json.positive_int("vocab_size");
  config.embedding_size = json.positive_int("embedding_size");
  config.hidden = json.positive_int("hidden_size");
  config.layers = json.positive_int("num_hidden_layers");
  config.groups = json.positive_int("num_hidden_groups", 1);
  config.inner_group_num = json.positive_int("inner_group_num", 1);
  config.heads = json.positive_int("num_attention_heads");
  config.intermediate = json.positive_int("intermediate_size");
  config.max_positions = json.positive_int("max_position_embeddings");
  config.type_vocab_size = json.positive_int("type_vocab_size");
  config.layer_norm_eps = json.positive_number("layer_norm_eps");
  config.activation = json.text("hidden_act");
  if (config.hidden % config.heads != 0) {
    json.fail(": hidden_size " + std::to_string(config.hidden) + " is not divisible by " +
              std::to_string(config.heads) + " heads");
  }
  if (config.groups > config.layers) {
    json.fail(": num_hidden_groups " + std::to_string(config.groups) +
              " is more than num_hidden_layers " + std::to_string(config.layers));
  }
  info.layers = config.layers * config.inner_group_num;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  return std::make_unique<AlbertModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
