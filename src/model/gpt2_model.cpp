// GPT-2 as transformers' GPT2Model runs it in eager mode: pre-LayerNorm blocks, Conv1D weights
// stored [in, out] and applied with addmm, and a causal mask. The last block stops at its attention
// probabilities, and ln_f is not run: neither changes one.
#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"
#include "gpt2_model.hpp"

namespace attnviz::model {

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
  out.kv_heads = out.heads;
  if (out.hidden % out.heads != 0) {
    config.fail(": n_embd " + std::to_string(out.hidden) + " is not divisible by " +
                std::to_string(out.heads) + " heads");
  }
  return out;
}

namespace {

// A projection as Conv1D (GPT-2) or nn.Linear (GPT-BigCode) stores it.
struct Projection {
  Conv1D conv;
  Linear linear;
  at::Tensor operator()(const at::Tensor& x) const {
    return linear.weight.defined() ? linear(x) : conv(x);
  }
};

Projection load_projection(const WeightScope& weights, const std::string& name, std::int64_t in,
                           std::int64_t out, bool linear) {
  if (linear) return {Conv1D(), load_linear(weights, name, out, in)};
  return {load_conv1d(weights, name, in, out), Linear()};
}

struct Gpt2Block {
  LayerNorm ln_1, ln_2;
  Projection attention, attention_projection, mlp_in, mlp_out;
};

class Gpt2Model final : public BatchedModel {
 public:
  Gpt2Model(const Gpt2Config& config, const WeightStore& store, ModelInfo info, at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    const std::int64_t kv_width = hidden / config.heads * config.kv_heads;
    const bool linear = config.linear;
    token_embeddings_ = weights.get("wte.weight", {config.vocab_size, hidden});
    position_embeddings_ = weights.get("wpe.weight", {config.max_positions, hidden});
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope block = weights.scope("h").scope(l);
      blocks_.push_back(
          {load_layer_norm(block, "ln_1", hidden, config.layer_norm_eps),
           load_layer_norm(block, "ln_2", hidden, config.layer_norm_eps),
           load_projection(block, "attn.c_attn", hidden, hidden + 2 * kv_width, linear),
           load_projection(block, "attn.c_proj", hidden, hidden, linear),
           load_projection(block, "mlp.c_fc", hidden, config.intermediate, linear),
           load_projection(block, "mlp.c_proj", config.intermediate, hidden, linear)});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t n = input.ids.size(1);
    const double head_dim = static_cast<double>(config_.hidden / config_.heads);

    const at::Tensor positions = at::arange(n, input.ids.options()).unsqueeze(0);
    at::Tensor hidden =
        embed(token_embeddings_, input.ids) + embed(position_embeddings_, positions);
    AttentionMasks masks(input, true);
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
      const auto& block = blocks_[l];
      const auto [query, key, value] = split_qkv(block.attention(block.ln_1(hidden)));
      // transformers divides by sqrt(head_dim), then by the layer number where configured.
      const double divisor = (config_.scale_attn_weights ? std::sqrt(head_dim) : 1.0) *
                             (config_.scale_attn_by_inverse_layer_idx ? l + 1.0 : 1.0);
      const ScoreRule rule = config_.linear ? ScoreRule{ScoreRule::Scale::multiply, 1.0 / divisor}
                                            : ScoreRule{ScoreRule::Scale::divide, divisor};
      const at::Tensor context =
          attend_layer(pass, query, key, value, rule, masks.for_window(0), l);
      // The last block's attention output and MLP, and ln_f after it, reach no attention weight.
      if (!context.defined()) break;
      hidden = block.attention_projection(context) + hidden;
      hidden = hidden + block.mlp_out(activation_(block.mlp_in(block.ln_2(hidden))));
    }
  }

 private:
  // c_attn's output as query [batch, heads, n, d] and key, value [batch, kv_heads, n, d].
  std::tuple<at::Tensor, at::Tensor, at::Tensor> split_qkv(const at::Tensor& qkv) const {
    const std::int64_t heads = config_.heads, d = config_.hidden / heads;
    if (config_.qkv_per_head) {
      const at::Tensor per_head =
          qkv.view({qkv.size(0), qkv.size(1), heads, 3 * d}).permute({0, 2, 1, 3});
      return {per_head.narrow(-1, 0, d), per_head.narrow(-1, d, d), per_head.narrow(-1, 2 * d, d)};
    }
    const auto parts =
        qkv.split_with_sizes({config_.hidden, config_.kv_heads * d, config_.kv_heads * d}, 2);
    return {split_heads(parts[0], heads), split_heads(parts[1], config_.kv_heads),
            split_heads(parts[2], config_.kv_heads)};
  }

  Gpt2Config config_;
  Activation activation_;
  at::Tensor token_embeddings_, position_embeddings_;
  std::vector<Gpt2Block> blocks_;
};

}  // namespace

std::unique_ptr<Model> make_gpt2_model(const Gpt2Config& config, const WeightStore& weights,
                                       ModelInfo info, at::Device device) {
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.kv_heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = true;
  return std::make_unique<Gpt2Model>(config, weights, std::move(info), device);
}

std::unique_ptr<Model> build_gpt2(const JsonFields& json, const WeightStore& weights,
                                  ModelInfo info, at::Device device) {
  return make_gpt2_model(read_gpt2_config(json), weights, std::move(info), device);
}

}  // namespace attnviz::model
