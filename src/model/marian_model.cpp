// Marian (OPUS-MT, MarianMTModel): sinusoidal positions computed from 0, embeddings scaled by
// sqrt(d_model) where scale_embedding, no embedding LayerNorm, post-LayerNorm blocks. Encoder and
// decoder share one embedding (share_encoder_decoder_embeddings, which every OPUS-MT model has).
#include "bart_style_model.hpp"
#include "seq2seq_families.hpp"

namespace attnviz::model {

std::unique_ptr<Seq2SeqModel> build_marian(const JsonFields& config, const WeightStore& weights,
                                           Seq2SeqInfo info, at::Device device) {
  if (!config.flag("share_encoder_decoder_embeddings", true)) {
    config.fail(
        ": share_encoder_decoder_embeddings false (a separate target vocabulary) is not "
        "supported natively; export the model with scripts/export_torchscript.py");
  }
  BartStyleConfig marian = read_bart_style_config(config, false);
  marian.positions = BartStyleConfig::Positions::sinusoidal;
  return make_bart_style_model(marian, weights, std::move(info), device);
}

}  // namespace attnviz::model
