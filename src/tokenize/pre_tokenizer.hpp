#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "normalized_text.hpp"

namespace attnviz::tokenize {

// Splits a range of normalized text into words (HF's pre-tokenizers); what lies between words is
// dropped.
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void split(const NormalizedText& text, CharRange range,
                     std::vector<CharRange>& words) const = 0;
};

// Whitespace splits, then every punctuation character on its own (BertPreTokenizer).
std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer();
// GPT-2's pattern: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::unique_ptr<PreTokenizer> make_gpt2_pre_tokenizer();

// HF's Metaspace pre-tokenizer, which changes the text: spaces become `replacement`, which is also
// put in front of a piece (always, only before the start of the text, or never); its split on
// `replacement` is a step of the splitter.
struct MetaspaceSpec {
  enum class Prepend { always, first, never };
  char32_t replacement = U'\u2581';
  Prepend prepend = Prepend::always;
  void apply(NormalizedText& text) const;
};

// What a tokenizer.json "pre_tokenizer" asks for. ByteLevel is recorded as flags, because it also
// changes what the model sees (bytes mapped to printable characters) and may prepend a space.
struct PreTokenizerSpec {
  std::unique_ptr<PreTokenizer> splitter;  // nullptr: the whole text is one word
  bool byte_level = false;
  bool add_prefix_space = false;
  std::optional<MetaspaceSpec> metaspace;  // applied to each piece before the splitter
  // The steps before Metaspace (WhitespaceSplit): the pieces Metaspace is applied to, one by one.
  std::unique_ptr<PreTokenizer> before_metaspace;
};

PreTokenizerSpec pre_tokenizer_from_json(const nlohmann::json& json);

}  // namespace attnviz::tokenize
