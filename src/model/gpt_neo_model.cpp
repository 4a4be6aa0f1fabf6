// GPT-Neo as transformers' GPTNeoModel runs it in eager mode: GPT-2's layout with nn.Linear
// projections (q, k, v without bias), unscaled scores, and layers alternating between global and
// local attention (a window of window_size keys) as attention_types lists them.
#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

struct NeoConfig {
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int intermediate = 0;
  int max_positions = 0;
  double layer_norm_eps = 0;
  std::string activation;
  std::vector<int> windows;
};

// attention_types: [[["global", "local"], 12]] means global, local, global, ... for 24 layers.
std::vector<int> neo_windows(const JsonFields& config, int layers) {
  const int window = config.positive_int("window_size");
  std::vector<int> windows;
  const auto bad = [&] {
    config.fail(": 'attention_types' must be a list of [[\"global\" or \"local\", ...], count]");
  };
  const auto& types = config.raw("attention_types");
  if (!types.is_array()) bad();
  for (const auto& item : types) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_array() ||
        !item[1].is_number_integer() || item[1].get<long long>() < 0 ||
        item[1].get<long long>() > layers) {
      bad();
    }
    for (long long repeat = 0; repeat < item[1].get<long long>(); ++repeat) {
      for (const auto& type : item[0]) {
        if (type == "global") {
          windows.push_back(0);
        } else if (type == "local") {
          windows.push_back(window);
        } else {
          bad();
        }
      }
    }
  }
  if (static_cast<int>(windows.size()) != layers) {
    config.fail(": 'attention_types' lists " + std::to_string(windows.size()) +
                " layers, but num_layers is " + std::to_string(layers));
  }
  return windows;
}

struct NeoBlock {
  LayerNorm ln_1, ln_2;
  Linear query, key, value, output, mlp_in, mlp_out;
};

class GptNeoModel final : public BatchedModel {
 public:
  GptNeoModel(const NeoConfig& config, const WeightStore& store, ModelInfo info, at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    token_embeddings_ = weights.get("wte.weight", {config.vocab_size, hidden});
    position_embeddings_ = weights.get("wpe.weight", {config.max_positions, hidden});
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope block = weights.scope("h").scope(l);
      const WeightScope attention = block.scope("attn.attention");
      blocks_.push_back({load_layer_norm(block, "ln_1", hidden, config.layer_norm_eps),
                         load_layer_norm(block, "ln_2", hidden, config.layer_norm_eps),
                         load_linear(attention, "q_proj", hidden, hidden, Bias::without),
                         load_linear(attention, "k_proj", hidden, hidden, Bias::without),
                         load_linear(attention, "v_proj", hidden, hidden, Bias::without),
                         load_linear(attention, "out_proj", hidden, hidden),
                         load_linear(block, "mlp.c_fc", config.intermediate, hidden),
                         load_linear(block, "mlp.c_proj", hidden, config.intermediate)});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const at::Tensor positions = at::arange(n, input.ids.options()).unsqueeze(0);
    at::Tensor hidden =
        embed(token_embeddings_, input.ids) + embed(position_embeddings_, positions);
    AttentionMasks masks(input, true);
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
      const NeoBlock& block = blocks_[l];
      const at::Tensor normed = block.ln_1(hidden);
      // GPT-Neo does not scale its scores.
      const at::Tensor context = attend_layer(
          pass, split_heads(block.query(normed), heads), split_heads(block.key(normed), heads),
          split_heads(block.value(normed), heads), {}, masks.for_window(config_.windows[l]), l);
      if (!context.defined()) break;
      hidden = block.output(context) + hidden;
      hidden = hidden + block.mlp_out(activation_(block.mlp_in(block.ln_2(hidden))));
    }
  }

 private:
  NeoConfig config_;
  Activation activation_;
  at::Tensor token_embeddings_, position_embeddings_;
  std::vector<NeoBlock> blocks_;
};

}  // namespace

std::unique_ptr<Model> build_gpt_neo(const JsonFields& json, const WeightStore& weights,
                                     ModelInfo info, at::Device device) {
  NeoConfig config;
  config.vocab_size = json.positive_int("vocab_size");
  config.hidden = json.positive_int("hidden_size");
  config.layers = json.positive_int("num_layers");
  config.heads = json.positive_int("num_heads");
  config.intermediate = json.positive_int("intermediate_size", 4 * config.hidden);
  config.max_positions = json.positive_int("max_position_embeddings");
  config.layer_norm_eps = json.positive_number("layer_norm_epsilon");
  config.activation = json.text("activation_function");
  config.windows = neo_windows(json, config.layers);
  if (config.hidden % config.heads != 0) {
    json.fail(": hidden_size " + std::to_string(config.hidden) + " is not divisible by " +
              std::to_string(config.heads) + " heads");
  }
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = true;
  info.windows = config.windows;
  return std::make_unique<GptNeoModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
