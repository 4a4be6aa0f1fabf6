#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::tokenize {

// A range of code points [begin, end) in a NormalizedText.
struct CharRange {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

// Text after normalization, one code point per entry, each remembering the byte range of the
// original text it came from, so every token can name its span in what the user wrote.
struct NormalizedText {
  std::u32string chars;
  std::vector<std::uint32_t> begin;  // original byte offsets, per code point
  std::vector<std::uint32_t> end;

  // Decodes original[first, last) (valid UTF-8) with identity alignment.
  static NormalizedText from_original(std::string_view original, std::size_t first,
                                      std::size_t last);
  // A copy of [range], so a normalizer can work on it alone.
  NormalizedText slice(CharRange range) const;
  // Replaces the text by `result`, aligned as HF's NormalizedString::transform does: each result
  // character carries a change, 0 for one that takes the place of the next original character, +1
  // for one inserted (aligned with the original character before it), -n for one that takes the
  // place of the next original character and removes the n after it.
  void transform(const std::u32string& result, const std::vector<int>& changes);
  void push(char32_t c, std::uint32_t b, std::uint32_t e) {
    chars.push_back(c);
    begin.push_back(b);
    end.push_back(e);
  }
  std::size_t size() const { return chars.size(); }
};

}  // namespace attnviz::tokenize
