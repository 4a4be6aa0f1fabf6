#pragma once

#include <ATen/ATen.h>

#include <map>
#include <vector>

#include "attnviz/model.hpp"

namespace attnviz::model {

// Encodings padded on the right into one batch. mask is 1 for real tokens, 0 for padding.
struct BatchInput {
  at::Tensor ids;       // [batch, n] int64
  at::Tensor type_ids;  // [batch, n] int64
  at::Tensor mask;      // [batch, n] float32
  std::vector<int> lengths;
  bool padded = false;  // some input is shorter than the batch: the mask matters
};

// One forward pass's attention work: what to keep of each input's probabilities (a keeper per
// input) and the buffers that one layer's scores are computed in, reused layer after layer so that
// their pages are faulted in once per pass rather than once per layer.
struct AttentionPass {
  const BatchInput& input;
  std::vector<AttentionKeeper>& keepers;
  bool with_queries_keys = false;
  bool causal = false;
  std::size_t scores_bytes = 0;  // AttendOptions::scores_bytes
  at::Tensor scores, probabilities;

  // One past the last layer any input keeps: the forward pass stops there.
  int layers_needed() const;
  bool keeps_head(std::size_t layer, std::int64_t head) const;
  // Where a layer's softmax may write all its heads straight into the one input's kept storage
  // ([1, heads, n, n], on the CPU); undefined where it may not.
  at::Tensor destination(std::size_t layer, std::int64_t heads) const;
  // Hands rows [row, row + rows) of heads [head, head + count) of a layer's probabilities
  // [batch, count, rows, keys] to the keepers (unless they were written in place).
  void keep(std::size_t layer, std::int64_t head, std::int64_t row, const at::Tensor& weights);
  // Each head's queries and keys [batch, heads, n, dim] to the keepers.
  void keep_vectors(std::size_t layer, const at::Tensor& queries, const at::Tensor& keys);
  // A [batch, heads, rows, keys] view of `buffer`, grown when it is too small.
  static at::Tensor view_of(at::Tensor& buffer, at::IntArrayRef sizes, const at::Tensor& like);
};

// How a family turns query · keyᵀ into the scores it softmaxes, in transformers' order of
// operations: a bias added before the scale, the scale (divide by or multiply with `factor`), a
// bias added after it, then Gemma 2's soft cap. The biases are per head and key ([batch, heads, 1,
// n]: ALiBi's slope · key position, after the scale in BLOOM, on both sides in Falcon).
struct ScoreRule {
  enum class Scale { divide, multiply };
  Scale scale = Scale::divide;
  double factor = 1.0;                // 1: the product is the score
  double softcap = 0;                 // cap · tanh(score / cap) where positive
  at::Tensor bias_before_scale = {};  // undefined: none
  at::Tensor bias_after_scale = {};
};

// The keys each query may not see in one forward pass: padding, later tokens (causal models) and
// keys out of a sliding window. Made once per pass, one mask per window size.
class AttentionMasks {
 public:
  AttentionMasks(const BatchInput& input, bool causal);
  // [batch or 1, 1, n, n], true where masked; undefined where nothing is.
  const at::Tensor& for_window(int window);

 private:
  at::Tensor padding_;  // [batch, 1, 1, n] or undefined
  std::int64_t n_ = 0;
  bool causal_ = false;
  at::Device device_;
  std::map<int, at::Tensor> masks_;
};

// What every implementation shares: checking and padding the encodings, running without autograd,
// and cutting each input's own tokens out of the batch into plain float storage.
class BatchedModel : public Model {
 public:
  const ModelInfo& info() const final { return info_; }
  std::vector<Attention> attend(const std::vector<Encoding>& batch,
                                const AttendOptions& options) const final;
  MemoryNeed memory_need(const std::vector<Encoding>& batch,
                         const AttendOptions& options) const final;

 protected:
  BatchedModel(ModelInfo info, at::Device device, int vocab_size, int type_vocab_size);
  // Runs the layers, each through attend_layer (or handing its probabilities to the pass).
  virtual void forward(const BatchInput& input, AttentionPass& pass) const = 0;

  const at::Device& device() const { return device_; }

  // [batch, n, heads * head_dim] seen as [batch, heads, n, head_dim] (a view, as transformers
  // splits heads).
  static at::Tensor split_heads(const at::Tensor& x, std::int64_t heads);

  // Key or value heads [batch, kv_heads, n, d] repeated for the query heads that share them,
  // [batch, heads, n, d], as transformers' repeat_kv (kv head h serves query heads h·g .. h·g+g-1).
  static at::Tensor repeat_kv(const at::Tensor& x, std::int64_t heads);

  // One layer's self-attention as transformers' eager attention computes it: query · keyᵀ, the
  // rule applied, masked keys set to float32's lowest value (which softmax turns into exactly the 0
  // that transformers' additive mask gives), softmax, the probabilities handed to the pass's
  // keepers; then probabilities · values of every head merged back into [batch, n, heads * d].
  // query [batch, heads, n, d], key and value [batch, kv_heads, n, d]. Returns an undefined tensor
  // after the last layer the pass needs: nothing later reads it.
  static at::Tensor attend_layer(AttentionPass& pass, const at::Tensor& query,
                                 const at::Tensor& key, const at::Tensor& value,
                                 const ScoreRule& rule, const at::Tensor& mask, std::size_t layer);

 private:
  BatchInput make_batch(const std::vector<Encoding>& batch) const;
  std::vector<AttentionKeeper> keepers_for(const std::vector<Encoding>& batch,
                                           const std::vector<int>& lengths,
                                           const AttendOptions& options) const;
  MemoryNeed memory_need(const std::vector<AttentionKeeper>& keepers, std::int64_t batch,
                         std::int64_t n, const AttendOptions& options) const;

  ModelInfo info_;
  at::Device device_;
  int vocab_size_;
  int type_vocab_size_;
};

}  // namespace attnviz::model
