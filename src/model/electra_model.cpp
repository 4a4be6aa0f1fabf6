// ELECTRA (the discriminator and generator): BERT's encoder under embeddings of embedding_size,
// projected to hidden_size where the two differ.
#include "bert_model.hpp"
#include "families.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_electra(const JsonFields& config, const WeightStore& weights,
                                     ModelInfo info, at::Device device) {
  BertStyleConfig electra = read_bert_style_config(config);
  electra.embedding_size = config.positive_int("embedding_size");
  if (electra.embedding_size != electra.hidden) electra.projection = "embeddings_project";
  return make_bert_style_model(electra, weights, std::move(info), device);
}

}  // namespace attnviz::model
