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
  // Where each layer's probabilities may be written when they need no cropping (one input on the
  // CPU): [1, heads, n, n] views of the Attention's own storage. Empty otherwise.
  std::vector<at::Tensor> probability_outputs;
};

// One layer's attention probabilities [batch, heads, n, n], and on request its queries and keys
// [batch, heads, n, head_dim].
struct LayerAttention {
  at::Tensor probabilities;
  at::Tensor queries;
  at::Tensor keys;
};

// How a family turns query · keyᵀ into the scores it softmaxes, in transformers' order of
// operations: scale (divide by or multiply with `factor`), then Gemma 2's soft cap.
struct ScoreRule {
  enum class Scale { divide, multiply };
  Scale scale = Scale::divide;
  double factor = 1.0;  // 1: the product is the score
  double softcap = 0;   // cap · tanh(score / cap) where positive
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

 protected:
  BatchedModel(ModelInfo info, at::Device device, int vocab_size, int type_vocab_size);
  virtual std::vector<LayerAttention> forward(const BatchInput& input,
                                              bool with_queries_keys) const = 0;

  const at::Device& device() const { return device_; }

  // [batch, n, heads * head_dim] seen as [batch, heads, n, head_dim] (a view, as transformers
  // splits heads).
  static at::Tensor split_heads(const at::Tensor& x, std::int64_t heads);

  // probabilities · values of every head, merged back into [batch, n, heads * head_dim].
  static at::Tensor weighted_values(const at::Tensor& probabilities, const at::Tensor& value);

  // query · keyᵀ of every head, [batch, heads, n, n], written into `scores`: one buffer serves
  // every layer, so its pages are faulted in once per forward pass rather than once per layer.
  static void attention_scores(at::Tensor& scores, const at::Tensor& query, const at::Tensor& key);

  // softmax over the keys, written straight into input.probability_outputs[layer] where there is
  // one.
  static at::Tensor softmax_probabilities(const at::Tensor& scores, const BatchInput& input,
                                          std::size_t layer);

  // Key or value heads [batch, kv_heads, n, d] repeated for the query heads that share them,
  // [batch, heads, n, d], as transformers' repeat_kv (kv head h serves query heads h·g .. h·g+g-1).
  static at::Tensor repeat_kv(const at::Tensor& x, std::int64_t heads);

  // One layer's attention probabilities [batch, heads, n, n]: query · keyᵀ into the reused
  // `scores` buffer, the rule applied, masked keys set to float32's lowest value (which softmax
  // turns into exactly the 0 that transformers' additive mask gives), softmax.
  static at::Tensor attention_probabilities(at::Tensor& scores, const at::Tensor& query,
                                            const at::Tensor& key, const ScoreRule& rule,
                                            const at::Tensor& mask, const BatchInput& input,
                                            std::size_t layer);

 private:
  BatchInput make_batch(const std::vector<Encoding>& batch) const;

  ModelInfo info_;
  at::Device device_;
  int vocab_size_;
  int type_vocab_size_;
};

}  // namespace attnviz::model
