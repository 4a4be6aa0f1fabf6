#include "model_config.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "json_fields.hpp"

namespace attnviz::model {
namespace {

void read_bert(const JsonFields& config, ModelConfig& out) {
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("hidden_size");
  out.layers = config.positive_int("num_hidden_layers");
  out.heads = config.positive_int("num_attention_heads");
  out.intermediate = config.positive_int("intermediate_size");
  out.max_positions = config.positive_int("max_position_embeddings");
  out.type_vocab_size = config.positive_int("type_vocab_size");
  out.layer_norm_eps = config.positive_number("layer_norm_eps");
  out.activation = config.text("hidden_act");
  if (config.has("position_embedding_type") &&
      config.text("position_embedding_type") != "absolute") {
    throw Error("position_embedding_type '" + config.text("position_embedding_type") +
                "' is not supported natively (only 'absolute'); export the model with "
                "scripts/export_torchscript.py");
  }
}

void read_gpt2(const JsonFields& config, ModelConfig& out) {
  out.vocab_size = config.positive_int("vocab_size");
  out.hidden = config.positive_int("n_embd");
  out.layers = config.positive_int("n_layer");
  out.heads = config.positive_int("n_head");
  out.intermediate = config.has("n_inner") ? config.positive_int("n_inner") : 4 * out.hidden;
  out.max_positions = config.positive_int("n_positions");
  out.layer_norm_eps = config.positive_number("layer_norm_epsilon");
  out.activation = config.text("activation_function");
  out.scale_attn_weights = config.flag("scale_attn_weights", true);
  out.scale_attn_by_inverse_layer_idx = config.flag("scale_attn_by_inverse_layer_idx", false);
}

}  // namespace

ModelConfig read_model_config(const std::filesystem::path& dir) {
  const auto path = dir / "config.json";
  std::ifstream stream(path);
  if (!stream)
    throw Error(dir.string() + " has no config.json; is it a Hugging Face model directory?");
  nlohmann::json json = nlohmann::json::parse(stream, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    throw Error(path.string() + " is not a JSON object");
  const JsonFields config(json, path.string());

  ModelConfig out;
  out.model_type = config.has("model_type") ? config.text("model_type") : "";
  if (out.model_type == "bert") {
    read_bert(config, out);
  } else if (out.model_type == "gpt2") {
    read_gpt2(config, out);
  } else {
    throw Error(path.string() + ": model_type '" + out.model_type +
                "' has no native implementation (attnviz runs 'bert' and 'gpt2'); export it with "
                "scripts/export_torchscript.py to run it through TorchScript");
  }
  if (out.hidden % out.heads != 0) {
    throw Error(path.string() + ": hidden size " + std::to_string(out.hidden) +
                " is not divisible by " + std::to_string(out.heads) + " heads");
  }
  return out;
}

}  // namespace attnviz::model
