// GPT-2 as transformers' GPT2Model runs it in eager mode: pre-LayerNorm blocks, Conv1D weights
// stored [in, out] and applied with addmm, and a causal mask. The last block stops at its attention
// probabilities, and ln_f is not run: neither changes one.
#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

struct Gpt2Config {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int intermediate = 0;
  int max_positions = 0;
  double layer_norm_eps = 0;
  std::string activation;
  bool scale_attn_weights = true;
  bool scale_attn_by_inverse_layer_idx = false;
};

Gpt2Config read_gpt2_config(const JsonFields& config) {
  Gpt2Config out;
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("n_embd");
  out.layers = config.positive_int("n_layer");
  out.heads = config.positive_int("n_head");
  out.intermediate = config.positive_int("n_inner", 4 * out.hidden);
  out.max_positions = config.positive_int("n_positions");
  out.layer_norm_eps = config.positive_number("layer_norm_epsilon");
  out.activation = config.text("activation_function");
  out.scale_attn_weights = config.flag("scale_attn_weights", true);
  out.scale_attn_by_inverse_layer_idx = config.flag("scale_attn_by_inverse_layer_idx", false);
  if (out.hidden % out.heads != 0) {
    config.fail(": n_embd " + std::to_string(out.hidden) + " is not divisible by " +
                std::to_string(out.heads) + " heads");
  }
  return out;
}

struct Gpt2Block {
  LayerNorm ln_1, ln_2;
  Conv1D attention, attention_projection, mlp_in, mlp_out;
};

class Gpt2Model final : public BatchedModel {
 public:
  Gpt2Model(const Gpt2Config& config, const WeightStore& store, ModelInfo info, at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    token_embeddings_ = weights.get("wte.weight", {config.vocab_size, hidden});
    position_embeddings_ = weights.get("wpe.weight", {config.max_positions, hidden});
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope block = weights.scope("h").scope(l);
      blocks_.push_back({load_layer_norm(block, "ln_1", hidden, config.layer_norm_eps),
                         load_layer_norm(block, "ln_2", hidden, config.layer_norm_eps),
                         load_conv1d(block, "attn.c_attn", hidden, 3 * hidden),
                         load_conv1d(block, "attn.c_proj", hidden, hidden),
                         load_conv1d(block, "mlp.c_fc", hidden, config.intermediate),
                         load_conv1d(block, "mlp.c_proj", config.intermediate, hidden)});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const double head_dim = static_cast<double>(config_.hidden / config_.heads);

    const at::Tensor positions = at::arange(n, input.ids.options()).unsqueeze(0);
    at::Tensor hidden =
        embed(token_embeddings_, input.ids) + embed(position_embeddings_, positions);
    AttentionMasks masks(input, true);
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
      const auto& block = blocks_[l];
      const auto qkv = block.attention(block.ln_1(hidden)).split(config_.hidden, 2);
      const at::Tensor query = split_heads(qkv[0], heads);
      const at::Tensor key = split_heads(qkv[1], heads);
      const at::Tensor value = split_heads(qkv[2], heads);
      // transformers divides by sqrt(head_dim), then by the layer number where configured.
      const double divisor = (config_.scale_attn_weights ? std::sqrt(head_dim) : 1.0) *
                             (config_.scale_attn_by_inverse_layer_idx ? l + 1.0 : 1.0);
      const at::Tensor context = attend_layer(
          pass, query, key, value, {ScoreRule::Scale::divide, divisor}, masks.for_window(0), l);
      // The last block's attention output and MLP, and ln_f after it, reach no attention weight.
      if (!context.defined()) break;
      hidden = block.attention_projection(context) + hidden;
      hidden = hidden + block.mlp_out(activation_(block.mlp_in(block.ln_2(hidden))));
    }
  }

 private:
  Gpt2Config config_;
  Activation activation_;
  at::Tensor token_embeddings_, position_embeddings_;
  std::vector<Gpt2Block> blocks_;
};

}  // namespace

std::unique_ptr<Model> build_gpt2(const JsonFields& json, const WeightStore& weights,
                                  ModelInfo info, at::Device device) {
  const Gpt2Config config = read_gpt2_config(json);
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = true;
  return std::make_unique<Gpt2Model>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
