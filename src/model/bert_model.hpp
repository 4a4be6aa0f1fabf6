#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "attnviz/model.hpp"
#include "json_fields.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

// What the BERT-style encoders (BERT, RoBERTa, XLM-R, ELECTRA) share, read from config.json, and
// where they differ: how positions are counted and whether embeddings are projected to the hidden
// size.
struct BertStyleConfig {
  int vocab_size = 0;
  int hidden = 0;
  int embedding_size = 0;  // ELECTRA: narrower than hidden, then projected
  int layers = 0;
  int heads = 0;
  int intermediate = 0;
  int position_embeddings = 0;  // rows of the position table
  int type_vocab_size = 0;
  double layer_norm_eps = 0;
  std::string activation;
  // RoBERTa: positions are counted from padding_idx + 1 over the non-padding tokens; -1 for
  // BERT's 0, 1, 2, ...
  std::int64_t padding_idx = -1;
  std::string projection;  // the embedding projection's tensor name, where there is one
};

BertStyleConfig read_bert_style_config(const JsonFields& config);

std::unique_ptr<Model> make_bert_style_model(const BertStyleConfig& config,
                                             const WeightStore& weights, ModelInfo info,
                                             at::Device device);

}  // namespace attnviz::model
