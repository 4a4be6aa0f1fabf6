#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>

#include "attnviz/model.hpp"
#include "json_fields.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

// What BART, mBART, Marian, Pegasus and M2M100 share (config.json under their common names), and
// the switches in which they differ; each family's file reads its own and sets those.
struct BartStyleConfig {
  int vocab_size = 0;
  int hidden = 0;  // d_model
  int encoder_layers = 0;
  int decoder_layers = 0;
  int encoder_heads = 0;
  int decoder_heads = 0;
  int encoder_ffn = 0;
  int decoder_ffn = 0;
  int max_positions = 0;  // max_position_embeddings
  std::string activation;
  double embed_scale = 1.0;  // sqrt(d_model) where scale_embedding
  bool tied = true;          // tie_word_embeddings: the head is the shared embedding

  enum class Positions {
    learned,     // BART, mBART: a table of max_position_embeddings + 2 rows, read from 2 on
    sinusoidal,  // Marian, Pegasus: sin | cos halves, computed (create_sinusoidal_embeddings)
    padded_sinusoidal,  // M2M100: fairseq's table, positions counted from pad + 1 over non-pad ids
  };
  Positions positions = Positions::learned;
  bool embedding_norm = false;  // layernorm_embedding after embeddings + positions (BART, mBART)
  // Pre-LayerNorm blocks and a final layer_norm after each stack (mBART, Pegasus, M2M100); else
  // post-LayerNorm (BART, Marian).
  bool pre_norm = false;
};

// The fields every one of these families has; `scale_embedding` where config.json does not say
// (its family's default).
BartStyleConfig read_bart_style_config(const JsonFields& config, bool scale_embedding);

std::unique_ptr<Seq2SeqModel> make_bart_style_model(const BartStyleConfig& config,
                                                    const WeightStore& weights, Seq2SeqInfo info,
                                                    at::Device device);

}  // namespace attnviz::model
