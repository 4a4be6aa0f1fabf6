// The Llama-style decoder as transformers' LlamaModel runs it in eager mode (and its relatives,
// each with their own file reading the config): RMSNorm in float32, rotary positions from
// cos/sin tables, keys and values repeated for the query heads that share them, a causal mask
// (and a sliding window where the layer has one), softmax in float32. The last layer stops at its
// attention probabilities.
#include "rotary_decoder.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "activation.hpp"

namespace attnviz::model {
namespace {

struct DecoderLayer {
  Norm input_norm, post_attention_norm;
  RmsNorm pre_feedforward_norm, post_feedforward_norm;
  RmsNorm query_norm, key_norm;
  at::Tensor query_norm_weights, key_norm_weights;  // [heads, 1, head_dim]: HeadLayerNorms
  Linear query, key, value, qkv, output;
  Linear gate, up, gate_up, down;
  bool has_input_norm = true;
  bool has_experts = false;
  MixtureOfExperts experts;
};

// A LayerNorm over each head's dimensions without weight, times that head's weight: x [batch,
// heads, n, head_dim], weights [heads, 1, head_dim].
at::Tensor head_layer_norm(const at::Tensor& x, const at::Tensor& weights, double eps) {
  return at::layer_norm(x, {x.size(-1)}, {}, {}, eps) * weights;
}

// The weights of the head norms `name` for `heads` heads, as [heads, 1, head_dim].
at::Tensor load_head_layer_norms(const WeightScope& attention, const std::string& name,
                                 HeadLayerNorms kind, std::int64_t heads, std::int64_t head_dim) {
  if (kind == HeadLayerNorms::one_tensor)
    return attention.get(name + ".weight", {heads, head_dim}).view({heads, 1, head_dim});
  std::vector<at::Tensor> weights;
  for (std::int64_t h = 0; h < heads; ++h) {
    weights.push_back(attention.scope(name + ".norms")
                          .get(std::to_string(h) + ".weight", {head_dim})
                          .view({1, 1, head_dim}));
  }
  return at::cat(weights);
}

class RotaryDecoder final : public BatchedModel {
 public:
  RotaryDecoder(const RotaryDecoderConfig& config, const WeightStore& store, ModelInfo info,
                at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, 1),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const DecoderNames& names = config.names;
    const std::int64_t hidden = config.hidden;
    const std::int64_t q_width = static_cast<std::int64_t>(config.heads) * config.head_dim;
    const std::int64_t kv_width = static_cast<std::int64_t>(config.kv_heads) * config.head_dim;
    const std::int64_t inner = config.intermediate;
    embed_tokens_ = weights.get(names.embed + ".weight", {config.vocab_size, hidden});
    if (config.embedding_norm) {
      embedding_norm_ = load_norm(weights, names.embedding_norm, hidden, config.rms_norm_eps,
                                  config.norm, config.norm_scale);
    }
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope layer = weights.scope(names.layers).scope(l);
      const WeightScope attention = layer.scope(names.attention);
      const WeightScope mlp = layer.scope(names.mlp);
      const auto rms_norm = [&](const std::string& name) {
        return load_rms_norm(layer, name, hidden, config.rms_norm_eps, config.norm_scale);
      };
      const auto norm = [&](const std::string& name) {
        return load_norm(layer, name, hidden, config.rms_norm_eps, config.norm, config.norm_scale);
      };
      DecoderLayer out;
      out.has_input_norm =
          !config.norms_after_only && !(config.first_layer_without_input_norm && l == 0);
      if (out.has_input_norm) out.input_norm = norm(names.input_norm);
      if (config.residual == Residual::sequential)
        out.post_attention_norm = norm(names.post_attention_norm);
      if (config.sandwich_norms) out.pre_feedforward_norm = rms_norm("pre_feedforward_layernorm");
      if (config.sandwich_norms || config.norms_after_only)
        out.post_feedforward_norm = rms_norm("post_feedforward_layernorm");
      if (config.fused_projections) {
        out.qkv =
            load_linear(attention, names.qkv, q_width + 2 * kv_width, hidden, config.qkv_bias);
      } else {
        out.query = load_linear(attention, names.query, q_width, hidden, config.qkv_bias);
        out.key = load_linear(attention, names.key, kv_width, hidden, config.qkv_bias);
        out.value = load_linear(attention, names.value, kv_width, hidden, config.qkv_bias);
      }
      out.has_experts = config.experts.experts > 0 && config.experts.layers.at(l);
      if (out.has_experts) {
        out.experts =
            load_mixture_of_experts(layer.scope(config.experts.block), config.experts, hidden);
      } else {
        if (config.fused_projections) {
          out.gate_up = load_linear(mlp, names.gate_up, 2 * inner, hidden, config.mlp_bias);
        } else {
          if (config.mlp == Mlp::gated)
            out.gate = load_linear(mlp, "gate_proj", inner, hidden, config.mlp_bias);
          out.up = load_linear(mlp, names.mlp_in, inner, hidden, config.mlp_bias);
        }
        out.down = load_linear(mlp, names.mlp_out, hidden, inner, config.mlp_bias);
      }
      if (config.head_norms) {
        out.query_norm = load_rms_norm(attention, "q_norm", config.head_dim, config.rms_norm_eps,
                                       config.norm_scale);
        out.key_norm = load_rms_norm(attention, "k_norm", config.head_dim, config.rms_norm_eps,
                                     config.norm_scale);
      }
      if (config.projection_norms) {
        out.query_norm = load_rms_norm(attention, "q_norm", q_width, config.rms_norm_eps);
        out.key_norm = load_rms_norm(attention, "k_norm", kv_width, config.rms_norm_eps);
      }
      if (config.head_layer_norms != HeadLayerNorms::none) {
        out.query_norm_weights = load_head_layer_norms(
            attention, names.query_norm, config.head_layer_norms, config.heads, config.head_dim);
        out.key_norm_weights = load_head_layer_norms(
            attention, names.key_norm, config.head_layer_norms, config.kv_heads, config.head_dim);
      }
      out.output = load_linear(attention, names.output, hidden, q_width, config.output_bias);
      layers_.push_back(std::move(out));
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t n = input.ids.size(1);
    const std::int64_t heads = config_.heads;
    const std::int64_t kv_heads = config_.kv_heads;
    at::Tensor hidden = embed(embed_tokens_, input.ids);
    // Gemma: times sqrt(hidden_size) rounded to float32, as transformers' normalizer tensor.
    if (config_.scale_embeddings)
      hidden = hidden * static_cast<float>(std::sqrt(static_cast<double>(config_.hidden)));
    if (config_.embedding_multiplier != 1.0) hidden = hidden * config_.embedding_multiplier;
    const auto tables = config_.rotary.tables(n, device());
    const auto local_tables =
        config_.local_rotary.inv_freq.defined() ? config_.local_rotary.tables(n, device()) : tables;
    if (config_.embedding_norm) hidden = embedding_norm_(hidden);
    AttentionMasks masks(input, config_.causal);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const DecoderLayer& layer = layers_[l];
      const at::Tensor normed = layer.has_input_norm ? layer.input_norm(hidden) : hidden;
      at::Tensor query, key, value;
      if (config_.fused_projections) {
        const auto parts = layer.qkv(normed).split_with_sizes(
            {heads * config_.head_dim, kv_heads * config_.head_dim, kv_heads * config_.head_dim},
            -1);
        query = parts[0], key = parts[1], value = parts[2];
      } else {
        query = layer.query(normed), key = layer.key(normed), value = layer.value(normed);
      }
      if (config_.clip_qkv > 0) {
        query = query.clamp(-config_.clip_qkv, config_.clip_qkv);
        key = key.clamp(-config_.clip_qkv, config_.clip_qkv);
        value = value.clamp(-config_.clip_qkv, config_.clip_qkv);
      }
      if (config_.projection_norms) query = layer.query_norm(query), key = layer.key_norm(key);
      query = split_heads(query, heads);
      key = split_heads(key, kv_heads);
      if (config_.head_norms) query = layer.query_norm(query), key = layer.key_norm(key);
      if (config_.head_layer_norms != HeadLayerNorms::none) {
        query = head_layer_norm(query, layer.query_norm_weights, config_.rms_norm_eps);
        key = head_layer_norm(key, layer.key_norm_weights, config_.rms_norm_eps);
      }
      const int window = config_.windows.empty() ? 0 : config_.windows[l];
      const bool local = window > 0 && config_.local_rotary.inv_freq.defined();
      const Rotary& rotary = local ? config_.local_rotary : config_.rotary;
      query = rotary.apply(query, local ? local_tables : tables);
      key = rotary.apply(key, local ? local_tables : tables);
      const at::Tensor context = attend_layer(pass, query, key, split_heads(value, kv_heads),
                                              config_.rule, masks.for_window(window), l);
      // The last layer's output projection and MLP reach no attention weight.
      if (!context.defined()) break;
      at::Tensor attended = layer.output(context);
      if (config_.sandwich_norms) {
        hidden = hidden + layer.post_attention_norm(attended);
        hidden =
            hidden + layer.post_feedforward_norm(mlp(layer, layer.pre_feedforward_norm(hidden)));
      } else if (config_.norms_after_only) {
        hidden = hidden + layer.post_attention_norm(attended);
        hidden = hidden + layer.post_feedforward_norm(mlp(layer, hidden));
      } else if (config_.residual == Residual::parallel) {
        hidden = hidden + attended + mlp(layer, normed);
      } else {
        hidden = hidden + residual(attended);
        hidden = hidden + residual(mlp(layer, layer.post_attention_norm(hidden)));
      }
    }
  }

 private:
  at::Tensor residual(const at::Tensor& x) const {
    return config_.residual_multiplier == 1.0 ? x : x * config_.residual_multiplier;
  }

  at::Tensor mlp(const DecoderLayer& layer, const at::Tensor& x) const {
    if (layer.has_experts) return layer.experts(x, activation_);
    if (config_.fused_projections) {
      const auto gate_up = layer.gate_up(x).chunk(2, -1);
      return layer.down(gate_up[1] * activation_(gate_up[0]));
    }
    if (config_.mlp == Mlp::plain) return layer.down(activation_(layer.up(x)));
    return layer.down(activation_(layer.gate(x)) * layer.up(x));
  }

  RotaryDecoderConfig config_;
  Activation activation_;
  at::Tensor embed_tokens_;
  Norm embedding_norm_;
  std::vector<DecoderLayer> layers_;
};

}  // namespace

RotaryDecoderConfig read_rotary_decoder_config(const JsonFields& config, HeadDim head_dim,
                                               LongRopeChoice long_rope, const char* norm_eps) {
  RotaryDecoderConfig out;
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("hidden_size");
  out.layers = config.positive_int("num_hidden_layers");
  out.heads = config.positive_int("num_attention_heads");
  out.kv_heads = config.positive_int("num_key_value_heads", out.heads);
  out.intermediate = config.positive_int("intermediate_size");
  out.max_positions = config.positive_int("max_position_embeddings");
  if (norm_eps != nullptr) out.rms_norm_eps = config.positive_number(norm_eps);
  out.activation = config.text("hidden_act", "silu");
  if (out.heads % out.kv_heads != 0) {
    config.fail(": num_attention_heads " + std::to_string(out.heads) +
                " is not a multiple of num_key_value_heads " + std::to_string(out.kv_heads));
  }
  if (head_dim == HeadDim::from_config && config.has("head_dim")) {
    out.head_dim = config.positive_int("head_dim");
  } else if (out.hidden % out.heads != 0) {
    config.fail(": hidden_size " + std::to_string(out.hidden) + " is not divisible by " +
                std::to_string(out.heads) + " heads");
  } else {
    out.head_dim = out.hidden / out.heads;
  }
  const double partial = config.number("partial_rotary_factor", 1.0);
  out.rotary =
      read_rotary(config, static_cast<std::int64_t>(out.head_dim * partial),
                  config.positive_number("rope_theta", 10000.0), out.max_positions, long_rope);
  out.rule = {ScoreRule::Scale::divide, std::sqrt(static_cast<double>(out.head_dim))};
  return out;
}

std::vector<int> windows_from(const JsonFields& config, const char* key, int layers) {
  if (!config.has(key)) return {};
  return std::vector<int>(static_cast<std::size_t>(layers), config.positive_int(key));
}

std::unique_ptr<Model> make_rotary_decoder(const RotaryDecoderConfig& config,
                                           const WeightStore& weights, ModelInfo info,
                                           at::Device device) {
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.kv_heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = config.causal;
  info.windows = config.windows;
  return std::make_unique<RotaryDecoder>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
