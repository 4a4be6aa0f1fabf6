// BART (BartForConditionalGeneration): learned positions read from row 2 (offset 2), a LayerNorm
// on the embeddings, post-LayerNorm blocks, no embedding scale unless scale_embedding.
#include "bart_style_model.hpp"
#include "seq2seq_families.hpp"

namespace attnviz::model {

std::unique_ptr<Seq2SeqModel> build_bart(const JsonFields& config, const WeightStore& weights,
                                         Seq2SeqInfo info, at::Device device) {
  BartStyleConfig bart = read_bart_style_config(config, false);
  bart.positions = BartStyleConfig::Positions::learned;
  bart.embedding_norm = true;
  return make_bart_style_model(bart, weights, std::move(info), device);
}

}  // namespace attnviz::model
