// DeBERTa-v2 and v3 (model_type deberta-v2) as transformers' DebertaV2Model runs it in eager mode:
// disentangled attention, in which each score is content·content plus, per pos_att_type,
// content·position (c2p: the query against the key's relative position) and position·content (p2c:
// the key against the query's), each divided by sqrt(head_dim · (1 + number of terms)). Relative
// positions are q - k, log-bucketed beyond position_buckets / 2 where position_buckets is set, and
// clamped to the table of 2 · span rows (span: position_buckets, else max_relative_positions, else
// max_position_embeddings). Also: the relative table's own LayerNorm (norm_rel_ebd), positions
// added to the input or not (position_biased_input, off in v3), token types where type_vocab_size >
// 0, the embedding projection (embedding_size), and the convolution after the first layer
// (conv_kernel_size).
#include <algorithm>
#include <cctype>
#include <cmath>

#include "activation.hpp"
#include "batched_model.hpp"
#include "blocks.hpp"
#include "families.hpp"

namespace attnviz::model {
namespace {

struct DebertaConfig {
  int vocab_size = 0;
  int hidden = 0;
  int embedding_size = 0;
  int layers = 0;
  int heads = 0;
  int head_dim = 0;
  int intermediate = 0;
  int max_positions = 0;
  int type_vocab_size = 0;  // 0: no token type embeddings (v3)
  double layer_norm_eps = 0;
  std::string activation;
  bool position_biased_input = true;
  bool relative_attention = false;
  bool share_att_key = false;
  bool c2p = false;
  bool p2c = false;
  bool norm_rel_embeddings = false;
  int position_buckets = -1;  // <= 0: no log buckets
  int max_relative_positions = 0;
  int span = 0;         // the relative table has 2 · span rows
  int conv_kernel = 0;  // 0: no ConvLayer
  int conv_groups = 1;
  std::string conv_activation;
};

struct DebertaLayer {
  Linear query, key, value, pos_key, pos_query, attention_output, intermediate, output;
  LayerNorm attention_norm, output_norm;
};

// transformers' make_log_bucket_position, in its float32 order of operations so that every ceil
// lands where transformers' does: |q - k| below bucket_size / 2 as is, beyond it logarithmic up
// to max_position.
at::Tensor log_buckets(const at::Tensor& relative, std::int64_t bucket_size,
                       std::int64_t max_position) {
  const std::int64_t mid = bucket_size / 2;
  const at::Tensor near = relative.lt(mid).logical_and(relative.gt(-mid));
  const at::Tensor abs_pos =
      at::where(near, at::scalar_tensor(mid - 1, relative.options()), at::abs(relative));
  const at::Tensor log_ratio =
      at::log(at::scalar_tensor(static_cast<double>(max_position - 1) / static_cast<double>(mid),
                                relative.options().dtype(at::kFloat)));
  const at::Tensor log_pos = at::ceil(at::log(abs_pos.to(at::kFloat) / static_cast<double>(mid)) /
                                      log_ratio * static_cast<double>(mid - 1)) +
                             static_cast<double>(mid);
  return at::where(abs_pos.le(mid), relative.to(at::kFloat), log_pos * at::sign(relative))
      .to(at::kLong);
}

class DebertaModel final : public BatchedModel {
 public:
  DebertaModel(const DebertaConfig& config, const WeightStore& store, ModelInfo info,
               at::Device device)
      : BatchedModel(std::move(info), device, config.vocab_size, config.type_vocab_size),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    const std::int64_t embedding = config.embedding_size;
    const std::int64_t all_heads = static_cast<std::int64_t>(config.heads) * config.head_dim;
    const WeightScope embeddings = weights.scope("embeddings");
    word_embeddings_ = embeddings.get("word_embeddings.weight", {config.vocab_size, embedding});
    if (config.position_biased_input) {
      position_embeddings_ =
          embeddings.get("position_embeddings.weight", {config.max_positions, embedding});
    }
    if (config.type_vocab_size > 0) {
      type_embeddings_ =
          embeddings.get("token_type_embeddings.weight", {config.type_vocab_size, embedding});
    }
    if (embedding != hidden)
      projection_ = load_linear(embeddings, "embed_proj", hidden, embedding, Bias::without);
    embedding_norm_ = load_layer_norm(embeddings, "LayerNorm", hidden, config.layer_norm_eps);
    const WeightScope encoder = weights.scope("encoder");
    if (config.relative_attention) {
      rel_embeddings_ = encoder.get("rel_embeddings.weight", {2 * config.span, hidden});
      if (config.norm_rel_embeddings)
        rel_embeddings_ = load_layer_norm(encoder, "LayerNorm", hidden,
                                          config.layer_norm_eps)(rel_embeddings_.to(at::kFloat));
    }
    if (config.conv_kernel > 0) {
      conv_weight_ = encoder.get("conv.conv.weight",
                                 {hidden, hidden / config.conv_groups, config.conv_kernel});
      conv_bias_ = encoder.get("conv.conv.bias", {hidden});
      conv_norm_ = load_layer_norm(encoder, "conv.LayerNorm", hidden, config.layer_norm_eps);
      conv_activation_ = activation_named(config.conv_activation);
    }
    const bool relative = config.relative_attention;
    for (int l = 0; l < config.layers; ++l) {
      const WeightScope layer = encoder.scope("layer").scope(l);
      const WeightScope self = layer.scope("attention.self");
      const auto norm = [&](const std::string& name) {
        return load_layer_norm(layer, name, hidden, config.layer_norm_eps);
      };
      const auto projection = [&](const std::string& name, bool wanted) {
        return wanted ? load_linear(self, name, all_heads, hidden) : Linear{};
      };
      layers_.push_back(
          {load_linear(self, "query_proj", all_heads, hidden),
           load_linear(self, "key_proj", all_heads, hidden),
           load_linear(self, "value_proj", all_heads, hidden),
           projection("pos_key_proj", relative && !config.share_att_key && config.c2p),
           projection("pos_query_proj", relative && !config.share_att_key && config.p2c),
           load_linear(layer, "attention.output.dense", hidden, all_heads),
           load_linear(layer, "intermediate.dense", config.intermediate, hidden),
           load_linear(layer, "output.dense", hidden, config.intermediate),
           norm("attention.output.LayerNorm"), norm("output.LayerNorm")});
    }
  }

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    const std::int64_t heads = config_.heads;
    const at::Tensor mask = input.mask.unsqueeze(-1);  // [batch, n, 1]
    at::Tensor hidden = embed(word_embeddings_, input.ids);
    if (position_embeddings_.defined()) {
      const at::Tensor positions = at::arange(input.ids.size(1), input.ids.options());
      hidden = hidden + embed(position_embeddings_, positions).unsqueeze(0);
    }
    if (type_embeddings_.defined()) hidden = hidden + embed(type_embeddings_, input.type_ids);
    if (projection_.weight.defined()) hidden = projection_(hidden);
    // Padding rows are zeroed: the convolution after the first layer reads its neighbours.
    const at::Tensor embedded = embedding_norm_(hidden) * mask;
    hidden = embedded;
    const int terms = 1 + (config_.c2p ? 1 : 0) + (config_.p2c ? 1 : 0);
    // transformers divides by the same scale with or without relative_attention.
    const double scale = std::sqrt(static_cast<double>(config_.head_dim) * terms);
    const at::Tensor c2p_index = relative_index(input.ids.size(1));
    AttentionMasks masks(input, false);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const DebertaLayer& layer = layers_[l];
      const at::Tensor query = split_heads(layer.query(hidden), heads);
      const at::Tensor key = split_heads(layer.key(hidden), heads);
      ScoreRule rule{ScoreRule::Scale::divide, scale};
      if (config_.relative_attention)
        rule.bias_after_scale = relative_scores(layer, query, key, c2p_index, scale);
      const at::Tensor context = attend_layer(
          pass, query, key, split_heads(layer.value(hidden), heads), rule, masks.for_window(0), l);
      if (!context.defined()) break;
      const at::Tensor attended = layer.attention_norm(layer.attention_output(context) + hidden);
      hidden =
          layer.output_norm(layer.output(activation_(layer.intermediate(attended))) + attended);
      if (l == 0 && conv_weight_.defined()) hidden = convolve(embedded, hidden, mask);
    }
  }

 private:
  // Row of the relative table each (query, key) reads for c2p: clamp(bucket(q - k) + span), [q, k].
  // p2c gathers over [key, query] with clamp(span - bucket(k - q)): this index transposed.
  at::Tensor relative_index(std::int64_t n) const {
    const at::Tensor ids = at::arange(n, at::TensorOptions().dtype(at::kLong).device(device()));
    at::Tensor relative = ids.unsqueeze(1) - ids.unsqueeze(0);
    if (config_.position_buckets > 0 && config_.max_relative_positions > 0)
      relative = log_buckets(relative, config_.position_buckets, config_.max_relative_positions);
    return at::clamp(relative + config_.span, 0, 2 * config_.span - 1);
  }

  // The c2p and p2c terms [batch, heads, n, n], each divided by the scale, in transformers' order.
  at::Tensor relative_scores(const DebertaLayer& layer, const at::Tensor& query,
                             const at::Tensor& key, const at::Tensor& index, double scale) const {
    const std::int64_t heads = config_.heads;
    const at::Tensor table = rel_embeddings_.to(at::kFloat).unsqueeze(0);
    const std::vector<std::int64_t> sizes = {query.size(0), heads, query.size(2), key.size(2)};
    at::Tensor scores;
    if (config_.c2p) {
      const Linear& projection = config_.share_att_key ? layer.key : layer.pos_key;
      const at::Tensor pos_key = split_heads(projection(table), heads);
      scores =
          at::gather(at::matmul(query, pos_key.transpose(-1, -2)), -1, index.expand(sizes)) / scale;
    }
    if (config_.p2c) {
      const Linear& projection = config_.share_att_key ? layer.query : layer.pos_query;
      const at::Tensor pos_query = split_heads(projection(table), heads);
      const at::Tensor p2c =
          at::gather(at::matmul(key, pos_query.transpose(-1, -2)), -1, index.t().expand(sizes))
              .transpose(-1, -2) /
          scale;
      scores = scores.defined() ? scores + p2c : p2c;
    }
    return scores.contiguous();
  }

  // ConvLayer: a 1-d convolution over the embeddings (padding zeroed, then the activation) added
  // to the first layer's output, LayerNorm, padding zeroed again.
  at::Tensor convolve(const at::Tensor& embedded, const at::Tensor& residual,
                      const at::Tensor& mask) const {
    at::Tensor out = at::conv1d(embedded.permute({0, 2, 1}).contiguous(),
                                conv_weight_.to(at::kFloat), conv_bias_.to(at::kFloat), 1,
                                (config_.conv_kernel - 1) / 2, 1, config_.conv_groups)
                         .permute({0, 2, 1});
    out = conv_activation_(out.masked_fill(mask.eq(0), 0));
    return conv_norm_(residual + out) * mask;
  }

  DebertaConfig config_;
  Activation activation_, conv_activation_;
  at::Tensor word_embeddings_, position_embeddings_, type_embeddings_, rel_embeddings_;
  Linear projection_;
  LayerNorm embedding_norm_, conv_norm_;
  at::Tensor conv_weight_, conv_bias_;
  std::vector<DebertaLayer> layers_;
};

// pos_att_type: a list (["p2c", "c2p"]) or, in older configs, one string ("p2c|c2p").
void read_position_terms(const JsonFields& json, DebertaConfig& config) {
  if (!json.has("pos_att_type")) return;
  const nlohmann::json& value = json.raw("pos_att_type");
  std::vector<std::string> terms;
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    for (std::size_t start = 0; start <= text.size();) {
      const std::size_t end = std::min(text.find('|', start), text.size());
      terms.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!item.is_string()) json.fail(": 'pos_att_type' must be a list of strings");
      terms.push_back(item.get<std::string>());
    }
  } else {
    json.fail(": 'pos_att_type' must be a list such as [\"p2c\", \"c2p\"]");
  }
  for (std::string term : terms) {
    term.erase(0, term.find_first_not_of(' '));
    term.erase(term.find_last_not_of(' ') + 1);
    for (char& c : term) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (term == "c2p") {
      config.c2p = true;
    } else if (term == "p2c") {
      config.p2c = true;
    } else if (!term.empty()) {
      json.fail(": pos_att_type '" + term + "' is not one DeBERTa-v2 has (c2p, p2c)");
    }
  }
}

}  // namespace

std::unique_ptr<Model> build_deberta_v2(const JsonFields& json, const WeightStore& weights,
                                        ModelInfo info, at::Device device) {
  DebertaConfig config;
  config.vocab_size = json.positive_int("vocab_size");
  config.hidden = json.positive_int("hidden_size");
  config.embedding_size = json.positive_int("embedding_size", config.hidden);
  config.layers = json.positive_int("num_hidden_layers");
  config.heads = json.positive_int("num_attention_heads");
  config.head_dim = json.positive_int("attention_head_size", config.hidden / config.heads);
  config.intermediate = json.positive_int("intermediate_size");
  config.max_positions = json.positive_int("max_position_embeddings");
  config.type_vocab_size = static_cast<int>(json.number("type_vocab_size", 0));
  config.layer_norm_eps = json.positive_number("layer_norm_eps");
  config.activation = json.text("hidden_act");
  config.position_biased_input = json.flag("position_biased_input", true);
  config.relative_attention = json.flag("relative_attention", false);
  config.share_att_key = json.flag("share_att_key", false);
  read_position_terms(json, config);
  config.norm_rel_embeddings =
      json.text("norm_rel_ebd", "none").find("layer_norm") != std::string::npos;
  config.position_buckets = static_cast<int>(json.number("position_buckets", -1));
  // transformers: max_relative_positions below 1 means max_position_embeddings.
  const int max_relative = static_cast<int>(json.number("max_relative_positions", -1));
  config.max_relative_positions = max_relative < 1 ? config.max_positions : max_relative;
  config.span =
      config.position_buckets > 0 ? config.position_buckets : config.max_relative_positions;
  config.conv_kernel = static_cast<int>(json.number("conv_kernel_size", 0));
  config.conv_groups = json.positive_int("conv_groups", 1);
  config.conv_activation = json.text("conv_act", "tanh");
  if (config.hidden % config.heads != 0) {
    json.fail(": hidden_size " + std::to_string(config.hidden) + " is not divisible by " +
              std::to_string(config.heads) + " heads");
  }
  if (config.type_vocab_size < 0) json.fail(": 'type_vocab_size' must not be negative");
  if (config.conv_kernel > 0 &&
      (config.conv_kernel % 2 == 0 || config.hidden % config.conv_groups != 0)) {
    json.fail(": conv_kernel_size " + std::to_string(config.conv_kernel) + " with conv_groups " +
              std::to_string(config.conv_groups) +
              " does not keep the sequence length (the kernel must be odd, the groups divide "
              "hidden_size)");
  }
  info.layers = config.layers;
  info.heads = config.heads;
  info.kv_heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  return std::make_unique<DebertaModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
