// mBART: BART's learned positions and embedding LayerNorm with pre-LayerNorm blocks and a final
// layer_norm on each stack; its decoder input starts with the labels' last token (the target
// language code) rather than decoder_start_token_id.
#include "bart_style_model.hpp"
#include "seq2seq_families.hpp"

namespace attnviz::model {

std::unique_ptr<Seq2SeqModel> build_mbart(const JsonFields& config, const WeightStore& weights,
                                          Seq2SeqInfo info, at::Device device) {
  BartStyleConfig mbart = read_bart_style_config(config, false);
  mbart.positions = BartStyleConfig::Positions::learned;
  mbart.embedding_norm = true;
  mbart.pre_norm = true;
  info.start_from_last_label = true;
  return make_bart_style_model(mbart, weights, std::move(info), device);
}

}  // namespace attnviz::model
