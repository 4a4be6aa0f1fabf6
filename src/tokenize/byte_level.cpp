#include "byte_level.hpp"

#include "unicode.hpp"

namespace attnviz::tokenize {

ByteLevelAlphabet::ByteLevelAlphabet() {
  byte_of_char_.fill(-1);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable =
        (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    const char32_t c = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
    std::string s;
    append_utf8(c, s);
    length_[b] = static_cast<std::uint8_t>(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) utf8_[b][i] = s[i];
    byte_of_char_[c] = static_cast<std::int16_t>(b);
  }
}

const ByteLevelAlphabet& ByteLevelAlphabet::get() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

bool ByteLevelAlphabet::decode(std::string_view token, std::string& bytes) const {
  for (std::size_t pos = 0; pos < token.size();) {
    const char32_t c = decode_utf8(token, pos);
    if (c >= byte_of_char_.size() || byte_of_char_[c] < 0) return false;
    bytes.push_back(static_cast<char>(byte_of_char_[c]));
  }
  return true;
}

}  // namespace attnviz::tokenize
