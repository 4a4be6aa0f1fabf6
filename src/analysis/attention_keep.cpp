#include "attnviz/attention_keep.hpp"

#include <algorithm>
#include <cstring>

#include "attnviz/error.hpp"

namespace attnviz {
namespace {

// index -> slot of each kept index (ascending, in [0, count)), -1 elsewhere; all of them when
// `kept` is empty.
std::vector<int> slots(const std::vector<int>& kept, int count, const std::string& what) {
  std::vector<int> slot(static_cast<std::size_t>(count), kept.empty() ? 0 : -1);
  if (kept.empty()) {
    for (int i = 0; i < count; ++i) slot[static_cast<std::size_t>(i)] = i;
    return slot;
  }
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (kept[i] < 0 || kept[i] >= count)
      throw Error(what + " index " + std::to_string(kept[i]) + " is outside the model's " +
                  std::to_string(count) + " " + what + "s (0-based here)");
    if (i > 0 && kept[i] <= kept[i - 1])
      throw Error("the " + what + "s to keep must be ascending and each once");
    slot[static_cast<std::size_t>(kept[i])] = static_cast<int>(i);
  }
  return slot;
}

}  // namespace

int block_for(int positions, int cells) {
  return std::max(1, (positions + cells - 1) / std::max(cells, 1));
}

AttentionKeeper::AttentionKeeper(const AttentionKeep& keep, const Attention& input)
    : keep_(keep),
      layer_slot_(slots(keep.layers, input.layers, "layer")),
      head_slot_(slots(keep.heads, input.heads, "head")) {
  const int last = keep.last == 0 ? input.n : keep.last;
  if (keep.first < 0 || keep.first >= last || last > input.n)
    throw Error("positions " + std::to_string(keep.first) + " to " + std::to_string(last) +
                " are not a range of the input's " + std::to_string(input.n) + " tokens");
  if (keep.block < 1) throw Error("a block must hold at least one cell");
  keep_.last = last;
  length_ = last - keep.first;
  layers_needed_ = keep.layers.empty() ? input.layers : keep.layers.back() + 1;
  whole_ = keep.heads.empty() && keep.first == 0 && last == input.n && keep.block == 1;

  Attention& out = result_;
  out.layers = keep.layers.empty() ? input.layers : static_cast<int>(keep.layers.size());
  out.heads = keep.heads.empty() ? input.heads : static_cast<int>(keep.heads.size());
  out.n = (length_ + keep.block - 1) / keep.block;
  out.causal = input.causal;
  out.heads_per_kv = input.heads_per_kv;
  out.layer_ids = keep.layers;
  out.head_ids = keep.heads;
  out.first = keep.first;
  out.block = keep.block;
  out.pooling = keep.pooling;
  out.positions = out.n == input.n ? 0 : input.n;
  for (int l = 0; l < input.layers && !input.windows.empty(); ++l)
    if (keeps_layer(l)) out.windows.push_back(input.window(l));
  // A block is labelled by its first token, and special only where that token is.
  for (int i = 0; i < out.n; ++i) {
    const auto position = static_cast<std::size_t>(keep.first + i * keep.block);
    if (position < input.tokens.size()) out.tokens.push_back(input.tokens[position]);
    if (position < input.special.size()) out.special.push_back(input.special[position]);
  }
}

std::size_t AttentionKeeper::kept_bytes() const {
  const auto n = static_cast<std::size_t>(result_.n);
  return static_cast<std::size_t>(result_.layers) * result_.heads * n * n * sizeof(float);
}

float* AttentionKeeper::head_storage(int layer, int head) {
  if (result_.weights.empty()) result_.weights.resize(kept_bytes() / sizeof(float));
  return result_.weights.data() + result_.head_offset(layer_slot_[static_cast<std::size_t>(layer)],
                                                      head_slot_[static_cast<std::size_t>(head)]);
}

float* AttentionKeeper::layer_storage(int layer) {
  if (!keeps_whole_layer(layer))
    throw Error("layer " + std::to_string(layer) + " is not kept whole");
  return head_storage(layer, 0);
}

void AttentionKeeper::take(int layer, int head, int row, int rows, int keys, const float* values,
                           std::size_t stride) {
  if (!keeps_layer(layer) || !keeps_head(head)) return;
  float* out = head_storage(layer, head);
  const int first = keep_.first, block = keep_.block, n = result_.n;
  const int row_begin = std::max(row, first), row_end = std::min(row + rows, keep_.last);
  const int key_end = std::min(keys, keep_.last);
  for (int r = row_begin; r < row_end; ++r) {
    const float* in = values + static_cast<std::size_t>(r - row) * stride;
    float* cells = out + static_cast<std::size_t>((r - first) / block) * n;
    if (block == 1) {
      if (key_end > first)
        std::memcpy(cells, in + first, static_cast<std::size_t>(key_end - first) * sizeof(float));
      continue;
    }
    for (int k = first; k < key_end; ++k) {
      float& cell = cells[(k - first) / block];
      // Weights are >= 0, so the zero the storage starts with is a neutral start for both.
      cell = keep_.pooling == Pooling::max ? std::max(cell, in[k]) : cell + in[k];
    }
  }
}

void AttentionKeeper::take_vectors(int layer, int head, int dim, const float* queries,
                                   const float* keys) {
  if (!keeps_layer(layer) || !keeps_head(head)) return;
  if (keep_.block > 1) throw Error("queries and keys cannot be pooled into blocks");
  Attention& out = result_;
  const auto n = static_cast<std::size_t>(out.n), d = static_cast<std::size_t>(dim);
  if (out.queries.empty()) {
    out.head_dim = dim;
    out.queries.resize(static_cast<std::size_t>(out.layers) * out.heads * n * d);
    out.keys.resize(out.queries.size());
  }
  const std::size_t at =
      (static_cast<std::size_t>(layer_slot_[static_cast<std::size_t>(layer)]) * out.heads +
       static_cast<std::size_t>(head_slot_[static_cast<std::size_t>(head)])) *
      n * d;
  const std::size_t from = static_cast<std::size_t>(keep_.first) * d;
  std::memcpy(out.queries.data() + at, queries + from, n * d * sizeof(float));
  std::memcpy(out.keys.data() + at, keys + from, n * d * sizeof(float));
}

Attention AttentionKeeper::finish() {
  Attention& out = result_;
  if (out.weights.empty()) out.weights.resize(kept_bytes() / sizeof(float));
  if (keep_.pooling == Pooling::mean && keep_.block > 1) {
    // Each block's sum over its cells, masked ones (0) included, as a mean pool of the full matrix.
    const int n = out.n, block = keep_.block;
    const auto extent = [&](int i) { return std::min(block, length_ - i * block); };
    for (int m = 0; m < out.layers * out.heads; ++m) {
      float* cells = out.weights.data() + static_cast<std::size_t>(m) * n * n;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
          cells[static_cast<std::size_t>(i) * n + j] /= static_cast<float>(extent(i) * extent(j));
    }
  }
  return std::move(result_);
}

Attention keep_attention(const Attention& full, const AttentionKeep& keep) {
  AttentionKeeper keeper(keep, full);
  const auto n = static_cast<std::size_t>(full.n);
  for (int l = 0; l < keeper.layers_needed(); ++l) {
    for (int h = 0; h < full.heads; ++h) {
      keeper.take(l, h, 0, full.n, full.n, full.head(l, h), n);
      if (!full.queries.empty() && keep.block == 1) {
        const std::size_t at = full.head_offset(l, h) / n * static_cast<std::size_t>(full.head_dim);
        keeper.take_vectors(l, h, full.head_dim, full.queries.data() + at, full.keys.data() + at);
      }
    }
  }
  return keeper.finish();
}

}  // namespace attnviz
