#include "seq2seq_families.hpp"

namespace attnviz::model {

const std::vector<Seq2SeqFamily>& seq2seq_families() {
  static const std::vector<Seq2SeqFamily> table = {
      {"bart", "shared.weight", {"", "model."}, build_bart},
      {"mbart", "shared.weight", {"", "model."}, build_mbart},
      {"marian", "shared.weight", {"", "model."}, build_marian},
      {"pegasus", "shared.weight", {"", "model."}, build_pegasus},
      {"m2m_100", "shared.weight", {"", "model."}, build_m2m_100},
      {"t5", "shared.weight", {""}, build_t5},
      {"mt5", "shared.weight", {""}, build_mt5},
  };
  return table;
}

}  // namespace attnviz::model

namespace attnviz {

std::vector<std::string> native_seq2seq_model_types() {
  std::vector<std::string> names;
  for (const auto& family : model::seq2seq_families()) names.push_back(family.model_type);
  return names;
}

}  // namespace attnviz
