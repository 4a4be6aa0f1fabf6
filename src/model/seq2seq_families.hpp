#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "attnviz/model.hpp"
#include "json_fields.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

// Builds an encoder-decoder family's model from its config.json (Hugging Face's field names) and
// weights; `info` arrives with the name, architecture and special token ids filled in.
using BuildSeq2Seq = std::unique_ptr<Seq2SeqModel> (*)(const JsonFields& config,
                                                       const WeightStore& weights, Seq2SeqInfo info,
                                                       at::Device device);

// One row of the encoder-decoder table, as families.hpp's Family: model_type, a tensor every
// checkpoint has (base-class name), the head classes' prefixes, the builder.
struct Seq2SeqFamily {
  std::string model_type;
  std::string probe;
  std::vector<std::string> prefixes;
  BuildSeq2Seq build;
};

const std::vector<Seq2SeqFamily>& seq2seq_families();

std::unique_ptr<Seq2SeqModel> build_bart(const JsonFields&, const WeightStore&, Seq2SeqInfo,
                                         at::Device);
std::unique_ptr<Seq2SeqModel> build_mbart(const JsonFields&, const WeightStore&, Seq2SeqInfo,
                                          at::Device);
std::unique_ptr<Seq2SeqModel> build_marian(const JsonFields&, const WeightStore&, Seq2SeqInfo,
                                           at::Device);
std::unique_ptr<Seq2SeqModel> build_pegasus(const JsonFields&, const WeightStore&, Seq2SeqInfo,
                                            at::Device);
std::unique_ptr<Seq2SeqModel> build_m2m_100(const JsonFields&, const WeightStore&, Seq2SeqInfo,
                                            at::Device);
std::unique_ptr<Seq2SeqModel> build_t5(const JsonFields&, const WeightStore&, Seq2SeqInfo,
                                       at::Device);
std::unique_ptr<Seq2SeqModel> build_mt5(const JsonFields&, const WeightStore&, Seq2SeqInfo,
                                        at::Device);

}  // namespace attnviz::model
