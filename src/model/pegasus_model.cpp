// Pegasus: Marian's sinusoidal positions and embedding scale with pre-LayerNorm blocks and a final
// layer_norm on each stack, no embedding LayerNorm.
#include "bart_style_model.hpp"
#include "seq2seq_families.hpp"

namespace attnviz::model {

std::unique_ptr<Seq2SeqModel> build_pegasus(const JsonFields& config, const WeightStore& weights,
                                            Seq2SeqInfo info, at::Device device) {
  BartStyleConfig pegasus = read_bart_style_config(config, false);
  pegasus.positions = BartStyleConfig::Positions::sinusoidal;
  pegasus.pre_norm = true;
  return make_bart_style_model(pegasus, weights, std::move(info), device);
}

}  // namespace attnviz::model
