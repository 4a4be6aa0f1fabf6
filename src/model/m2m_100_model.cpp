// M2M100 (and NLLB's checkpoints, which are M2M100 models): fairseq's sinusoidal positions,
// counted from pad_token_id + 1 over the non-padding tokens, embeddings scaled by sqrt(d_model)
// (scale_embedding defaults to true here), pre-LayerNorm blocks and a final layer_norm on each
// stack.
#include "bart_style_model.hpp"
#include "seq2seq_families.hpp"

namespace attnviz::model {

std::unique_ptr<Seq2SeqModel> build_m2m_100(const JsonFields& config, const WeightStore& weights,
                                            Seq2SeqInfo info, at::Device device) {
  BartStyleConfig m2m = read_bart_style_config(config, true);
  m2m.positions = BartStyleConfig::Positions::padded_sinusoidal;
  m2m.pre_norm = true;
  return make_bart_style_model(m2m, weights, std::move(info), device);
}

}  // namespace attnviz::model
