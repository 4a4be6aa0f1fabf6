// The encoder-decoder of BART and the families built like it (mBART, Marian, Pegasus, M2M100), as
// transformers' eager classes run it: token embeddings times embed_scale plus positions, blocks of
// self-attention, cross attention (decoder) and a two-layer feed-forward, each with a residual
// connection and a LayerNorm after it (BART, Marian) or before it (mBART, Pegasus, M2M100, which
// then norm each stack's output too). Queries are multiplied by head_dim^-0.5.
#include "bart_style_model.hpp"

#include <cmath>
#include <functional>
#include <vector>

#include "activation.hpp"
#include "blocks.hpp"
#include "seq2seq_model.hpp"

namespace attnviz::model {
namespace {

// BartLearnedPositionalEmbedding's table starts two rows before position 0; M2M100's positions
// start after the padding id, in a table of the same two extra rows.
constexpr std::int64_t kPositionOffset = 2;
// nn.LayerNorm's default: these configs have no eps.
constexpr double kLayerNormEps = 1e-5;

// Marian's and Pegasus's table (create_sinusoidal_embeddings / _init_weight): angle pos / 10000^(2
// (j // 2) / dim) in float64, the sines of the even columns in the first half, the cosines of the
// odd ones after them.
at::Tensor sinusoidal_table(std::int64_t rows, std::int64_t dim) {
  const at::Tensor pos = at::arange(rows, at::kDouble).unsqueeze(1);
  const at::Tensor j = at::arange(dim, at::kLong);
  const at::Tensor angles =
      pos / at::pow(10000.0, at::floor_divide(j, 2).to(at::kDouble) * 2 / static_cast<double>(dim));
  using at::indexing::None;
  using at::indexing::Slice;
  return at::cat({at::sin(angles.index({Slice(), Slice(0, None, 2)})),
                  at::cos(angles.index({Slice(), Slice(1, None, 2)}))},
                 1)
      .to(at::kFloat);
}

// M2M100's table (fairseq's get_embedding), in float32 as transformers computes it: sines then
// cosines of pos · exp(-i · log(10000) / (half - 1)), a zero column for an odd dim, and the padding
// row zero.
at::Tensor padded_sinusoidal_table(std::int64_t rows, std::int64_t dim, std::int64_t padding) {
  const std::int64_t half = dim / 2;
  const double step = std::log(10000.0) / static_cast<double>(half - 1);
  const at::Tensor frequencies = at::exp(at::arange(half, at::kLong).to(at::kFloat) * -step);
  const at::Tensor angles =
      at::arange(rows, at::kLong).to(at::kFloat).unsqueeze(1) * frequencies.unsqueeze(0);
  at::Tensor table = at::cat({at::sin(angles), at::cos(angles)}, 1).view({rows, -1});
  if (dim % 2 == 1) table = at::cat({table, at::zeros({rows, 1})}, 1);
  if (padding >= 0 && padding < rows) table[padding].zero_();
  return table;
}

struct BartStyleLayer {
  AttentionBlock self_attention, cross_attention;  // cross: decoder layers only
  LayerNorm self_norm, cross_norm, final_norm;
  Linear fc1, fc2;
};

// One stack's embeddings (and, pre-norm, its last norm).
struct Stack {
  at::Tensor positions;  // learned or computed table
  LayerNorm embedding_norm, final_norm;
  std::vector<BartStyleLayer> layers;
};

class BartStyleModel final : public NativeSeq2SeqModel {
 public:
  BartStyleModel(const BartStyleConfig& config, const WeightStore& store, Seq2SeqInfo info,
                 at::Device device)
      : NativeSeq2SeqModel(std::move(info), device, config.vocab_size),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    const std::int64_t hidden = config.hidden;
    shared_ = weights.get("shared.weight", {config.vocab_size, hidden});
    head_ = load_lm_head(store, shared_, config.tied, config.vocab_size, hidden);
    encoder_ = load_stack(weights.scope("encoder"), config.encoder_layers, config.encoder_heads,
                          config.encoder_ffn, false, device);
    decoder_ = load_stack(weights.scope("decoder"), config.decoder_layers, config.decoder_heads,
                          config.decoder_ffn, true, device);
  }

 protected:
  at::Tensor encode(const at::Tensor& ids, LayerProbabilities* kept) const override {
    at::Tensor hidden = embed_input(encoder_, ids);
    for (const BartStyleLayer& layer : encoder_.layers) {
      hidden = sublayer(hidden, layer.self_norm, [&](const at::Tensor& x) {
        return layer.self_attention(x, x, at::Tensor(), kept);
      });
      hidden = feed_forward(hidden, layer);
    }
    return config_.pre_norm ? encoder_.final_norm(hidden) : hidden;
  }

  at::Tensor decode(const at::Tensor& ids, const at::Tensor& encoded,
                    KeptAttention* kept) const override {
    at::Tensor hidden = embed_input(decoder_, ids);
    const at::Tensor mask = causal_mask(ids.size(1), hidden.options());
    for (const BartStyleLayer& layer : decoder_.layers) {
      hidden = sublayer(hidden, layer.self_norm, [&](const at::Tensor& x) {
        return layer.self_attention(x, x, mask, kept ? &kept->decoder : nullptr);
      });
      hidden = sublayer(hidden, layer.cross_norm, [&](const at::Tensor& x) {
        return layer.cross_attention(x, encoded, at::Tensor(), kept ? &kept->cross : nullptr);
      });
      hidden = feed_forward(hidden, layer);
    }
    return config_.pre_norm ? decoder_.final_norm(hidden) : hidden;
  }

  at::Tensor logits(const at::Tensor& decoded) const override { return head_(decoded); }

 private:
  Stack load_stack(const WeightScope& weights, int layers, int heads, int ffn, bool decoder,
                   at::Device device) const {
    const std::int64_t hidden = config_.hidden;
    const auto norm = [&](const WeightScope& scope, const std::string& name) {
      return load_layer_norm(scope, name, hidden, kLayerNormEps);
    };
    Stack stack;
    const std::int64_t positions = config_.max_positions;
    switch (config_.positions) {
      case BartStyleConfig::Positions::learned:
        stack.positions =
            weights.get("embed_positions.weight", {positions + kPositionOffset, hidden});
        break;
      case BartStyleConfig::Positions::sinusoidal:
        stack.positions = sinusoidal_table(positions, hidden).to(device);
        break;
      case BartStyleConfig::Positions::padded_sinusoidal:
        stack.positions =
            padded_sinusoidal_table(positions + kPositionOffset, hidden, info().pad_token_id)
                .to(device);
        break;
    }
    if (config_.embedding_norm) stack.embedding_norm = norm(weights, "layernorm_embedding");
    if (config_.pre_norm) stack.final_norm = norm(weights, "layer_norm");
    const std::int64_t head_dim = hidden / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
    const auto attention = [&](const WeightScope& layer, const std::string& name) {
      return load_attention(
          layer, {name + ".q_proj", name + ".k_proj", name + ".v_proj", name + ".out_proj"}, hidden,
          heads, head_dim, scale);
    };
    for (int l = 0; l < layers; ++l) {
      const WeightScope layer = weights.scope("layers").scope(l);
      BartStyleLayer built;
      built.self_attention = attention(layer, "self_attn");
      built.self_norm = norm(layer, "self_attn_layer_norm");
      if (decoder) {
        built.cross_attention = attention(layer, "encoder_attn");
        built.cross_norm = norm(layer, "encoder_attn_layer_norm");
      }
      built.fc1 = load_linear(layer, "fc1", ffn, hidden);
      built.fc2 = load_linear(layer, "fc2", hidden, ffn);
      built.final_norm = norm(layer, "final_layer_norm");
      stack.layers.push_back(std::move(built));
    }
    return stack;
  }

  // Token embeddings times embed_scale plus each position's row, then layernorm_embedding.
  at::Tensor embed_input(const Stack& stack, const at::Tensor& ids) const {
    at::Tensor hidden = embed(shared_, ids);
    if (config_.embed_scale != 1.0) hidden = hidden * config_.embed_scale;
    const at::Tensor positions = position_ids(ids);
    // M2M100's table grows to whatever an input needs (its rows do not depend on its size).
    const std::int64_t rows = positions.max().item<std::int64_t>() + 1;
    hidden = hidden + embed(rows <= stack.positions.size(0)
                                ? stack.positions
                                : padded_sinusoidal_table(rows, config_.hidden, info().pad_token_id)
                                      .to(shared_.device()),
                            positions);
    return config_.embedding_norm ? stack.embedding_norm(hidden) : hidden;
  }

  at::Tensor position_ids(const at::Tensor& ids) const {
    const std::int64_t n = ids.size(1);
    switch (config_.positions) {
      case BartStyleConfig::Positions::learned:
        return at::arange(kPositionOffset, n + kPositionOffset, ids.options()).unsqueeze(0);
      case BartStyleConfig::Positions::sinusoidal:
        return at::arange(n, ids.options()).unsqueeze(0);
      case BartStyleConfig::Positions::padded_sinusoidal:
        break;
    }
    // create_position_ids_from_input_ids: padding stays at the padding row.
    const at::Tensor real = ids.ne(info().pad_token_id).to(at::kLong);
    return at::cumsum(real, 1) * real + info().pad_token_id;
  }

  // The residual connection around `f`, its LayerNorm before (pre-norm) or after it.
  at::Tensor sublayer(const at::Tensor& hidden, const LayerNorm& norm,
                      const std::function<at::Tensor(const at::Tensor&)>& f) const {
    return config_.pre_norm ? hidden + f(norm(hidden)) : norm(hidden + f(hidden));
  }

  at::Tensor feed_forward(const at::Tensor& hidden, const BartStyleLayer& layer) const {
    return sublayer(hidden, layer.final_norm,
                    [&](const at::Tensor& x) { return layer.fc2(activation_(layer.fc1(x))); });
  }

  BartStyleConfig config_;
  Activation activation_;
  at::Tensor shared_;
  LmHead head_;
  Stack encoder_, decoder_;
};

}  // namespace

BartStyleConfig read_bart_style_config(const JsonFields& config, bool scale_embedding) {
  BartStyleConfig out;
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("d_model");
  out.encoder_layers = config.positive_int("encoder_layers");
  out.decoder_layers = config.positive_int("decoder_layers");
  out.encoder_heads = config.positive_int("encoder_attention_heads");
  out.decoder_heads = config.positive_int("decoder_attention_heads");
  out.encoder_ffn = config.positive_int("encoder_ffn_dim");
  out.decoder_ffn = config.positive_int("decoder_ffn_dim");
  out.max_positions = config.positive_int("max_position_embeddings");
  out.activation = config.text("activation_function");
  if (config.flag("scale_embedding", scale_embedding))
    out.embed_scale = std::sqrt(static_cast<double>(out.hidden));
  out.tied = config.flag("tie_word_embeddings", true);
  for (const int heads : {out.encoder_heads, out.decoder_heads}) {
    if (out.hidden % heads != 0) {
      config.fail(": d_model " + std::to_string(out.hidden) + " is not divisible by " +
                  std::to_string(heads) + " heads");
    }
  }
  return out;
}

std::unique_ptr<Seq2SeqModel> make_bart_style_model(const BartStyleConfig& config,
                                                    const WeightStore& weights, Seq2SeqInfo info,
                                                    at::Device device) {
  info.encoder_layers = config.encoder_layers;
  info.decoder_layers = config.decoder_layers;
  info.encoder_heads = config.encoder_heads;
  info.decoder_heads = config.decoder_heads;
  info.hidden = config.hidden;
  // M2M100's computed table has no end.
  const bool unlimited = config.positions == BartStyleConfig::Positions::padded_sinusoidal;
  info.max_source_positions = unlimited ? 0 : config.max_positions;
  info.max_target_positions = unlimited ? 0 : config.max_positions;
  return std::make_unique<BartStyleModel>(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
