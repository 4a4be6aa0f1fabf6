// BLOOM as transformers' BloomModel runs it in eager mode: no position embeddings but ALiBi (each
// head adds slope · key position to its scores, after they are multiplied by head_dim^-0.5, as
// baddbmm does), a LayerNorm on the embeddings, one fused query_key_value laid out per head
// ([q k v] for each head in turn), BLOOM's tanh GELU, and the residual taken after the LayerNorm
// where apply_residual_connection_post_layernorm says so.
#include <cmath>

#include "alibi.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

struct BloomConfig {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  double layer_norm_eps = 0;
  bool residual_after_norm = false;
};

struct BloomBlock {
  LayerNorm input_norm, post_attention_norm;
  Linear query_key_value, dense, mlp_in, mlp_out;
};

// transformers' bloom_gelu_forward, its constants and order of operations.
at::Tensor bloom_gelu(const at::Tensor& x) {
  return x * 0.5 * (1.0 + at::tanh(0.79788456 * x * (1 + 0.044715 * x * x)));
}

class BloomModel final : public BatchedModel {
 public:
  BloomModel(const BloomConfig& config, const WeightStore& store, ModelInfo info, at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1), config_(config) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    const double eps = config.layer_norm_eps;
    word_embeddings_ = weights.get("word_embeddings.weight", {config.vocab_size, hidden});
    embeddings_norm_ = load_layer_norm(weights, "word_embeddings_layernorm", hidden, eps);
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope block = weights.scope("h").scope(l);
      blocks_.push_back({load_layer_norm(block, "input_layernorm", hidden, eps),
                         load_layer_norm(block, "post_attention_layernorm", hidden, eps),
                         load_linear(block, "self_attention.query_key_value", 3 * hidden, hidden),
                         load_linear(block, "self_attention.dense", hidden, hidden),
                         load_linear(block, "mlp.dense_h_to_4h", 4 * hidden, hidden),
                         load_linear(block, "mlp.dense_4h_to_h", hidden, 4 * hidden)});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t batch = input.ids.size(0), n = input.ids.size(1);
    const std::int64_t heads = config_.heads, head_dim = config_.hidden / heads;
    at::Tensor hidden = embeddings_norm_(embed(word_embeddings_, input.ids));
    ScoreRule rule{ScoreRule::Scale::multiply, 1.0 / std::sqrt(static_cast<double>(head_dim))};
    rule.bias_after_scale = alibi_bias(heads, input);
    AttentionMasks masks(input, true);
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
      const BloomBlock& block = blocks_[l];
      const at::Tensor normed = block.input_norm(hidden);
      // [batch, n, heads, 3 * head_dim]: each head's query, key and value side by side.
      const at::Tensor qkv = block.query_key_value(normed).view({batch, n, heads, 3 * head_dim});
      const auto part = [&](int index) {
        return qkv.narrow(-1, index * head_dim, head_dim).permute({0, 2, 1, 3});
      };
      const at::Tensor context =
          attend_layer(pass, part(0), part(1), part(2), rule, masks.for_window(0), l);
      if (!context.defined()) break;
      const at::Tensor attended =
          block.dense(context) + (config_.residual_after_norm ? normed : hidden);
      const at::Tensor mlp_in = block.post_attention_norm(attended);
      hidden = block.mlp_out(bloom_gelu(block.mlp_in(mlp_in))) +
               (config_.residual_after_norm ? mlp_in : attended);
    }
  }

 private:
  BloomConfig config_;
  at::Tensor word_embeddings_;
  LayerNorm embeddings_norm_;
  std::vector<BloomBlock> blocks_;
};

}  // namespace

std::unique_ptr<Model> build_bloom(const JsonFields& json, const WeightStore& weights,
                                   ModelInfo info, at::Device device) {
  BloomConfig config;
  config.vocab_size = json.positive_int("vocab_size");
  // Older BLOOM configs call hidden_size n_embed.
  config.hidden =
      json.has("n_embed") ? json.positive_int("n_embed") : json.positive_int("hidden_size");
  config.layers = json.positive_int("n_layer");
  config.heads = json.positive_int("n_head");
  config.layer_norm_eps = json.positive_number("layer_norm_epsilon");
  config.residual_after_norm = json.flag("apply_residual_connection_post_layernorm", false);
  if (config.hidden % config.heads != 0) {
    json.fail(": hidden_size " + std::to_string(config.hidden) + " is not divisible by " +
              std::to_string(config.heads) + " heads");
  }
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  // ALiBi has no table of positions: BLOOM's training length where the config gives it, else as
  // long an input as memory allows (attnviz's memory check bounds the run).
  info.max_positions = json.positive_int("seq_length", 1 << 30);
  info.causal = true;
  return std::make_unique<BloomModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
