#include "batched_model.hpp"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "attnviz/error.hpp"

namespace attnviz::model {
namespace {

// Appends input b's own rows (and, for probabilities, columns) of one layer's [batch, heads, n, x]
// tensor to `out`: the one copy from libtorch's storage into the plain floats of an Attention.
void append_item(const at::Tensor& layer, int b, int length, bool square, std::vector<float>& out) {
  at::Tensor item = layer.select(0, b).narrow(1, 0, length);
  if (square) item = item.narrow(2, 0, length);
  item = item.to(at::kCPU, at::kFloat).contiguous();
  const float* values = item.data_ptr<float>();
  out.insert(out.end(), values, values + item.numel());
}

// What to call each token in pictures: its display text, else its vocabulary string, else its id
// (an encoding made from bare ids has neither).
std::vector<std::string> labels_of(const Encoding& encoding) {
  if (encoding.display.size() == encoding.ids.size()) return encoding.display;
  if (encoding.tokens.size() == encoding.ids.size()) return encoding.tokens;
  std::vector<std::string> labels;
  for (const auto id : encoding.ids) labels.push_back(std::to_string(id));
  return labels;
}

}  // namespace

BatchedModel::BatchedModel(ModelInfo info, at::Device device, int vocab_size, int type_vocab_size)
    : info_(std::move(info)),
      device_(device),
      vocab_size_(vocab_size),
      type_vocab_size_(type_vocab_size) {}

at::Tensor BatchedModel::split_heads(const at::Tensor& x, std::int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}

at::Tensor BatchedModel::weighted_values(const at::Tensor& probabilities, const at::Tensor& value) {
  const at::Tensor context = at::matmul(probabilities, value);
  return context.permute({0, 2, 1, 3})
      .contiguous()
      .view({context.size(0), context.size(2), context.size(1) * context.size(3)});
}

void BatchedModel::attention_scores(at::Tensor& scores, const at::Tensor& query,
                                    const at::Tensor& key) {
  // The batched product at::matmul does for 4-d inputs, with an output of our choosing.
  const std::int64_t batch_heads = query.size(0) * query.size(1);
  at::Tensor out = scores.view({batch_heads, query.size(2), key.size(2)});
  at::bmm_out(out, query.reshape({batch_heads, query.size(2), query.size(3)}),
              key.transpose(-1, -2).reshape({batch_heads, key.size(3), key.size(2)}));
}

at::Tensor BatchedModel::softmax_probabilities(const at::Tensor& scores, const BatchInput& input,
                                               std::size_t layer) {
  if (layer >= input.probability_outputs.size()) return at::softmax(scores, -1);
  at::Tensor out = input.probability_outputs[layer];
  at::softmax_out(out, scores, -1);
  return out;
}

at::Tensor BatchedModel::repeat_kv(const at::Tensor& x, std::int64_t heads) {
  const std::int64_t kv_heads = x.size(1);
  if (kv_heads == heads) return x;
  return x.unsqueeze(2)
      .expand({x.size(0), kv_heads, heads / kv_heads, x.size(2), x.size(3)})
      .reshape({x.size(0), heads, x.size(2), x.size(3)});
}

at::Tensor BatchedModel::attention_probabilities(at::Tensor& scores, const at::Tensor& query,
                                                 const at::Tensor& key, const ScoreRule& rule,
                                                 const at::Tensor& mask, const BatchInput& input,
                                                 std::size_t layer) {
  attention_scores(scores, query, repeat_kv(key, query.size(1)));
  if (rule.factor != 1.0) {
    if (rule.scale == ScoreRule::Scale::divide) {
      scores.div_(rule.factor);
    } else {
      scores.mul_(rule.factor);
    }
  }
  if (rule.softcap > 0) scores.div_(rule.softcap).tanh_().mul_(rule.softcap);
  if (mask.defined()) scores.masked_fill_(mask, std::numeric_limits<float>::lowest());
  return softmax_probabilities(scores, input, layer);
}

AttentionMasks::AttentionMasks(const BatchInput& input, bool causal)
    : n_(input.ids.size(1)), causal_(causal), device_(input.ids.device()) {
  if (input.padded) padding_ = input.mask.eq(0).view({input.ids.size(0), 1, 1, n_});
}

const at::Tensor& AttentionMasks::for_window(int window) {
  auto found = masks_.find(window);
  if (found != masks_.end()) return found->second;
  at::Tensor mask;
  const auto options = at::TensorOptions().dtype(at::kBool).device(device_);
  if (causal_) mask = at::ones({n_, n_}, options).triu(1);
  // Keys at or before query - window, as transformers' sliding_attend_mask.
  if (window > 0) {
    const at::Tensor out_of_window = at::ones({n_, n_}, options).tril(-window);
    mask = mask.defined() ? mask.logical_or(out_of_window) : out_of_window;
  }
  if (mask.defined()) mask = mask.view({1, 1, n_, n_});
  if (padding_.defined()) mask = mask.defined() ? mask.logical_or(padding_) : padding_;
  return masks_.emplace(window, mask).first->second;
}

BatchInput BatchedModel::make_batch(const std::vector<Encoding>& batch) const {
  if (batch.empty()) throw Error("no input to run the model on");
  std::size_t longest = 0;
  for (const auto& encoding : batch) {
    if (encoding.ids.empty()) throw Error("the input is empty: give some text to look at");
    if (encoding.type_ids.size() != encoding.ids.size()) {
      throw Error("an encoding has " + std::to_string(encoding.type_ids.size()) + " type ids for " +
                  std::to_string(encoding.ids.size()) + " tokens");
    }
    if (encoding.ids.size() > static_cast<std::size_t>(info_.max_positions)) {
      throw Error("the input has " + std::to_string(encoding.ids.size()) + " tokens but " +
                  info_.name + " takes at most " + std::to_string(info_.max_positions) +
                  "; truncate it first");
    }
    for (std::size_t i = 0; i < encoding.ids.size(); ++i) {
      if (encoding.ids[i] < 0 || encoding.ids[i] >= vocab_size_) {
        throw Error("token id " + std::to_string(encoding.ids[i]) + " at position " +
                    std::to_string(i) + " is outside the vocabulary of " +
                    std::to_string(vocab_size_) + " tokens");
      }
      const int type_limit = std::max(type_vocab_size_, 1);
      if (type_limit == 1 && encoding.type_ids[i] > 0) {
        throw Error(info_.name +
                    " has no token types, so it cannot tell the two sentences of a pair apart: "
                    "run one text (sentence pairs, --pair, are for BERT-like models)");
      }
      if (encoding.type_ids[i] < 0 || encoding.type_ids[i] >= type_limit) {
        throw Error("token type id " + std::to_string(encoding.type_ids[i]) + " at position " +
                    std::to_string(i) + " is not below the model's type_vocab_size " +
                    std::to_string(type_limit));
      }
    }
    longest = std::max(longest, encoding.ids.size());
  }
  const auto rows = static_cast<std::int64_t>(batch.size());
  const auto columns = static_cast<std::int64_t>(longest);
  BatchInput input;
  input.ids = at::zeros({rows, columns}, at::kLong);
  input.type_ids = at::zeros({rows, columns}, at::kLong);
  input.mask = at::zeros({rows, columns}, at::kFloat);
  auto ids = input.ids.accessor<std::int64_t, 2>();
  auto type_ids = input.type_ids.accessor<std::int64_t, 2>();
  auto mask = input.mask.accessor<float, 2>();
  for (std::int64_t b = 0; b < rows; ++b) {
    const auto& encoding = batch[static_cast<std::size_t>(b)];
    for (std::size_t i = 0; i < encoding.ids.size(); ++i) {
      ids[b][static_cast<std::int64_t>(i)] = encoding.ids[i];
      type_ids[b][static_cast<std::int64_t>(i)] = encoding.type_ids[i];
      mask[b][static_cast<std::int64_t>(i)] = 1.0F;
    }
    input.lengths.push_back(static_cast<int>(encoding.ids.size()));
    input.padded = input.padded || encoding.ids.size() < longest;
  }
  input.ids = input.ids.to(device_);
  input.type_ids = input.type_ids.to(device_);
  input.mask = input.mask.to(device_);
  return input;
}

std::vector<Attention> BatchedModel::attend(const std::vector<Encoding>& batch,
                                            const AttendOptions& options) const {
  BatchInput input = make_batch(batch);
  c10::InferenceMode no_autograd;
  const std::size_t heads = static_cast<std::size_t>(info_.heads);
  std::vector<Attention> result(batch.size());
  for (std::size_t b = 0; b < batch.size(); ++b) {
    Attention& attention = result[b];
    attention.layers = info_.layers;
    attention.heads = info_.heads;
    attention.n = input.lengths[b];
    attention.causal = info_.causal;
    attention.windows = info_.windows;
    attention.heads_per_kv = info_.kv_heads > 0 ? info_.heads / info_.kv_heads : 1;
    attention.tokens = labels_of(batch[b]);
    attention.special = batch[b].special.size() == batch[b].ids.size()
                            ? batch[b].special
                            : std::vector<bool>(batch[b].ids.size(), false);
  }
  // One input on the CPU needs no cropping: each layer's softmax writes straight into the
  // Attention's storage, and the attentions are never copied.
  const bool in_place = batch.size() == 1 && device_.is_cpu();
  const auto n = static_cast<std::size_t>(input.lengths[0]);
  if (in_place) {
    result[0].weights.resize(static_cast<std::size_t>(info_.layers) * heads * n * n);
    for (std::size_t l = 0; l < static_cast<std::size_t>(info_.layers); ++l) {
      input.probability_outputs.push_back(
          at::from_blob(result[0].weights.data() + l * heads * n * n,
                        {1, static_cast<std::int64_t>(heads), static_cast<std::int64_t>(n),
                         static_cast<std::int64_t>(n)},
                        at::kFloat));
    }
  }
  std::vector<LayerAttention> layers;
  try {
    layers = forward(input, options.with_queries_keys);
  } catch (const c10::Error& e) {
    throw Error("the forward pass of " + info_.name + " failed: " + e.what_without_backtrace());
  }
  const std::size_t head_dim =
      options.with_queries_keys ? static_cast<std::size_t>(layers.at(0).queries.size(-1)) : 0;
  for (std::size_t b = 0; b < batch.size(); ++b) {
    const auto length = static_cast<std::size_t>(input.lengths[b]);
    Attention& attention = result[b];
    // Reserved, not resized: appending writes each value once, with no zero-filling first.
    if (!in_place) attention.weights.reserve(layers.size() * heads * length * length);
    if (options.with_queries_keys) {
      attention.head_dim = static_cast<int>(head_dim);
      attention.queries.reserve(layers.size() * heads * length * head_dim);
      attention.keys.reserve(attention.queries.capacity());
    }
  }
  // Layer by layer, so that each layer's tensors are freed as soon as they are copied out: the peak
  // holds one copy of the attentions, not two.
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (std::size_t b = 0; b < batch.size(); ++b) {
      const int length = input.lengths[b];
      Attention& attention = result[b];
      if (!in_place) {
        append_item(layers[l].probabilities, static_cast<int>(b), length, true, attention.weights);
      } else if (layers[l].probabilities.data_ptr() != input.probability_outputs[l].data_ptr()) {
        // An implementation that cannot write in place (TorchScript): copy into the layer's slot.
        const at::Tensor item =
            layers[l].probabilities.select(0, 0).to(at::kCPU, at::kFloat).contiguous();
        std::memcpy(attention.weights.data() + l * heads * n * n, item.data_ptr<float>(),
                    heads * n * n * sizeof(float));
      }
      if (options.with_queries_keys) {
        append_item(layers[l].queries, static_cast<int>(b), length, false, attention.queries);
        append_item(layers[l].keys, static_cast<int>(b), length, false, attention.keys);
      }
    }
    layers[l] = LayerAttention{};
  }
  return result;
}

}  // namespace attnviz::model
