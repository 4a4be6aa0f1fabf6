#include "batched_model.hpp"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>

#include "attnviz/error.hpp"

namespace attnviz::model {
namespace {

// One band of a long input's scores (SmolLM2 at 8,192 tokens: 2 MB 11.9 s, 8 MB 10.6 s, 32 MB 32.7
// s for one head of layer 12).
constexpr std::size_t kBandBytes = std::size_t{8} << 20;

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

at::Tensor BatchedModel::repeat_kv(const at::Tensor& x, std::int64_t heads) {
  const std::int64_t kv_heads = x.size(1);
  if (kv_heads == heads) return x;
  return x.unsqueeze(2)
      .expand({x.size(0), kv_heads, heads / kv_heads, x.size(2), x.size(3)})
      .reshape({x.size(0), heads, x.size(2), x.size(3)});
}

namespace {

// query · keyᵀ of every head into `scores` [batch, heads, rows, keys] (the batched product
// at::matmul does for 4-d inputs, with an output of our choosing), then the rule and the mask.
void fill_scores(at::Tensor& scores, const at::Tensor& query, const at::Tensor& key,
                 const ScoreRule& rule, const at::Tensor& mask) {
  const std::int64_t batch_heads = query.size(0) * query.size(1);
  at::Tensor out = scores.view({batch_heads, query.size(2), key.size(2)});
  at::bmm_out(out, query.reshape({batch_heads, query.size(2), query.size(3)}),
              key.transpose(-1, -2).reshape({batch_heads, key.size(3), key.size(2)}));
  if (rule.bias_before_scale.defined()) scores.add_(rule.bias_before_scale);
  if (rule.factor != 1.0) {
    if (rule.scale == ScoreRule::Scale::divide) {
      scores.div_(rule.factor);
    } else {
      scores.mul_(rule.factor);
    }
  }
  if (rule.bias_after_scale.defined()) scores.add_(rule.bias_after_scale);
  if (rule.softcap > 0) scores.div_(rule.softcap).tanh_().mul_(rule.softcap);
  if (mask.defined()) scores.masked_fill_(mask, std::numeric_limits<float>::lowest());
}

// probabilities · values [batch, heads, n, d] merged into [batch, n, heads * d].
at::Tensor merge_heads(const at::Tensor& context) {
  return context.permute({0, 2, 1, 3})
      .contiguous()
      .view({context.size(0), context.size(2), context.size(1) * context.size(3)});
}

}  // namespace

at::Tensor AttentionPass::view_of(at::Tensor& buffer, at::IntArrayRef sizes,
                                  const at::Tensor& like) {
  std::int64_t count = 1;
  for (const auto size : sizes) count *= size;
  if (!buffer.defined() || buffer.numel() < count) buffer = at::empty({count}, like.options());
  return buffer.narrow(0, 0, count).view(sizes);
}

int AttentionPass::layers_needed() const {
  int needed = 0;
  for (const auto& keeper : keepers) needed = std::max(needed, keeper.layers_needed());
  return needed;
}

bool AttentionPass::keeps_head(std::size_t layer, std::int64_t head) const {
  return std::any_of(keepers.begin(), keepers.end(), [&](const AttentionKeeper& keeper) {
    return keeper.keeps_layer(static_cast<int>(layer)) && keeper.keeps_head(static_cast<int>(head));
  });
}

at::Tensor AttentionPass::destination(std::size_t layer, std::int64_t heads) const {
  if (keepers.size() != 1 || !input.ids.device().is_cpu()) return {};
  AttentionKeeper& keeper = keepers[0];
  if (!keeper.keeps_whole_layer(static_cast<int>(layer))) return {};
  const std::int64_t n = input.ids.size(1);
  return at::from_blob(keeper.layer_storage(static_cast<int>(layer)), {1, heads, n, n}, at::kFloat);
}

void AttentionPass::keep(std::size_t layer, std::int64_t head, std::int64_t row,
                         const at::Tensor& weights) {
  const at::Tensor written = destination(layer, weights.size(1));
  if (written.defined() && written.data_ptr() == weights.data_ptr()) return;
  const at::Tensor values = weights.to(at::kCPU, at::kFloat).contiguous();
  const std::int64_t heads = values.size(1), rows = values.size(2), keys = values.size(3);
  for (std::size_t b = 0; b < keepers.size(); ++b) {
    const int length = input.lengths[b];
    for (std::int64_t h = 0; h < heads; ++h) {
      const float* at =
          values.data_ptr<float>() + (static_cast<std::int64_t>(b) * heads + h) * rows * keys;
      keepers[b].take(static_cast<int>(layer), static_cast<int>(head + h), static_cast<int>(row),
                      std::min(static_cast<int>(rows), std::max(0, length - static_cast<int>(row))),
                      std::min(static_cast<int>(keys), length), at, static_cast<std::size_t>(keys));
    }
  }
}

void AttentionPass::keep_vectors(std::size_t layer, const at::Tensor& queries,
                                 const at::Tensor& keys) {
  const at::Tensor q = queries.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor k = keys.to(at::kCPU, at::kFloat).contiguous();
  const std::int64_t heads = q.size(1), n = q.size(2), dim = q.size(3);
  for (std::size_t b = 0; b < keepers.size(); ++b) {
    for (std::int64_t h = 0; h < heads; ++h) {
      const std::int64_t at = (static_cast<std::int64_t>(b) * heads + h) * n * dim;
      keepers[b].take_vectors(static_cast<int>(layer), static_cast<int>(h), static_cast<int>(dim),
                              q.data_ptr<float>() + at, k.data_ptr<float>() + at);
    }
  }
}

at::Tensor BatchedModel::attend_layer(AttentionPass& pass, const at::Tensor& query,
                                      const at::Tensor& key, const at::Tensor& value,
                                      const ScoreRule& rule, const at::Tensor& mask,
                                      std::size_t layer) {
  const std::int64_t batch = query.size(0), heads = query.size(1), n = query.size(2);
  const bool last = static_cast<int>(layer) + 1 >= pass.layers_needed();
  if (pass.with_queries_keys) pass.keep_vectors(layer, query, repeat_kv(key, heads));
  const auto bytes_per_row = static_cast<std::size_t>(batch * n) * sizeof(float);
  if (bytes_per_row * static_cast<std::size_t>(heads * n) <= pass.scores_bytes) {
    // The whole layer at once: every head in one batched product, the softmax written straight
    // into the kept storage where it can be.
    at::Tensor scores = AttentionPass::view_of(pass.scores, {batch, heads, n, n}, query);
    fill_scores(scores, query, repeat_kv(key, heads), rule, mask);
    at::Tensor probabilities = pass.destination(layer, heads);
    if (!probabilities.defined())
      probabilities = AttentionPass::view_of(pass.probabilities, {batch, heads, n, n}, query);
    at::softmax_out(probabilities, scores, -1);
    pass.keep(layer, 0, 0, probabilities);
    if (last) return {};
    return merge_heads(at::matmul(probabilities, repeat_kv(value, heads)));
  }
  // A long input: head by head, in bands of query rows of about kBandBytes of scores, small enough
  // that scaling, masking, softmax and the product with the values find them in cache. Each row's
  // softmax is the same as in the whole layer: a causal model's keys after the band are masked, so
  // they are left out of it, which skips about half the work of the whole matrix.
  const std::int64_t band = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::min(kBandBytes, pass.scores_bytes / 2) / bytes_per_row), 1, n);
  const std::int64_t group = heads / key.size(1);
  at::Tensor context;
  if (!last) context = at::empty({batch, heads, n, value.size(3)}, value.options());
  for (std::int64_t h = 0; h < heads; ++h) {
    // In the last layer needed only the heads kept are computed.
    if (last && !pass.keeps_head(layer, h)) continue;
    const at::Tensor q = query.narrow(1, h, 1), k = key.narrow(1, h / group, 1);
    const at::Tensor v = value.narrow(1, h / group, 1);
    for (std::int64_t row = 0; row < n; row += band) {
      const std::int64_t rows = std::min(band, n - row), keys = pass.causal ? row + rows : n;
      at::Tensor scores = AttentionPass::view_of(pass.scores, {batch, 1, rows, keys}, query);
      at::Tensor band_mask = mask;  // [batch or 1, 1, n or 1 (padding only), n]
      if (mask.defined()) {
        band_mask = mask.narrow(3, 0, keys);
        if (mask.size(2) > 1) band_mask = band_mask.narrow(2, row, rows);
      }
      ScoreRule band_rule = rule;
      for (at::Tensor* bias : {&band_rule.bias_before_scale, &band_rule.bias_after_scale}) {
        if (!bias->defined()) continue;
        *bias = bias->narrow(1, h, 1).narrow(3, 0, keys);
        // A bias per query too ([batch, heads, n, n]: DeBERTa's relative terms).
        if (bias->size(2) > 1) *bias = bias->narrow(2, row, rows);
      }
      fill_scores(scores, q.narrow(2, row, rows), k.narrow(2, 0, keys), band_rule, band_mask);
      at::Tensor probabilities =
          AttentionPass::view_of(pass.probabilities, {batch, 1, rows, keys}, query);
      at::softmax_out(probabilities, scores, -1);
      pass.keep(layer, h, row, probabilities);
      if (!last)
        context.narrow(1, h, 1)
            .narrow(2, row, rows)
            .copy_(at::matmul(probabilities, v.narrow(2, 0, keys)));
    }
  }
  return last ? at::Tensor() : merge_heads(context);
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
  // Keys at or before query - window, as transformers' sliding_attend_mask; where keys after the
  // query are seen (ModernBERT), those at or after query + window too.
  if (window > 0) {
    at::Tensor out_of_window = at::ones({n_, n_}, options).tril(-window);
    if (!causal_)
      out_of_window = out_of_window.logical_or(at::ones({n_, n_}, options).triu(window));
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

std::vector<AttentionKeeper> BatchedModel::keepers_for(const std::vector<Encoding>& batch,
                                                       const std::vector<int>& lengths,
                                                       const AttendOptions& options) const {
  std::vector<AttentionKeeper> keepers;
  for (std::size_t b = 0; b < batch.size(); ++b) {
    Attention input;
    input.layers = info_.layers;
    input.heads = info_.heads;
    input.n = lengths[b];
    input.causal = info_.causal;
    input.windows = info_.windows;
    input.heads_per_kv = info_.kv_heads > 0 ? info_.heads / info_.kv_heads : 1;
    input.tokens = labels_of(batch[b]);
    input.special = batch[b].special.size() == batch[b].ids.size()
                        ? batch[b].special
                        : std::vector<bool>(batch[b].ids.size(), false);
    keepers.emplace_back(options.keep, input);
  }
  return keepers;
}

MemoryNeed BatchedModel::memory_need(const std::vector<AttentionKeeper>& keepers,
                                     std::int64_t batch, std::int64_t n,
                                     const AttendOptions& options) const {
  MemoryNeed need;
  for (const auto& keeper : keepers) need.kept += keeper.kept_bytes();
  const auto cells = static_cast<std::size_t>(batch * n);
  // Scores and probabilities of a whole layer, or of one band of rows at a time.
  const std::size_t layer = cells * static_cast<std::size_t>(info_.heads * n) * sizeof(float);
  need.scores =
      2 * (layer <= options.scores_bytes ? layer : std::min(kBandBytes, options.scores_bytes / 2));
  // Hidden states, the MLP's wider ones and the attention context, a few of each alive at once
  // (24 hidden-wide float rows a token covers them in every family here), and the masks.
  need.activations = cells * static_cast<std::size_t>(info_.hidden) * sizeof(float) * 24 +
                     cells * static_cast<std::size_t>(n) * 2;
  return need;
}

MemoryNeed BatchedModel::memory_need(const std::vector<Encoding>& batch,
                                     const AttendOptions& options) const {
  std::vector<int> lengths;
  std::size_t longest = 0;
  for (const auto& encoding : batch) {
    lengths.push_back(static_cast<int>(encoding.ids.size()));
    longest = std::max(longest, encoding.ids.size());
  }
  return memory_need(keepers_for(batch, lengths, options), static_cast<std::int64_t>(batch.size()),
                     static_cast<std::int64_t>(longest), options);
}

namespace {

// Bytes the system can still give this process: MemAvailable, and the cgroup's limit where one
// is set and lower.
std::size_t memory_available() {
  std::size_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemAvailable:") available = kib * 1024;
    meminfo.ignore(64, '\n');
  }
  std::ifstream limit_file("/sys/fs/cgroup/memory.max"), used_file("/sys/fs/cgroup/memory.current");
  std::size_t limit = 0, used = 0;
  if (limit_file >> limit && used_file >> used && limit > used)
    available = available == 0 ? limit - used : std::min(available, limit - used);
  return available;
}

std::string gigabytes(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

}  // namespace

std::vector<Attention> BatchedModel::attend(const std::vector<Encoding>& batch,
                                            const AttendOptions& options) const {
  BatchInput input = make_batch(batch);
  std::vector<AttentionKeeper> keepers = keepers_for(batch, input.lengths, options);
  const MemoryNeed need = memory_need(keepers, input.ids.size(0), input.ids.size(1), options);
  const std::size_t available =
      options.memory_limit > 0 ? options.memory_limit : memory_available();
  if (available > 0 && need.total() > available) {
    throw Error("running " + info_.name + " on " + std::to_string(input.ids.size(1)) +
                " tokens needs about " + gigabytes(need.total()) + " beyond its weights (" +
                gigabytes(need.kept) + " for the attentions kept, " + gigabytes(need.scores) +
                " for one layer's scores, " + gigabytes(need.activations) +
                " for activations), but " + gigabytes(available) +
                (options.memory_limit > 0 ? " is allowed" : " is free") +
                ": keep fewer layers or heads (--layer N, --head N), a window of positions "
                "(--window A:B), or pool the cells into blocks (--blocks)");
  }
  c10::InferenceMode no_autograd;
  AttentionPass pass{
      input,        keepers,     options.with_queries_keys, info_.causal, options.scores_bytes,
      at::Tensor(), at::Tensor()};
  try {
    forward(input, pass);
  } catch (const c10::Error& e) {
    throw Error("the forward pass of " + info_.name + " failed: " + e.what_without_backtrace());
  }
  std::vector<Attention> result;
  for (auto& keeper : keepers) result.push_back(keeper.finish());
  return result;
}

}  // namespace attnviz::model
