// HF's Precompiled normalizer (tokenizers' normalizers/precompiled.rs over the spm_precompiled
// crate): SentencePiece's normalization rules, compiled into a darts-clone double-array trie from
// UTF-8 sequences to offsets into a block of NUL-terminated replacement strings.
#include <utf8proc.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attnviz/error.hpp"
#include "normalizer.hpp"
#include "unicode.hpp"

namespace attnviz::tokenize {
namespace {

// RFC 4648 base64 with padding, as Rust's base64 STANDARD engine reads it.
std::string decode_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0)
    throw Error("Precompiled normalizer: precompiled_charsmap is not base64 (its length, " +
                std::to_string(text.size()) + ", is not a multiple of 4)");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int padding = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int v = k >= 4 - static_cast<std::size_t>(padding) ? 0 : value(text[i + k]);
      if (v < 0)
        throw Error("Precompiled normalizer: precompiled_charsmap is not base64 (character " +
                    std::to_string(i + k) + ")");
      group = group << 6 | static_cast<std::uint32_t>(v);
    }
    for (int k = 0; k < 3 - padding; ++k) out.push_back(static_cast<char>(group >> (16 - 8 * k)));
  }
  return out;
}

class PrecompiledNormalizer : public Normalizer {
 public:
  explicit PrecompiledNormalizer(const std::string& charsmap_base64) {
    const std::string blob = decode_base64(charsmap_base64);
    auto le32 = [&](std::size_t pos) {
      std::uint32_t v = 0;
      for (int k = 3; k >= 0; --k) v = v << 8 | static_cast<unsigned char>(blob[pos + k]);
      return v;
    };
    if (blob.size() < 4) throw damaged("it has no trie size");
    const std::uint32_t trie_bytes = le32(0);
    if (trie_bytes < 4 || trie_bytes > blob.size() - 4)
      throw damaged("its trie size (" + std::to_string(trie_bytes) + " bytes) does not fit its " +
                    std::to_string(blob.size()) + " bytes");
    for (std::size_t pos = 4; pos + 4 <= 4 + std::size_t{trie_bytes}; pos += 4)
      units_.push_back(le32(pos));
    normalized_ = blob.substr(4 + 4 * units_.size());
    std::size_t pos = 0;
    for (char32_t c; pos < normalized_.size() && try_decode_utf8(normalized_, pos, c);) continue;
    if (pos < normalized_.size())
      throw damaged("its replacement strings are not UTF-8 (byte " + std::to_string(pos) + ")");
  }

  // As spm_precompiled: a grapheme shorter than 6 bytes is replaced as a whole when some prefix of
  // it has a rule; otherwise each of its characters on its own.
  void normalize(NormalizedText& text) const override {
    std::u32string result;
    std::vector<int> changes;
    bool modified = false;
    std::string utf8;
    for (std::size_t begin = 0, end; begin < text.size(); begin = end) {
      end = grapheme_end(text.chars, begin);
      utf8.clear();
      for (std::size_t i = begin; i < end; ++i) append_utf8(text.chars[i], utf8);
      if (utf8.size() < 6) {
        if (const auto replacement = transform(utf8)) {
          modified = true;
          replace(end - begin, *replacement, result, changes);
          continue;
        }
      }
      if (end == begin + 1) {  // a lone character: it was just looked up as its grapheme
        result.push_back(text.chars[begin]);
        changes.push_back(0);
        continue;
      }
      for (std::size_t i = begin; i < end; ++i) {
        utf8.clear();
        append_utf8(text.chars[i], utf8);
        if (const auto replacement = transform(utf8)) {
          modified = true;
          replace(1, *replacement, result, changes);
        } else {
          result.push_back(text.chars[i]);
          changes.push_back(0);
        }
      }
    }
    if (modified) text.transform(result, changes);
  }

 private:
  static Error damaged(const std::string& why) {
    return Error("Precompiled normalizer: precompiled_charsmap is damaged (" + why +
                 "); convert the SentencePiece model again");
  }

  // The end of the extended grapheme cluster that starts at `begin` (UAX #29, utf8proc's rules).
  static std::size_t grapheme_end(const std::u32string& chars, std::size_t begin) {
    utf8proc_int32_t state = 0;
    std::size_t end = begin + 1;
    while (end < chars.size() &&
           !utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(chars[end - 1]),
                                             static_cast<utf8proc_int32_t>(chars[end]), &state))
      ++end;
    return end;
  }

  std::uint32_t unit(std::size_t pos) const {
    if (pos >= units_.size())
      throw damaged("a trie link points past its " + std::to_string(units_.size()) + " units");
    return units_[pos];
  }

  // The replacement of the shortest prefix of key with a rule (darts-clone's commonPrefixSearch,
  // first result), if any.
  std::optional<std::u32string> transform(std::string_view key) const {
    auto offset = [](std::uint32_t u) -> std::size_t {
      return (u >> 10) << ((u & (1u << 9)) >> 6);
    };
    std::size_t node = offset(unit(0));
    for (const char ch : key) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == 0) break;
      node ^= c;
      const std::uint32_t u = unit(node);
      if ((u & (0x80000000u | 0xFFu)) != c) return std::nullopt;
      node ^= offset(u);
      if ((u >> 8) & 1) return replacement(unit(node) & 0x7FFFFFFFu);
    }
    return std::nullopt;
  }

  std::u32string replacement(std::size_t index) const {
    if (index > normalized_.size()) throw damaged("a rule points past its replacement strings");
    const std::size_t stop = normalized_.find('\0', index);
    const std::string_view bytes =
        std::string_view(normalized_)
            .substr(index, stop == std::string::npos ? stop : stop - index);
    std::u32string out;
    for (std::size_t pos = 0; pos < bytes.size();) {
      char32_t c;
      if (!try_decode_utf8(bytes, pos, c))
        throw damaged("a rule points into the middle of a character");
      out.push_back(c);
    }
    return out;
  }

  // Appends `replacement` for `old_count` original characters, with spm_precompiled's changes:
  // the extra characters inserted, or the missing ones removed after the character before.
  static void replace(std::size_t old_count, const std::u32string& replacement,
                      std::u32string& result, std::vector<int>& changes) {
    result += replacement;
    changes.resize(result.size(), 0);
    const auto diff =
        static_cast<std::ptrdiff_t>(replacement.size()) - static_cast<std::ptrdiff_t>(old_count);
    if (diff > 0) {
      for (std::size_t k = changes.size() - static_cast<std::size_t>(diff); k < changes.size(); ++k)
        changes[k] = 1;
    } else if (diff < 0 && !changes.empty()) {
      changes.back() += static_cast<int>(diff);
    }
  }

  std::vector<std::uint32_t> units_;
  std::string normalized_;
};

}  // namespace

std::unique_ptr<Normalizer> make_precompiled_normalizer(const std::string& charsmap_base64) {
  return std::make_unique<PrecompiledNormalizer>(charsmap_base64);
}

}  // namespace attnviz::tokenize
