#include "text.hpp"

namespace attnviz::analysis_detail {

namespace {

// Length of the valid sequence at s[pos] and its code point in *cp, or a value <= 0 when invalid.
utf8proc_ssize_t next_code_point(std::string_view s, std::size_t pos, utf8proc_int32_t* cp) {
  return utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + pos),
                          static_cast<utf8proc_ssize_t>(s.size() - pos), cp);
}

}  // namespace

std::vector<CodePoint> decode_lower(std::string_view s) {
  std::vector<CodePoint> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    utf8proc_int32_t cp = 0;
    auto len = next_code_point(s, pos, &cp);
    if (len <= 0) {
      cp = 0xFFFD;
      len = 1;
    }
    out.push_back({utf8proc_tolower(cp), pos, pos + static_cast<std::size_t>(len)});
    pos += static_cast<std::size_t>(len);
  }
  return out;
}

std::string lower_case(std::string_view s) {
  std::string out;
  for (const auto& cp : decode_lower(s)) {
    utf8proc_uint8_t buffer[4];
    const auto len = utf8proc_encode_char(cp.value, buffer);
    out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(len));
  }
  return out;
}

std::size_t invalid_utf8_offset(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    utf8proc_int32_t cp = 0;
    const auto len = next_code_point(s, pos, &cp);
    if (len <= 0) return pos;
    pos += static_cast<std::size_t>(len);
  }
  return s.size();
}

}  // namespace attnviz::analysis_detail
