#include "batched_model.hpp"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstring>

#include "attnviz/error.hpp"

namespace attnviz::model {
namespace {

std::vector<float> to_floats(const at::Tensor& tensor) {
  const at::Tensor dense = tensor.to(at::kCPU, at::kFloat).contiguous();
  std::vector<float> values(static_cast<std::size_t>(dense.numel()));
  std::memcpy(values.data(), dense.data_ptr<float>(), values.size() * sizeof(float));
  return values;
}

// [layers, batch, heads, n, x] -> item b's [layers, heads, length, x]; x = n for probabilities.
std::vector<float> item_of(const at::Tensor& stacked, int b, int length, bool square) {
  at::Tensor item = stacked.select(1, b).narrow(2, 0, length);
  if (square) item = item.narrow(3, 0, length);
  return to_floats(item);
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
  }
  input.ids = input.ids.to(device_);
  input.type_ids = input.type_ids.to(device_);
  input.mask = input.mask.to(device_);
  return input;
}

std::vector<Attention> BatchedModel::attend(const std::vector<Encoding>& batch,
                                            const AttendOptions& options) const {
  const BatchInput input = make_batch(batch);
  c10::InferenceMode no_autograd;
  std::vector<LayerAttention> layers;
  try {
    layers = forward(input, options.with_queries_keys);
  } catch (const c10::Error& e) {
    throw Error("the forward pass of " + info_.name + " failed: " + e.what_without_backtrace());
  }
  std::vector<at::Tensor> probabilities, queries, keys;
  for (const auto& layer : layers) {
    probabilities.push_back(layer.probabilities);
    if (options.with_queries_keys) {
      queries.push_back(layer.queries);
      keys.push_back(layer.keys);
    }
  }
  const at::Tensor stacked = at::stack(probabilities).to(at::kCPU);
  const at::Tensor stacked_queries =
      options.with_queries_keys ? at::stack(queries).to(at::kCPU) : at::Tensor();
  const at::Tensor stacked_keys =
      options.with_queries_keys ? at::stack(keys).to(at::kCPU) : at::Tensor();

  std::vector<Attention> result;
  for (std::size_t b = 0; b < batch.size(); ++b) {
    const int length = input.lengths[b];
    Attention attention;
    attention.layers = info_.layers;
    attention.heads = info_.heads;
    attention.n = length;
    attention.causal = info_.causal;
    attention.weights = item_of(stacked, static_cast<int>(b), length, true);
    attention.tokens = labels_of(batch[b]);
    attention.special = batch[b].special.size() == batch[b].ids.size()
                            ? batch[b].special
                            : std::vector<bool>(batch[b].ids.size(), false);
    if (options.with_queries_keys) {
      attention.head_dim = static_cast<int>(stacked_queries.size(-1));
      attention.queries = item_of(stacked_queries, static_cast<int>(b), length, false);
      attention.keys = item_of(stacked_keys, static_cast<int>(b), length, false);
    }
    result.push_back(std::move(attention));
  }
  return result;
}

}  // namespace attnviz::model
