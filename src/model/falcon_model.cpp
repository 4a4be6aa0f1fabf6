// Falcon as transformers' FalconModel runs it in eager mode, both architectures: one fused
// query_key_value projection laid out per key/value group ([q … q k v] for each of num_kv_heads
// groups: new_decoder_architecture), as many queries with one shared key and value (multi_query),
// or [q k v] per head; rotary positions, or ALiBi (added before the scores are multiplied by
// head_dim^-0.5 and again after, as transformers' eager path does); attention and MLP in parallel
// from one LayerNorm (parallel_attn) or two (ln_attn, ln_mlp: num_ln_in_parallel_attn 2), or one
// after the other; biases where `bias` says.
#include <cmath>

#include "activation.hpp"
#include "alibi.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"
#include "rotary.hpp"

namespace attnviz::model {
namespace {

enum class QkvLayout { per_group, multi_query, per_head };

struct FalconConfig {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int kv_heads = 0;
  int ffn = 0;
  int max_positions = 0;
  double layer_norm_eps = 0;
  std::string activation;
  QkvLayout layout = QkvLayout::per_head;
  bool alibi = false;
  bool parallel = true;
  bool two_norms = false;  // ln_attn and ln_mlp
  Bias bias = Bias::without;
  Rotary rotary;
};

struct FalconLayer {
  LayerNorm attention_norm, mlp_norm;  // mlp_norm: ln_mlp, or post_attention_layernorm
  Linear query_key_value, dense, mlp_in, mlp_out;
};

class FalconModel final : public BatchedModel {
 public:
  FalconModel(const FalconConfig& config, const WeightStore& store, ModelInfo info,
              at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden, head_dim = hidden / config.heads;
    const double eps = config.layer_norm_eps;
    word_embeddings_ = weights.get("word_embeddings.weight", {config.vocab_size, hidden});
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope layer = weights.scope("h").scope(l);
      FalconLayer out;
      if (config.two_norms) {
        out.attention_norm = load_layer_norm(layer, "ln_attn", hidden, eps);
        out.mlp_norm = load_layer_norm(layer, "ln_mlp", hidden, eps);
      } else {
        out.attention_norm = load_layer_norm(layer, "input_layernorm", hidden, eps);
        if (!config.parallel)
          out.mlp_norm = load_layer_norm(layer, "post_attention_layernorm", hidden, eps);
      }
      out.query_key_value =
          load_linear(layer, "self_attention.query_key_value",
                      (config.heads + 2 * config.kv_heads) * head_dim, hidden, config.bias);
      out.dense = load_linear(layer, "self_attention.dense", hidden, hidden, config.bias);
      out.mlp_in = load_linear(layer, "mlp.dense_h_to_4h", config.ffn, hidden, config.bias);
      out.mlp_out = load_linear(layer, "mlp.dense_4h_to_h", hidden, config.ffn, config.bias);
      layers_.push_back(std::move(out));
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t n = input.ids.size(1);
    const double head_dim = static_cast<double>(config_.hidden / config_.heads);
    at::Tensor hidden = embed(word_embeddings_, input.ids);
    ScoreRule rule{ScoreRule::Scale::divide, std::sqrt(head_dim)};
    if (config_.alibi) {
      // transformers' eager Falcon (4.46 to 4.51 at least) adds ALiBi twice: to the scores before
      // they are multiplied by head_dim^-0.5, and again, divided by sqrt(head_dim), in the causal
      // mask it builds (_update_causal_mask). attnviz draws what transformers' eager attention
      // gives, output_attentions=True included; its products are rounded to bfloat16 as there.
      const at::Tensor alibi = alibi_bias(config_.heads, input, at::kBFloat16);
      rule = {ScoreRule::Scale::multiply, 1.0 / std::sqrt(head_dim)};
      rule.bias_before_scale = alibi;
      rule.bias_after_scale = alibi / std::sqrt(head_dim);
    }
    std::pair<at::Tensor, at::Tensor> tables;
    if (!config_.alibi) tables = config_.rotary.tables(n, device());
    AttentionMasks masks(input, true);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const FalconLayer& layer = layers_[l];
      const at::Tensor normed = layer.attention_norm(hidden);
      auto [query, key, value] = split_qkv(layer.query_key_value(normed));
      if (!config_.alibi) {
        query = config_.rotary.apply(query, tables);
        key = config_.rotary.apply(key, tables);
      }
      const at::Tensor context =
          attend_layer(pass, query, key, value, rule, masks.for_window(0), l);
      if (!context.defined()) break;
      const at::Tensor attended = layer.dense(context);
      if (config_.parallel) {
        const at::Tensor mlp_in = config_.two_norms ? layer.mlp_norm(hidden) : normed;
        hidden = mlp(layer, mlp_in) + attended + hidden;
      } else {
        const at::Tensor residual = attended + hidden;
        hidden = mlp(layer, layer.mlp_norm(residual)) + residual;
      }
    }
  }

 private:
  // The fused projection [batch, n, (heads + 2 kv_heads) · head_dim] as query [batch, heads, n, d]
  // and key, value [batch, kv_heads, n, d], in the config's layout.
  std::tuple<at::Tensor, at::Tensor, at::Tensor> split_qkv(const at::Tensor& fused) const {
    const std::int64_t batch = fused.size(0), n = fused.size(1);
    const std::int64_t heads = config_.heads, kv_heads = config_.kv_heads;
    const std::int64_t d = config_.hidden / heads;
    const auto heads_first = [](const at::Tensor& x) { return x.permute({0, 2, 1, 3}); };
    if (config_.layout == QkvLayout::per_head) {
      const at::Tensor qkv = fused.view({batch, n, heads, 3, d});
      return {heads_first(qkv.select(3, 0)), heads_first(qkv.select(3, 1)),
              heads_first(qkv.select(3, 2))};
    }
    // Each group of heads / kv_heads queries followed by its key and its value (multi_query: one
    // group of every head).
    const std::int64_t group = heads / kv_heads;
    const at::Tensor qkv = fused.view({batch, n, kv_heads, group + 2, d});
    return {heads_first(qkv.narrow(3, 0, group).reshape({batch, n, heads, d})),
            heads_first(qkv.select(3, group)), heads_first(qkv.select(3, group + 1))};
  }

  at::Tensor mlp(const FalconLayer& layer, const at::Tensor& x) const {
    return layer.mlp_out(activation_(layer.mlp_in(x)));
  }

  FalconConfig config_;
  Activation activation_;
  at::Tensor word_embeddings_;
  std::vector<FalconLayer> layers_;
};

FalconConfig read_falcon_config(const JsonFields& config) {
  FalconConfig out;
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("hidden_size");
  out.layers = config.positive_int("num_hidden_layers");
  out.heads = config.positive_int("num_attention_heads");
  out.ffn = config.positive_int("ffn_hidden_size", 4 * out.hidden);
  out.max_positions = config.positive_int("max_position_embeddings");
  out.layer_norm_eps = config.positive_number("layer_norm_epsilon");
  out.activation = config.text("activation", "gelu");
  out.alibi = config.flag("alibi", false);
  out.parallel = config.flag("parallel_attn", true);
  out.bias = config.flag("bias", false) ? Bias::with : Bias::without;
  if (out.hidden % out.heads != 0) {
    config.fail(": hidden_size " + std::to_string(out.hidden) + " is not divisible by " +
                std::to_string(out.heads) + " heads");
  }
  if (config.flag("new_decoder_architecture", false)) {
    if (!out.parallel) {
      config.fail(
          ": new_decoder_architecture with parallel_attn false is a layout transformers cannot "
          "run either; set parallel_attn to true");
    }
    out.layout = QkvLayout::per_group;
    out.kv_heads = config.positive_int("num_kv_heads", out.heads);
    out.two_norms = config.positive_int("num_ln_in_parallel_attn", 2) == 2;
    if (out.heads % out.kv_heads != 0) {
      config.fail(": num_attention_heads " + std::to_string(out.heads) +
                  " is not a multiple of num_kv_heads " + std::to_string(out.kv_heads));
    }
  } else if (config.flag("multi_query", true)) {
    out.layout = QkvLayout::multi_query;
    out.kv_heads = 1;
  } else {
    out.kv_heads = out.heads;
  }
  if (!out.alibi) {
    out.rotary = read_rotary(config, out.hidden / out.heads,
                             config.positive_number("rope_theta", 10000.0), out.max_positions);
  }
  return out;
}

}  // namespace

std::unique_ptr<Model> build_falcon(const JsonFields& json, const WeightStore& weights,
                                    ModelInfo info, at::Device device) {
  const FalconConfig config = read_falcon_config(json);
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.kv_heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = true;
  return std::make_unique<FalconModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
