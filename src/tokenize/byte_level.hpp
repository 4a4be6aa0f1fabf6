#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnviz::tokenize {

// GPT-2's reversible byte -> printable character table (bytes_to_unicode): every byte of the text
// becomes one visible character, so a BPE vocabulary of strings can cover any input.
class ByteLevelAlphabet {
 public:
  static const ByteLevelAlphabet& get();
  // The UTF-8 of the character standing for byte b.
  std::string_view encode(std::uint8_t b) const { return {utf8_[b].data(), length_[b]}; }
  // Turns a vocabulary token back into the bytes it stands for; false if some character is not in
  // the table.
  bool decode(std::string_view token, std::string& bytes) const;

 private:
  ByteLevelAlphabet();
  std::array<std::array<char, 2>, 256> utf8_{};
  std::array<std::uint8_t, 256> length_{};
  std::array<std::int16_t, 324> byte_of_char_{};  // code point -> byte, -1 if none
};

}  // namespace attnviz::tokenize
