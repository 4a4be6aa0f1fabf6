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

void NormalizedText::transform(const std::u32string& result, const std::vector<int>& changes) {
  NormalizedText out;
  std::size_t next = 0;  // the next original character to take the place of
  for (std::size_t k = 0; k < result.size(); ++k) {
    const std::size_t from = changes[k] > 0 || next >= size() ? (next > 0 ? next - 1 : 0) : next;
    out.push(result[k], begin[from], end[from]);
    if (changes[k] <= 0) next += 1 + static_cast<std::size_t>(-changes[k]);
  }
  *this = std::move(out);
}

}  // namespace attnviz::tokenize
