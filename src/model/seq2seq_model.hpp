#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attnviz/model.hpp"
#include "blocks.hpp"
#include "json_fields.hpp"
#include "weight_store.hpp"

// What the encoder-decoder families share: the attention block whose queries and keys may come
// from different stacks, the masks, and the base class that runs a family's encoder and decoder as
// attend() and generate() need them.
namespace attnviz::model {

// Each layer's attention probabilities [1, heads, queries, keys], in layer order.
using LayerProbabilities = std::vector<at::Tensor>;

// One attention as transformers' eager seq2seq attention computes it: queries from `x`, keys and
// values from `source` (x itself in self-attention, the encoder's output in cross attention),
// query · keyᵀ, the bias added (a mask, or T5's position bias with the mask in it), softmax, then
// probabilities · values through the output projection.
struct AttentionBlock {
  Linear query, key, value, output;
  std::int64_t heads = 0;
  std::int64_t head_dim = 0;
  // BART's queries are multiplied by head_dim^-0.5 after their projection; T5's scores are
  // unscaled (1).
  double query_scale = 1.0;

  // `bias` [1, heads or 1, queries, keys], undefined for none; each call's probabilities are
  // appended to `kept` where given.
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& source, const at::Tensor& bias,
                        LayerProbabilities* kept) const;
};

// q/k/v/output projections [heads * head_dim, hidden] (the output the transpose), each with a bias
// or none, under the names a family gives them.
struct AttentionNames {
  std::string query, key, value, output;
  Bias bias = Bias::with;
};
AttentionBlock load_attention(const WeightScope& weights, const AttentionNames& names,
                              std::int64_t hidden, std::int64_t heads, std::int64_t head_dim,
                              double query_scale);

// [1, 1, m, m]: 0 on and below the diagonal, float32's lowest above it (transformers' causal mask,
// which softmax turns into exactly 0).
at::Tensor causal_mask(std::int64_t m, const at::TensorOptions& options);

// The probabilities of one run's attentions, kept while the graph runs.
struct KeptAttention {
  LayerProbabilities encoder, decoder, cross;
};

// The family graphs implement encode, decode and logits; this base checks the inputs, runs them
// without autograd and turns what they kept into the Attention values of Seq2SeqAttentions.
class NativeSeq2SeqModel : public Seq2SeqModel {
 public:
  const Seq2SeqInfo& info() const final { return info_; }
  Seq2SeqAttentions attend(const Encoding& source, const Encoding& decoder_input) const final;
  std::vector<std::int64_t> generate(const Encoding& source, int max_new_tokens) const final;

 protected:
  NativeSeq2SeqModel(Seq2SeqInfo info, at::Device device, std::int64_t vocab_size);
  // The encoder's output [1, n, hidden] for ids [1, n]; its layers' probabilities to `kept`.
  virtual at::Tensor encode(const at::Tensor& ids, LayerProbabilities* kept) const = 0;
  // The decoder's output [1, m, hidden] for ids [1, m] reading `encoded`; its self and cross
  // attentions' probabilities to `kept`.
  virtual at::Tensor decode(const at::Tensor& ids, const at::Tensor& encoded,
                            KeptAttention* kept) const = 0;
  // The next-token scores [..., vocab] of decoder outputs [..., hidden].
  virtual at::Tensor logits(const at::Tensor& decoded) const = 0;

 private:
  at::Tensor ids_tensor(const Encoding& encoding, const char* side, int max_positions) const;

  Seq2SeqInfo info_;
  at::Device device_;
  std::int64_t vocab_size_;
};

// The language-model head the families share: the decoder's output times `weight`ᵀ (a separate
// lm_head.weight, or the shared embedding when tied), plus BART's final_logits_bias where the
// checkpoint has one.
struct LmHead {
  at::Tensor weight;
  at::Tensor bias;  // [1, vocab] or undefined
  at::Tensor operator()(const at::Tensor& x) const;
};
LmHead load_lm_head(const WeightStore& weights, const at::Tensor& shared, bool tied,
                    std::int64_t vocab, std::int64_t hidden);

// The token ids every family reads from config.json under transformers' names.
void read_special_ids(const JsonFields& config, Seq2SeqInfo& info);

}  // namespace attnviz::model
