#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <utf8proc.h>

// UTF-8 helpers shared by word location and the batch file parser.
namespace attnviz::analysis_detail {

struct CodePoint {
  utf8proc_int32_t value;  // lower-cased; U+FFFD for a byte that is not valid UTF-8
  std::size_t begin;       // byte range in the decoded string
  std::size_t end;
};

// Decodes and lower-cases with Unicode's simple (one-to-one) case mapping, so every code point
// keeps its byte range in the original string.
std::vector<CodePoint> decode_lower(std::string_view s);

// s lower-cased as decode_lower does it, re-encoded.
std::string lower_case(std::string_view s);

// s without ASCII whitespace at either end.
inline std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// s between double quotes, for messages; a long text (a document) is cut after about 80 bytes.
inline std::string in_quotes(std::string_view s) {
  constexpr std::size_t kShown = 80;
  if (s.size() <= kShown) return "\"" + std::string(s) + "\"";
  std::size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole chars
  return "\"" + std::string(s.substr(0, cut)) + "…\" (" + std::to_string(s.size()) + " bytes)";
}

// The byte offset of the first invalid UTF-8 sequence, or s.size() when s is valid.
std::size_t invalid_utf8_offset(std::string_view s);

}  // namespace attnviz::analysis_detail
