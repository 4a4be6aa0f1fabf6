#include "decoder.hpp"

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "byte_level.hpp"

namespace attnviz::tokenize {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void add_to_spec(const nlohmann::json& json, DecoderSpec& spec) {
  const std::string type = json.value("type", "");
  if (type == "ByteLevel") {
    spec.byte_level = true;
  } else if (type == "ByteFallback") {
    spec.byte_fallback = true;
  } else if (type == "Replace") {
    const auto& pattern = json.at("pattern");
    if (!pattern.contains("String"))
      throw Error("decoder Replace with pattern " + pattern.dump() +
                  " is not known to attnviz (known: a String pattern)");
    spec.replacements.emplace_back(pattern.at("String").get<std::string>(),
                                   json.at("content").get<std::string>());
  } else if (type == "Metaspace") {
    spec.replacements.emplace_back(json.value("replacement", std::string("\u2581")), " ");
  } else if (type == "Sequence") {
    for (const auto& step : json.at("decoders")) add_to_spec(step, spec);
  } else if (type != "Fuse" && type != "Strip" && type != "WordPiece") {
    // Fuse and Strip join or trim the decoded text, which attnviz does not make; WordPiece's "##"
    // is the model's continuation prefix.
    throw Error("decoder type '" + type +
                "' is not known to attnviz (known: ByteLevel, ByteFallback, Replace, Metaspace, "
                "Fuse, Strip, WordPiece, Sequence)");
  }
}

}  // namespace

const std::string& DecoderSpec::word_marker() const {
  static const std::string none;
  for (const auto& [from, to] : replacements) {
    if (to == " ") return from;
  }
  return none;
}

bool DecoderSpec::decode(const std::string& token, std::string& text) const {
  if (byte_fallback && token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') {
    const int high = hex_digit(token[3]);
    const int low = hex_digit(token[4]);
    if (high >= 0 && low >= 0) {
      text.assign(1, static_cast<char>(high * 16 + low));
      return true;
    }
  }
  if (replacements.empty()) return byte_level && ByteLevelAlphabet::get().decode(token, text);
  text = token;
  for (const auto& [from, to] : replacements) {
    for (std::size_t pos = text.find(from); !from.empty() && pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  }
  std::string bytes;
  if (byte_level && ByteLevelAlphabet::get().decode(text, bytes)) text = std::move(bytes);
  return text != token || byte_level;
}

DecoderSpec decoder_from_json(const nlohmann::json& json) {
  DecoderSpec spec;
  if (!json.is_null()) add_to_spec(json, spec);
  return spec;
}

}  // namespace attnviz::tokenize
