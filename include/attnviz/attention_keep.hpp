#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"

namespace attnviz {

// What to keep of each layer's attention probabilities: every cell of every layer and head by
// default. A long input needs less: the model stage keeps what is asked and frees the rest as soon
// as its layer is done, and stops after the last layer kept.
struct AttentionKeep {
  std::vector<int> layers;  // the model's layers, 0-based, ascending; empty: every layer
  std::vector<int> heads;   // query heads, 0-based, ascending; empty: every head
  // Query and key positions [first, last) of the input; last 0: to its end.
  int first = 0;
  int last = 0;
  // Each kept cell stands for block x block cells, pooled; 1: every cell.
  int block = 1;
  Pooling pooling = Pooling::max;

  bool everything() const {
    return layers.empty() && heads.empty() && first == 0 && last == 0 && block == 1;
  }
};

// The block size that draws an input of `positions` tokens in at most `cells` cells a side (1 when
// it fits).
int block_for(int positions, int cells);

// Collects what an AttentionKeep asks for while a model hands over its probabilities, band by band
// of query rows, and frees nothing it does not need: a [layers][heads][n][n] result the size of
// what is kept, never the size of the input's full attention.
class AttentionKeeper {
 public:
  // `input` describes the input: layers, heads, n (its tokens), tokens, special, causal, windows,
  // heads_per_kv; its weights are ignored. Throws attnviz::Error for a keep that does not fit it.
  AttentionKeeper(const AttentionKeep& keep, const Attention& input);

  // How many layers the forward pass must run: one past the last layer kept.
  int layers_needed() const { return layers_needed_; }
  bool keeps_layer(int layer) const { return layer_slot_[static_cast<std::size_t>(layer)] >= 0; }
  bool keeps_head(int head) const { return head_slot_[static_cast<std::size_t>(head)] >= 0; }
  // Whether every cell of the layer is kept, as is: the model may write it straight into
  // layer_storage(layer) ([heads][n][n]) instead of handing it over.
  bool keeps_whole_layer(int layer) const { return whole_ && keeps_layer(layer); }
  float* layer_storage(int layer);

  // Rows [row, row + rows) of one head of one layer, each row `keys` weights long at `stride`
  // floats apart; the weights of keys from `keys` on are 0 (masked: a causal model's later keys).
  void take(int layer, int head, int row, int rows, int keys, const float* values,
            std::size_t stride);
  // Queries or keys [n][dim] of one head, kept for the rows kept (full resolution only).
  void take_vectors(int layer, int head, int dim, const float* queries, const float* keys);

  // The size in bytes of what is kept, known before anything is (the storage is made on first use).
  std::size_t kept_bytes() const;
  // What was kept; the keeper is empty afterwards.
  Attention finish();

 private:
  float* head_storage(int layer, int head);

  AttentionKeep keep_;
  Attention result_;
  std::vector<int> layer_slot_, head_slot_;  // model index -> kept index, or -1
  int layers_needed_ = 0;
  int length_ = 0;  // positions last - first
  bool whole_ = false;
};

// What `keep` leaves of a full attention (e.g. one read from a file): the same as the model stage
// keeps while it runs.
Attention keep_attention(const Attention& full, const AttentionKeep& keep);

}  // namespace attnviz
