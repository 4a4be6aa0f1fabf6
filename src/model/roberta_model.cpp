// RoBERTa and XLM-RoBERTa: BERT's encoder with positions counted from padding_idx + 1.
#include "bert_model.hpp"
#include "families.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_roberta(const JsonFields& config, const WeightStore& weights,
                                     ModelInfo info, at::Device device) {
  BertStyleConfig roberta = read_bert_style_config(config);
  // transformers' RobertaEmbeddings takes padding_idx from pad_token_id.
  roberta.padding_idx = config.positive_int("pad_token_id");
  return make_bert_style_model(roberta, weights, std::move(info), device);
}

}  // namespace attnviz::model
