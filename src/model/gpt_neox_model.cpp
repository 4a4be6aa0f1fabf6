// GPT-NeoX (Pythia) as transformers' GPTNeoXModel runs it in eager mode: LayerNorm, one fused
// query_key_value projection laid out per head ([q k v] for each head in turn), rotary positions on
// the first rotary_pct of each head's dimensions, scores multiplied by head_size^-0.5 (baddbmm's
// alpha), and a parallel residual (x + attention(ln1(x)) + mlp(ln2(x))) where configured.
#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"
#include "rotary.hpp"

namespace attnviz::model {
namespace {

struct NeoxConfig {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int intermediate = 0;
  int max_positions = 0;
  double layer_norm_eps = 0;
  std::string activation;
  bool parallel_residual = true;
  Bias bias = Bias::with;
  Rotary rotary;
};

struct NeoxLayer {
  LayerNorm input_norm, post_attention_norm;
  Linear query_key_value, dense, mlp_in, mlp_out;
};

class GptNeoxModel final : public BatchedModel {
 public:
  GptNeoxModel(const NeoxConfig& config, const WeightStore& store, ModelInfo info,
               at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    embed_in_ = weights.get("embed_in.weight", {config.vocab_size, hidden});
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope layer = weights.scope("layers").scope(l);
      layers_.push_back(
          {load_layer_norm(layer, "input_layernorm", hidden, config.layer_norm_eps),
           load_layer_norm(layer, "post_attention_layernorm", hidden, config.layer_norm_eps),
           load_linear(layer, "attention.query_key_value", 3 * hidden, hidden, config.bias),
           load_linear(layer, "attention.dense", hidden, hidden, config.bias),
           load_linear(layer, "mlp.dense_h_to_4h", config.intermediate, hidden),
           load_linear(layer, "mlp.dense_4h_to_h", hidden, config.intermediate)});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t batch = input.ids.size(0);
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const std::int64_t head_size = config_.hidden / heads;
    at::Tensor hidden = embed(embed_in_, input.ids);
    const auto tables = config_.rotary.tables(n, device());
    const ScoreRule rule{ScoreRule::Scale::multiply,
                         std::pow(static_cast<double>(head_size), -0.5)};
    AttentionMasks masks(input, true);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const NeoxLayer& layer = layers_[l];
      // [batch, n, heads, 3 * head_size]: each head's query, key and value side by side.
      const at::Tensor qkv =
          layer.query_key_value(layer.input_norm(hidden)).view({batch, n, heads, 3 * head_size});
      const auto head_part = [&](int part) {
        return qkv.narrow(-1, part * head_size, head_size).permute({0, 2, 1, 3});
      };
      const at::Tensor query = config_.rotary.apply(head_part(0), tables);
      const at::Tensor key = config_.rotary.apply(head_part(1), tables);
      const at::Tensor context =
          attend_layer(pass, query, key, head_part(2), rule, masks.for_window(0), l);
      if (!context.defined()) break;
      const at::Tensor attended = layer.dense(context);
      if (config_.parallel_residual) {
        hidden = mlp(layer, layer.post_attention_norm(hidden)) + attended + hidden;
      } else {
        const at::Tensor after_attention = attended + hidden;
        hidden = mlp(layer, layer.post_attention_norm(after_attention)) + after_attention;
      }
    }
  }

 private:
  at::Tensor mlp(const NeoxLayer& layer, const at::Tensor& x) const {
    return layer.mlp_out(activation_(layer.mlp_in(x)));
  }

  NeoxConfig config_;
  Activation activation_;
  at::Tensor embed_in_;
  std::vector<NeoxLayer> layers_;
};

NeoxConfig read_neox_config(const JsonFields& config) {
  NeoxConfig out;
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("hidden_size");
  out.layers = config.positive_int("num_hidden_layers");
  out.heads = config.positive_int("num_attention_heads");
  out.intermediate = config.positive_int("intermediate_size");
  out.max_positions = config.positive_int("max_position_embeddings");
  out.layer_norm_eps = config.positive_number("layer_norm_eps");
  out.activation = config.text("hidden_act");
  out.parallel_residual = config.flag("use_parallel_residual", true);
  out.bias = config.flag("attention_bias", true) ? Bias::with : Bias::without;
  if (out.hidden % out.heads != 0) {
    config.fail(": hidden_size " + std::to_string(out.hidden) + " is not divisible by " +
                std::to_string(out.heads) + " heads");
  }
  const int head_size = out.hidden / out.heads;
  out.rotary = read_rotary(
      config, static_cast<std::int64_t>(head_size * config.positive_number("rotary_pct", 0.25)),
      config.positive_number("rotary_emb_base", 10000.0), out.max_positions);
  return out;
}

}  // namespace

std::unique_ptr<Model> build_gpt_neox(const JsonFields& json, const WeightStore& weights,
                                      ModelInfo info, at::Device device) {
  const NeoxConfig config = read_neox_config(json);
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = true;
  return std::make_unique<GptNeoxModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
