#pragma once

#include <ATen/ATen.h>

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

 private:
  BatchInput make_batch(const std::vector<Encoding>& batch) const;

  ModelInfo info_;
  at::Device device_;
  int vocab_size_;
  int type_vocab_size_;
};

}  // namespace attnviz::model
