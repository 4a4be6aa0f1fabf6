#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace attnviz {

// How one kept cell sums up the block of cells it stands for, when an input is too long to keep
// (or draw) every cell: the largest weight keeps sharp attention visible, the mean keeps totals.
enum class Pooling { max, mean };

// Whether every cell of a block is masked, i.e. its first key is after its last query (causal),
// or its last key is `window` or more positions before its first query (and, where not causal,
// its first key `window` or more after its last query). Rows and columns start at position
// `first`, `block` positions each.
inline bool block_masked(bool causal, int window, int first, int block, int row, int col) {
  const int query_first = first + row * block, key_first = first + col * block;
  return (causal && key_first > query_first + block - 1) ||
         (window > 0 && query_first - (key_first + block - 1) >= window) ||
         (!causal && window > 0 && key_first - (query_first + block - 1) >= window);
}

// The attention probabilities of every layer and head for one input: float32
// [layers][heads][n][columns()], row = query (attending from), column = key (attended to). Self-
// attention is square (key_count 0: the keys are the queries); an encoder-decoder's cross attention
// has the target's tokens as queries and the source's as keys (key_count, key_tokens, key_special).
// Indices are 0-based here; only the CLI shows them 1-based. A long input may hold only some layers
// and heads (layer_ids, head_ids), a window of its positions (first), or blocks of cells pooled
// into one (block); n, tokens and the weights are then those of what is held.
struct Attention {
  int layers = 0;
  int heads = 0;
  int n = 0;
  std::vector<float> weights;       // layers * heads * n * columns()
  std::vector<std::string> tokens;  // n display strings (Encoding::display), the queries'
  std::vector<bool> special;        // n flags: template tokens such as [CLS] and [SEP]
  // Cross attention only: the keys' count, display strings and flags; 0 and empty where the keys
  // are the queries. Code that handles square attention only refuses key_count > 0 by name.
  int key_count = 0;
  std::vector<std::string> key_tokens;
  std::vector<bool> key_special;
  bool causal = false;  // true where the model masks keys after the query (GPT-2)
  // Per layer: keys further back than this many positions (the query itself counted) are masked
  // by a sliding window; 0 for none. Empty where no layer has a window.
  std::vector<int> windows;
  // Query heads per key/value head (1 unless the model shares keys and values between heads).
  int heads_per_kv = 1;

  // The model's layer and head (0-based) each held one is; empty: all of them, in order.
  std::vector<int> layer_ids;
  std::vector<int> head_ids;
  // Row and column i stand for the positions first + i * block .. first + (i + 1) * block - 1 of
  // the input (the last block may be shorter), whose cells are pooled into one. tokens then label
  // each block by its first token.
  int first = 0;
  int block = 1;
  Pooling pooling = Pooling::max;
  int positions = 0;  // the input's tokens; 0: n (nothing was cut or pooled)

  // Per-head queries and keys, [layers][heads][n][head_dim], filled only when asked for.
  int head_dim = 0;
  std::vector<float> queries;
  std::vector<float> keys;

  // Whether the keys are other tokens than the queries (cross attention).
  bool cross() const { return key_count > 0; }
  int columns() const { return cross() ? key_count : n; }
  const std::vector<std::string>& column_tokens() const { return cross() ? key_tokens : tokens; }
  const std::vector<bool>& column_special() const { return cross() ? key_special : special; }

  std::size_t head_offset(int layer, int head) const {
    return (static_cast<std::size_t>(layer) * heads + head) * n * columns();
  }
  const float* head(int layer, int head) const { return weights.data() + head_offset(layer, head); }
  // Whether the model masks key `key` for query `query` in `layer` (after it, or out of its
  // window); for pooled cells, whether it masks every cell of the block.
  bool masked(int layer, int query, int key) const {
    return block_masked(causal, window(layer), first, block, query, key);
  }
  int window(int layer) const {
    return windows.empty() ? 0 : windows[static_cast<std::size_t>(layer)];
  }
  int model_layer(int layer) const {
    return layer_ids.empty() ? layer : layer_ids[static_cast<std::size_t>(layer)];
  }
  int model_head(int head) const {
    return head_ids.empty() ? head : head_ids[static_cast<std::size_t>(head)];
  }
  // The held index of one of the model's layers or heads, or -1 where it is not held.
  int layer_index(int model_layer) const { return index_in(layer_ids, layers, model_layer); }
  int head_index(int model_head) const { return index_in(head_ids, heads, model_head); }
  int input_length() const { return positions > 0 ? positions : n; }
  // One past the last input position held (the last block may be shorter than the others).
  int end_position() const { return std::min(first + n * block, input_length()); }
  // Whether this holds less than every cell of the input (a window, or pooled blocks).
  bool reduced() const { return block > 1 || input_length() != n; }
  float at(int layer, int head, int query, int key) const {
    return weights[head_offset(layer, head) + static_cast<std::size_t>(query) * columns() + key];
  }

 private:
  static int index_in(const std::vector<int>& ids, int count, int id) {
    if (ids.empty()) return id >= 0 && id < count ? id : -1;
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == id) return static_cast<int>(i);
    return -1;
  }
};

// The attentions of one run, by name: a self-attention model's one part, or an encoder-decoder's
// three ("encoder" [L][H][n][n], "decoder" [L][H][m][m] causal, "cross" [L][H][m][n], queries the
// target's tokens, keys the source's). Views take the set and the name of the part to draw.
struct NamedAttention {
  std::string name;  // "self", "encoder", "decoder" or "cross"
  Attention attention;
};
using AttentionSet = std::vector<NamedAttention>;

}  // namespace attnviz
