#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "normalized_text.hpp"

namespace attnviz::tokenize {

class Normalizer;

// A token the tokenizer files add on top of the model ("[MASK]", "<|endoftext|>"). Written in the
// text, it is kept whole, never split by the pre-tokenizer or the model.
struct AddedToken {
  std::string content;
  std::int32_t id = 0;
  bool special = false;
  bool normalized = false;   // matched in the normalized text rather than in the original
  bool lstrip = false;       // also swallows whitespace on its left
  bool rstrip = false;       // ... and on its right
  bool single_word = false;  // only matches when not inside a word
};

struct AddedMatch {
  CharRange range;  // code points of the text the match covers (strips included)
  std::int32_t id;
};

// Finds added tokens in text, leftmost-longest, as HF's AddedVocabulary does: first the
// non-normalized tokens in the original text, then the normalized ones in each normalized
// remainder.
class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  AddedVocabulary(const std::vector<AddedToken>& tokens, const Normalizer* normalizer);
  void find(const NormalizedText& text, CharRange range, bool normalized,
            std::vector<AddedMatch>& out) const;
  bool has(bool normalized) const { return !patterns_[normalized].empty(); }

 private:
  struct Pattern {
    std::u32string text;
    std::int32_t id;
    bool lstrip, rstrip, single_word;
  };
  // Per kind (0: original text, 1: normalized): patterns by first code point, longest first.
  std::unordered_map<char32_t, std::vector<Pattern>> patterns_[2];
};

}  // namespace attnviz::tokenize
