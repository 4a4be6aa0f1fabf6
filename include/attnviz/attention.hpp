#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace attnviz {

// The attention probabilities of every layer and head for one input: float32 [layers][heads][n][n],
// row = query (attending from), column = key (attended to). Indices are 0-based here; only the CLI
// shows them 1-based.
struct Attention {
  int layers = 0;
  int heads = 0;
  int n = 0;
  std::vector<float> weights;       // layers * heads * n * n
  std::vector<std::string> tokens;  // n display strings (Encoding::display)
  std::vector<bool> special;        // n flags: template tokens such as [CLS] and [SEP]
  bool causal = false;              // true where the model masks keys after the query (GPT-2)
  // Per layer: keys further back than this many positions (the query itself counted) are masked
  // by a sliding window; 0 for none. Empty where no layer has a window.
  std::vector<int> windows;
  // Query heads per key/value head (1 unless the model shares keys and values between heads).
  int heads_per_kv = 1;

  // Per-head queries and keys, [layers][heads][n][head_dim], filled only when asked for.
  int head_dim = 0;
  std::vector<float> queries;
  std::vector<float> keys;

  std::size_t head_offset(int layer, int head) const {
    return (static_cast<std::size_t>(layer) * heads + head) * n * n;
  }
  const float* head(int layer, int head) const { return weights.data() + head_offset(layer, head); }
  // Whether the model masks key `key` for query `query` in `layer` (after it, or out of its
  // window).
  bool masked(int layer, int query, int key) const {
    if (causal && key > query) return true;
    return window(layer) > 0 && query - key >= window(layer);
  }
  int window(int layer) const {
    return windows.empty() ? 0 : windows[static_cast<std::size_t>(layer)];
  }
  float at(int layer, int head, int query, int key) const {
    return weights[head_offset(layer, head) + static_cast<std::size_t>(query) * n + key];
  }
};

}  // namespace attnviz
