// T5 (and mT5, Flan-T5's gated-GELU checkpoints) as transformers' eager T5 classes run it:
// unscaled token embeddings, pre-norm blocks with T5's RMS norm (no mean subtracted, no bias),
// unscaled query · key scores plus a learned bias per relative-position bucket and head
// (bidirectional buckets in the encoder, causal ones in the decoder), computed by each stack's
// first layer and shared by the rest (umT5: every layer has its own), no position bias in cross
// attention, a ReLU or gated-GELU feed-forward, a final norm per stack, and a head that scales the
// decoder's output by d_model^-0.5 where it is tied to the embedding.
#include <cmath>
#include <vector>

#include "activation.hpp"
#include "blocks.hpp"
#include "seq2seq_families.hpp"
#include "seq2seq_model.hpp"

namespace attnviz::model {
namespace {

struct T5Config {
  int vocab_size = 0;
  int hidden = 0;    // d_model
  int head_dim = 0;  // d_kv, which need not be d_model / num_heads
  int ffn = 0;       // d_ff
  int encoder_layers = 0;
  int decoder_layers = 0;
  int heads = 0;
  int buckets = 0;
  int max_distance = 0;
  double eps = 0;
  bool gated = false;  // wi_0, wi_1 (feed_forward_proj "gated-…")
  std::string activation;
  bool tied = true;
};

// _relative_position_bucket: exact buckets for small distances, logarithmic ones up to
// max_distance; bidirectional buckets spend half on keys after the query.
at::Tensor relative_buckets(const at::Tensor& relative, bool bidirectional, std::int64_t buckets,
                            std::int64_t max_distance) {
  at::Tensor result = at::zeros_like(relative);
  at::Tensor distance;
  if (bidirectional) {
    buckets /= 2;
    result = result + relative.gt(0).to(at::kLong) * buckets;
    distance = relative.abs();
  } else {
    distance = -at::min(relative, at::zeros_like(relative));
  }
  const std::int64_t max_exact = buckets / 2;
  const at::Tensor large =
      at::clamp_max(max_exact + (at::log(distance.to(at::kFloat) / static_cast<double>(max_exact)) /
                                 std::log(static_cast<double>(max_distance) / max_exact) *
                                 static_cast<double>(buckets - max_exact))
                                    .to(at::kLong),
                    buckets - 1);
  return result + at::where(distance.lt(max_exact), distance, large);
}

struct T5Layer {
  AttentionBlock self_attention, cross_attention;  // cross: decoder layers only
  RmsNorm self_norm, cross_norm, ffn_norm;
  Linear wi, wi_1, wo;       // wi is wi_0 where gated
  at::Tensor relative_bias;  // [buckets, heads]: the first layer's only
};

struct T5Stack {
  std::vector<T5Layer> layers;
  RmsNorm final_norm;
};

class T5Model final : public NativeSeq2SeqModel {
 public:
  T5Model(const T5Config& config, const WeightStore& store, Seq2SeqInfo info, at::Device device)
      : NativeSeq2SeqModel(std::move(info), device, config.vocab_size),
        config_(config),
        activation_(activation_named(config.activation)) {
    const WeightScope weights(store);
    shared_ = weights.get("shared.weight", {config.vocab_size, config.hidden});
    head_ = load_lm_head(store, shared_, config.tied, config.vocab_size, config.hidden);
    encoder_ = load_stack(weights.scope("encoder"), config.encoder_layers, false);
    decoder_ = load_stack(weights.scope("decoder"), config.decoder_layers, true);
  }

 protected:
  at::Tensor encode(const at::Tensor& ids, LayerProbabilities* kept) const override {
    at::Tensor hidden = embed(shared_, ids);
    const std::int64_t n = ids.size(1);
    at::Tensor bias;
    for (const T5Layer& layer : encoder_.layers) {
      if (layer.relative_bias.defined()) bias = position_bias(layer.relative_bias, n, true);
      const at::Tensor x = layer.self_norm(hidden);
      hidden = hidden + layer.self_attention(x, x, bias, kept);
      hidden = hidden + feed_forward(layer, hidden);
    }
    return encoder_.final_norm(hidden);
  }

  at::Tensor decode(const at::Tensor& ids, const at::Tensor& encoded,
                    KeptAttention* kept) const override {
    at::Tensor hidden = embed(shared_, ids);
    const std::int64_t m = ids.size(1);
    const at::Tensor mask = causal_mask(m, hidden.options());
    at::Tensor bias;
    for (const T5Layer& layer : decoder_.layers) {
      // The mask is part of the bias the later layers share, as in transformers.
      if (layer.relative_bias.defined()) bias = position_bias(layer.relative_bias, m, false) + mask;
      const at::Tensor x = layer.self_norm(hidden);
      hidden = hidden + layer.self_attention(x, x, bias, kept ? &kept->decoder : nullptr);
      hidden = hidden + layer.cross_attention(layer.cross_norm(hidden), encoded, at::Tensor(),
                                              kept ? &kept->cross : nullptr);
      hidden = hidden + feed_forward(layer, hidden);
    }
    return decoder_.final_norm(hidden);
  }

  at::Tensor logits(const at::Tensor& decoded) const override {
    return head_(config_.tied ? decoded * std::pow(config_.hidden, -0.5) : decoded);
  }

 private:
  T5Stack load_stack(const WeightScope& weights, int count, bool decoder) const {
    const std::int64_t hidden = config_.hidden;
    const std::int64_t heads = config_.heads;
    const auto norm = [&](const WeightScope& scope) {
      return load_rms_norm(scope, "layer_norm", hidden, config_.eps);
    };
    const auto attention = [&](const WeightScope& scope) {
      return load_attention(scope, {"q", "k", "v", "o", Bias::without}, hidden, heads,
                            config_.head_dim, 1.0);
    };
    T5Stack stack;
    for (int l = 0; l < count; ++l) {
      const WeightScope block = weights.scope("block").scope(l);
      const WeightScope self = block.scope("layer").scope(std::size_t{0});
      T5Layer layer;
      layer.self_attention = attention(self.scope("SelfAttention"));
      layer.self_norm = norm(self);
      if (l == 0) {
        layer.relative_bias =
            self.get("SelfAttention.relative_attention_bias.weight", {config_.buckets, heads});
      }
      if (decoder) {
        const WeightScope cross = block.scope("layer").scope(1);
        layer.cross_attention = attention(cross.scope("EncDecAttention"));
        layer.cross_norm = norm(cross);
      }
      const WeightScope ffn = block.scope("layer").scope(decoder ? 2 : 1);
      const WeightScope dense = ffn.scope("DenseReluDense");
      layer.wi =
          load_linear(dense, config_.gated ? "wi_0" : "wi", config_.ffn, hidden, Bias::without);
      if (config_.gated)
        layer.wi_1 = load_linear(dense, "wi_1", config_.ffn, hidden, Bias::without);
      layer.wo = load_linear(dense, "wo", hidden, config_.ffn, Bias::without);
      layer.ffn_norm = norm(ffn);
      stack.layers.push_back(std::move(layer));
    }
    stack.final_norm = load_rms_norm(weights, "final_layer_norm", hidden, config_.eps);
    return stack;
  }

  // compute_bias: the bucket of key position - query position, looked up per head, as
  // [1, heads, n, n].
  at::Tensor position_bias(const at::Tensor& table, std::int64_t n, bool bidirectional) const {
    const at::Tensor positions = at::arange(n, table.options().dtype(at::kLong));
    const at::Tensor relative = positions.unsqueeze(0) - positions.unsqueeze(1);
    const at::Tensor buckets =
        relative_buckets(relative, bidirectional, config_.buckets, config_.max_distance);
    return embed(table, buckets).permute({2, 0, 1}).unsqueeze(0);
  }

  at::Tensor feed_forward(const T5Layer& layer, const at::Tensor& hidden) const {
    const at::Tensor x = layer.ffn_norm(hidden);
    const at::Tensor inner =
        config_.gated ? activation_(layer.wi(x)) * layer.wi_1(x) : activation_(layer.wi(x));
    return layer.wo(inner);
  }

  T5Config config_;
  Activation activation_;
  at::Tensor shared_;
  LmHead head_;
  T5Stack encoder_, decoder_;
};

// The config fields, `tied` where config.json does not say (T5Config's default true, MT5Config's
// false).
std::unique_ptr<Seq2SeqModel> make_t5_model(const JsonFields& config, const WeightStore& weights,
                                            Seq2SeqInfo info, at::Device device, bool tied) {
  T5Config t5;
  t5.vocab_size = config.positive_int("vocab_size");
  t5.hidden = config.positive_int("d_model");
  t5.head_dim = config.positive_int("d_kv");
  t5.ffn = config.positive_int("d_ff");
  t5.encoder_layers = config.positive_int("num_layers");
  t5.decoder_layers = config.positive_int("num_decoder_layers", t5.encoder_layers);
  t5.heads = config.positive_int("num_heads");
  t5.buckets = config.positive_int("relative_attention_num_buckets");
  t5.max_distance = config.positive_int("relative_attention_max_distance", 128);
  t5.eps = config.positive_number("layer_norm_epsilon");
  // feed_forward_proj is "relu", "gated-gelu" or "[gated-]ACT"; transformers keeps the activation
  // in dense_act_fn, except that "gated-gelu" means gelu_new.
  const std::string projection = config.text("feed_forward_proj", "relu");
  t5.gated = projection.rfind("gated-", 0) == 0;
  const std::string act = t5.gated ? projection.substr(6) : projection;
  t5.activation = config.text("dense_act_fn", act == "gelu" && t5.gated ? "gelu_new" : act);
  t5.tied = config.flag("tie_word_embeddings", tied);
  if (t5.buckets < 4) config.fail(": relative_attention_num_buckets must be 4 or more");
  info.encoder_layers = t5.encoder_layers;
  info.decoder_layers = t5.decoder_layers;
  info.encoder_heads = t5.heads;
  info.decoder_heads = t5.heads;
  info.hidden = t5.hidden;
  return std::make_unique<T5Model>(t5, weights, std::move(info), device);
}

}  // namespace

std::unique_ptr<Seq2SeqModel> build_t5(const JsonFields& config, const WeightStore& weights,
                                       Seq2SeqInfo info, at::Device device) {
  return make_t5_model(config, weights, std::move(info), device, true);
}

std::unique_ptr<Seq2SeqModel> build_mt5(const JsonFields& config, const WeightStore& weights,
                                        Seq2SeqInfo info, at::Device device) {
  return make_t5_model(config, weights, std::move(info), device, false);
}

}  // namespace attnviz::model
