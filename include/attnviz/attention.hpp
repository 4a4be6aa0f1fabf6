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

  // Per-head queries and keys, [layers][heads][n][head_dim], filled only when asked for.
  int head_dim = 0;
  std::vector<float> queries;
  std::vector<float> keys;

  std::size_t head_offset(int layer, int head) const {
    return (static_cast<std::size_t>(layer) * heads + head) * n * n;
  }
  const float* head(int layer, int head) const { return weights.data() + head_offset(layer, head); }
  float at(int layer, int head, int query, int key) const {
    return weights[head_offset(layer, head) + static_cast<std::size_t>(query) * n + key];
  }
};

}  // namespace attnviz
