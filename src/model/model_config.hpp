#pragma once

#include <filesystem>
#include <string>

namespace attnviz::model {

// The hyper-parameters of a checkpoint, read from its config.json under the names each family uses.
struct ModelConfig {
  std::string model_type;  // "bert" or "gpt2"
  int vocab_size = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int intermediate = 0;
  int max_positions = 0;
  int type_vocab_size = 0;  // BERT only
  double layer_norm_eps = 0;
  std::string activation;
  bool scale_attn_weights = true;                // GPT-2
  bool scale_attn_by_inverse_layer_idx = false;  // GPT-2

  int head_dim() const { return hidden / heads; }
};

ModelConfig read_model_config(const std::filesystem::path& dir);

}  // namespace attnviz::model
