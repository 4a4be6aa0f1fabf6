#include "seq2seq_model.hpp"

#include <c10/core/InferenceMode.h>

#include <cstring>
#include <limits>

#include "attnviz/error.hpp"

namespace attnviz::model {

at::Tensor AttentionBlock::operator()(const at::Tensor& x, const at::Tensor& source,
                                      const at::Tensor& bias, LayerProbabilities* kept) const {
  // [1, n, heads * head_dim] seen as [1, heads, n, head_dim], as transformers splits heads.
  const auto split = [this](const at::Tensor& t) {
    return t.view({t.size(0), t.size(1), heads, head_dim}).transpose(1, 2);
  };
  at::Tensor queries = query(x);
  if (query_scale != 1.0) queries = queries * query_scale;
  const at::Tensor scores = at::matmul(split(queries), split(key(source)).transpose(-1, -2));
  const at::Tensor probabilities = at::softmax(bias.defined() ? scores + bias : scores, -1);
  if (kept != nullptr) kept->push_back(probabilities);
  const at::Tensor context = at::matmul(probabilities, split(value(source)))
                                 .transpose(1, 2)
                                 .reshape({x.size(0), x.size(1), heads * head_dim});
  return output(context);
}

AttentionBlock load_attention(const WeightScope& weights, const AttentionNames& names,
                              std::int64_t hidden, std::int64_t heads, std::int64_t head_dim,
                              double query_scale) {
  const std::int64_t inner = heads * head_dim;
  return AttentionBlock{load_linear(weights, names.query, inner, hidden, names.bias),
                        load_linear(weights, names.key, inner, hidden, names.bias),
                        load_linear(weights, names.value, inner, hidden, names.bias),
                        load_linear(weights, names.output, hidden, inner, names.bias),
                        heads,
                        head_dim,
                        query_scale};
}

at::Tensor causal_mask(std::int64_t m, const at::TensorOptions& options) {
  return at::full({m, m}, std::numeric_limits<float>::lowest(), options.dtype(at::kFloat))
      .triu(1)
      .view({1, 1, m, m});
}

at::Tensor LmHead::operator()(const at::Tensor& x) const {
  const at::Tensor scores = at::linear(x, weight.to(x.scalar_type()));
  return bias.defined() ? scores + bias : scores;
}

LmHead load_lm_head(const WeightStore& weights, const at::Tensor& shared, bool tied,
                    std::int64_t vocab, std::int64_t hidden) {
  LmHead head;
  head.weight = tied ? shared : weights.get_head("lm_head.weight", {vocab, hidden});
  if (weights.has_head("final_logits_bias"))
    head.bias = weights.get_head("final_logits_bias", {1, vocab});
  return head;
}

void read_special_ids(const JsonFields& config, Seq2SeqInfo& info) {
  const auto id = [&config](const char* key) {
    const auto& value = config.raw(key);
    if (!value.is_number_integer() || value.get<long long>() < 0)
      config.fail(": '" + std::string(key) + "' must be a token id (a whole number, 0 or more)");
    return value.get<std::int64_t>();
  };
  info.decoder_start_token_id = id("decoder_start_token_id");
  info.eos_token_id = id("eos_token_id");
  info.pad_token_id = id("pad_token_id");
}

NativeSeq2SeqModel::NativeSeq2SeqModel(Seq2SeqInfo info, at::Device device, std::int64_t vocab_size)
    : info_(std::move(info)), device_(device), vocab_size_(vocab_size) {}

at::Tensor NativeSeq2SeqModel::ids_tensor(const Encoding& encoding, const char* side,
                                          int max_positions) const {
  if (encoding.ids.empty()) throw Error(std::string("the ") + side + " has no tokens");
  if (max_positions > 0 && encoding.size() > static_cast<std::size_t>(max_positions)) {
    throw Error(std::string("the ") + side + " has " + std::to_string(encoding.size()) +
                " tokens but " + info_.name + " takes at most " + std::to_string(max_positions) +
                ": shorten it");
  }
  for (const std::int64_t id : encoding.ids) {
    if (id < 0 || id >= vocab_size_) {
      throw Error(std::string("the ") + side + " has token id " + std::to_string(id) + ", but " +
                  info_.name + "'s vocabulary has ids 0 to " + std::to_string(vocab_size_ - 1));
    }
  }
  return at::tensor(encoding.ids, at::kLong).view({1, -1}).to(device_);
}

namespace {

// Layer probabilities [1, heads, queries, keys] each as one Attention's plain float storage.
Attention to_attention(const LayerProbabilities& layers, const Encoding& queries) {
  const at::Tensor all = at::cat(layers, 0).to(at::kCPU, at::kFloat).contiguous();
  Attention attention;
  attention.layers = static_cast<int>(all.size(0));
  attention.heads = static_cast<int>(all.size(1));
  attention.n = static_cast<int>(all.size(2));
  attention.weights.resize(static_cast<std::size_t>(all.numel()));
  std::memcpy(attention.weights.data(), all.data_ptr<float>(), attention.weights.size() * 4);
  attention.tokens = queries.display;
  attention.special = queries.special;
  return attention;
}

}  // namespace

Seq2SeqAttentions NativeSeq2SeqModel::attend(const Encoding& source,
                                             const Encoding& decoder_input) const {
  const at::Tensor source_ids = ids_tensor(source, "source", info_.max_source_positions);
  const at::Tensor target_ids = ids_tensor(decoder_input, "target", info_.max_target_positions);
  c10::InferenceMode no_autograd;
  KeptAttention kept;
  decode(target_ids, encode(source_ids, &kept.encoder), &kept);
  Seq2SeqAttentions out{source, decoder_input, to_attention(kept.encoder, source),
                        to_attention(kept.decoder, decoder_input),
                        to_attention(kept.cross, decoder_input)};
  out.decoder.causal = true;
  out.cross.key_count = static_cast<int>(source.size());
  out.cross.key_tokens = source.display;
  out.cross.key_special = source.special;
  return out;
}

std::vector<std::int64_t> NativeSeq2SeqModel::generate(const Encoding& source,
                                                       int max_new_tokens) const {
  if (max_new_tokens < 1) throw Error("--max-new-tokens must be 1 or more");
  const at::Tensor source_ids = ids_tensor(source, "source", info_.max_source_positions);
  c10::InferenceMode no_autograd;
  const at::Tensor encoded = encode(source_ids, nullptr);
  std::vector<std::int64_t> ids{info_.decoder_start_token_id};
  // Each step runs the decoder over every token so far (no cache): the next token is the most
  // likely one after the last (argmax takes the first of equal scores, as torch's does).
  for (int step = 0; step < max_new_tokens; ++step) {
    if (info_.max_target_positions > 0 &&
        ids.size() > static_cast<std::size_t>(info_.max_target_positions)) {
      throw Error(info_.name + " takes at most " + std::to_string(info_.max_target_positions) +
                  " target tokens, and generation reached them without EOS: give a smaller "
                  "--max-new-tokens");
    }
    const at::Tensor target = at::tensor(ids, at::kLong).view({1, -1}).to(device_);
    const at::Tensor decoded = decode(target, encoded, nullptr);
    const at::Tensor last = logits(decoded.select(1, decoded.size(1) - 1));
    ids.push_back(last.argmax(-1).item<std::int64_t>());
    if (ids.back() == info_.eos_token_id) break;
  }
  return ids;
}

}  // namespace attnviz::model
