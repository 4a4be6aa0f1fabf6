#include "normalized_text.hpp"

#include "unicode.hpp"

namespace attnviz::tokenize {

NormalizedText NormalizedText::from_original(std::string_view original, std::size_t first,
                                             std::size_t last) {
  NormalizedText text;
  text.chars.reserve(last - first);
  text.begin.reserve(last - first);
  text.end.reserve(last - first);
  for (std::size_t pos = first; pos < last;) {
    const auto b = static_cast<std::uint32_t>(pos);
    const char32_t c = decode_utf8(original, pos);
    text.push(c, b, static_cast<std::uint32_t>(pos));
  }
  return text;
}

NormalizedText NormalizedText::slice(CharRange range) const {
  NormalizedText out;
  out.chars.assign(chars.begin() + range.begin, chars.begin() + range.end);
  out.begin.assign(begin.begin() + range.begin, begin.begin() + range.end);
  out.end.assign(end.begin() + range.begin, end.begin() + range.end);
  return out;
}

}  // namespace attnviz::tokenize
