// GPT-2 as transformers' GPT2Model runs it in eager mode: pre-LayerNorm blocks, Conv1D weights
// stored [in, out] and applied with addmm, and a causal mask of float32's lowest value. The last
// block stops at its attention probabilities, and ln_f is not run: neither changes one.
#include <cmath>
#include <limits>

#include "activation.hpp"
#include "batched_model.hpp"
#include "layer_norm.hpp"
#include "native_models.hpp"

namespace attnviz::model {
namespace {

struct Conv1D {
  at::Tensor weight;  // [in, out]
  at::Tensor bias;
  at::Tensor operator()(const at::Tensor& x) const {
    auto shape = x.sizes().vec();
    shape.back() = weight.size(1);
    return at::addmm(bias, x.reshape({-1, x.size(-1)}), weight).view(shape);
  }
};

struct Gpt2Block {
  LayerNorm ln_1, ln_2;
  Conv1D attention, attention_projection, mlp_in, mlp_out;
};

class Gpt2Model final : public BatchedModel {
 public:
  Gpt2Model(const ModelConfig& config, const WeightStore& weights, ModelInfo info,
            at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const std::int64_t hidden = config.hidden;
    const auto conv = [&](const std::string& name, std::int64_t in, std::int64_t out) {
      return Conv1D{weights.get(name + ".weight", {in, out}), weights.get(name + ".bias", {out})};
    };
    const auto norm = [&](const std::string& name) {
      return load_layer_norm(weights, name, hidden, config.layer_norm_eps);
    };
    token_embeddings_ = weights.get("wte.weight", {config.vocab_size, hidden});
    position_embeddings_ = weights.get("wpe.weight", {config.max_positions, hidden});
    for (int l = 0; l < config.layers; ++l) {
      const std::string prefix = "h." + std::to_string(l) + ".";
      Gpt2Block block;
      block.ln_1 = norm(prefix + "ln_1");
      block.attention = conv(prefix + "attn.c_attn", hidden, 3 * hidden);
      block.attention_projection = conv(prefix + "attn.c_proj", hidden, hidden);
      block.ln_2 = norm(prefix + "ln_2");
      block.mlp_in = conv(prefix + "mlp.c_fc", hidden, config.intermediate);
      block.mlp_out = conv(prefix + "mlp.c_proj", config.intermediate, hidden);
      blocks_.push_back(std::move(block));
    }
  }

 protected:
  std::vector<LayerAttention> forward(const BatchInput& input,
                                      bool with_queries_keys) const override {
    const std::int64_t batch = input.ids.size(0);
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const std::int64_t head_dim = config_.head_dim();
    const std::int64_t hidden_size = config_.hidden;
    const float lowest = std::numeric_limits<float>::lowest();

    const at::Tensor positions = at::arange(n, input.ids.options()).unsqueeze(0);
    at::Tensor hidden = at::embedding(token_embeddings_, input.ids) +
                        at::embedding(position_embeddings_, positions);
    const at::Tensor future =
        at::ones({n, n}, input.ids.options().dtype(at::kBool)).triu(1).view({1, 1, n, n});
    const at::Tensor scale =
        at::full({}, std::sqrt(static_cast<double>(head_dim)), hidden.options());
    const at::Tensor additive_mask = (1.0 - input.mask.view({batch, 1, 1, n})) * lowest;

    at::Tensor scores = at::empty({batch, heads, n, n}, hidden.options());
    std::vector<LayerAttention> result;
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
      const auto& block = blocks_[l];
      const auto qkv = block.attention(block.ln_1(hidden)).split(hidden_size, 2);
      const at::Tensor query = split_heads(qkv[0], heads);
      const at::Tensor key = split_heads(qkv[1], heads);
      const at::Tensor value = split_heads(qkv[2], heads);
      // transformers' product, divisions, causal where() and mask addition, all in one reused
      // buffer: the same values, without four fresh [batch, heads, n, n] tensors per layer.
      attention_scores(scores, query, key);
      if (config_.scale_attn_weights) scores.div_(scale);
      if (config_.scale_attn_by_inverse_layer_idx) scores.div_(static_cast<double>(l + 1));
      scores.masked_fill_(future, lowest);
      // Without padding the mask is all zeros, and adding zeros changes no score.
      if (input.padded) scores.add_(additive_mask);
      const at::Tensor probabilities = softmax_probabilities(scores, input, l);
      result.push_back({probabilities, with_queries_keys ? query : at::Tensor(),
                        with_queries_keys ? key : at::Tensor()});
      // The last block's attention output and MLP, and ln_f after it, reach no attention weight.
      if (l + 1 == blocks_.size()) break;
      const at::Tensor context = weighted_values(probabilities, value);
      hidden = block.attention_projection(context) + hidden;
      hidden = hidden + block.mlp_out(activation_(block.mlp_in(block.ln_2(hidden))));
    }
    return result;
  }

 private:
  ModelConfig config_;
  Activation activation_;
  at::Tensor token_embeddings_, position_embeddings_;
  std::vector<Gpt2Block> blocks_;
};

}  // namespace

std::unique_ptr<Model> make_gpt2_model(const ModelConfig& config, const WeightStore& weights,
                                       ModelInfo info, at::Device device) {
  return std::make_unique<Gpt2Model>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
