// Text through the WordPiece and byte-level BPE tokenizers of tests/data (SentencePiece is left
// out: its library is opened with RTLD_DEEPBIND, which the sanitizer runtime refuses):
// valid UTF-8 always encodes, invalid UTF-8 is always an attnviz::Error; the text is also split at
// its first NUL byte into a sentence pair.
#include <cstdlib>
#include <memory>
#include <vector>

#include "attnviz/tokenizer.hpp"
#include "fuzz_support.hpp"

namespace {

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), written here
// independently of the tokenizer's own decoder.
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (b < 0x80)
      n = 0;
    else if (b >= 0xC2 && b <= 0xDF)
      n = 1;
    else if (b == 0xE0)
      n = 2, lo = 0xA0;
    else if (b == 0xED)
      n = 2, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF)
      n = 2;
    else if (b == 0xF0)
      n = 3, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
      n = 3;
    else if (b == 0xF4)
      n = 3, hi = 0x8F;
    else
      return false;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return false;
    }
    i += static_cast<std::size_t>(n) + 1;
  }
  return true;
}

const std::vector<std::unique_ptr<attnviz::Tokenizer>>& tokenizers() {
  static const auto all = [] {
    const std::filesystem::path data = ATTNVIZ_TEST_DATA;
    std::vector<std::unique_ptr<attnviz::Tokenizer>> out;
    for (const char* dir : {"models/bert-tiny", "models/gpt2-tiny"})
      out.push_back(attnviz::load_tokenizer(data / dir));
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = attnviz::fuzz::as_text(data, size);
  const bool valid = is_utf8(text);
  const auto nul = text.find('\0');
  for (const auto& tokenizer : tokenizers()) {
    try {
      const attnviz::Encoding e =
          nul == std::string_view::npos
              ? tokenizer->encode(text)
              : tokenizer->encode_pair(text.substr(0, nul), text.substr(nul + 1));
      if (!valid) std::abort();  // invalid UTF-8 was accepted
      if (e.ids.size() != e.tokens.size()) std::abort();
    } catch (const attnviz::Error&) {
      if (valid) std::abort();  // valid UTF-8 was refused
    }
  }
  return 0;
}
