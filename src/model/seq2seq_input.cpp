// The torch-free part of the encoder-decoder stage, which the front end (attnviz, no libtorch)
// links too: whether a directory holds an encoder-decoder, and the decoder input from labels.
#include <fstream>
#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"

namespace attnviz {

bool is_seq2seq_model(const std::filesystem::path& dir) {
  std::ifstream stream(dir / "config.json");
  if (!stream) return false;
  const nlohmann::json json = nlohmann::json::parse(stream, nullptr, false);
  return json.is_object() && json.contains("is_encoder_decoder") &&
         json["is_encoder_decoder"].is_boolean() && json["is_encoder_decoder"].get<bool>();
}

Encoding decoder_input_from_labels(const Encoding& labels, const Seq2SeqInfo& info,
                                   const std::string& start_token) {
  if (labels.ids.empty()) throw Error("the target has no tokens");
  Encoding input;
  const std::size_t last = labels.size() - 1;
  const bool from_last = info.start_from_last_label;
  input.ids.push_back(from_last ? labels.ids[last] : info.decoder_start_token_id);
  input.tokens.push_back(from_last ? labels.tokens[last] : start_token);
  input.display.push_back(from_last ? labels.display[last] : start_token);
  input.spans.push_back(from_last ? labels.spans[last] : ByteSpan{});
  input.special.push_back(true);
  for (std::size_t i = 0; i < last; ++i) {
    input.ids.push_back(labels.ids[i]);
    input.tokens.push_back(labels.tokens[i]);
    input.display.push_back(labels.display[i]);
    input.spans.push_back(labels.spans[i]);
    input.special.push_back(labels.special[i]);
  }
  input.type_ids.assign(input.ids.size(), 0);
  return input;
}

}  // namespace attnviz
