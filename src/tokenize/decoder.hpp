#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace attnviz::tokenize {

// What a tokenizer.json "decoder" says about showing one token to a reader: attnviz never joins
// tokens back into text, it shows each one (Metaspace's ▁ as a space, <0x0A> as a newline).
struct DecoderSpec {
  bool byte_level = false;     // ByteLevel: token characters stand for bytes (GPT-2's table)
  bool byte_fallback = false;  // ByteFallback: <0xNN> is the byte NN
  std::vector<std::pair<std::string, std::string>> replacements;  // Replace, Metaspace: ▁ -> ' '
  // What stands for a space at a word's start (Metaspace's ▁), or "".
  const std::string& word_marker() const;
  // The token's text for display, or false if the decoder leaves it as it is.
  bool decode(const std::string& token, std::string& text) const;
};

// Throws attnviz::Error naming a decoder type attnviz does not know; null gives the default.
DecoderSpec decoder_from_json(const nlohmann::json& json);

}  // namespace attnviz::tokenize
