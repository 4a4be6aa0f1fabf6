#include "unicode.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "attnviz/error.hpp"

namespace attnviz::tokenize {
namespace {

template <typename Class>
struct ClassException {
  char32_t first;
  char32_t last;
  Class value;
};

struct MapException {
  char32_t c;
  char32_t out[3];
  std::uint8_t size;
};

#include "unicode_exceptions.inc"

template <typename Class, std::size_t N>
const ClassException<Class>* find_class(const ClassException<Class> (&table)[N], char32_t c) {
  auto it =
      std::upper_bound(std::begin(table), std::end(table), c,
                       [](char32_t x, const ClassException<Class>& e) { return x < e.first; });
  if (it == std::begin(table)) return nullptr;
  --it;
  return c <= it->last ? &*it : nullptr;
}

template <std::size_t N>
const MapException* find_map(const MapException (&table)[N], char32_t c) {
  auto it = std::lower_bound(std::begin(table), std::end(table), c,
                             [](const MapException& e, char32_t x) { return e.c < x; });
  return it != std::end(table) && it->c == c ? &*it : nullptr;
}

utf8proc_category_t category(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

bool is_ascii_punctuation(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

[[noreturn]] void throw_invalid_utf8(std::size_t pos) {
  throw Error(
      "the text is not valid UTF-8 (invalid byte sequence at byte offset " + std::to_string(pos) +
      "); Hugging Face's tokenizers only accept valid UTF-8 too: convert or clean the text first");
}

}  // namespace

bool is_white_space(char32_t c) {
  if (c == ' ' || (c >= 9 && c <= 13)) return true;
  if (c < 0x85) return false;
  if (c == 0x85) return true;
  const auto cat = category(c);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

BertClass bert_class(char32_t c) {
  if (c < 0x80) {
    if (c == 0) return BertClass::Removed;
    if (c == '\t' || c == '\n' || c == '\r' || c == ' ') return BertClass::Space;
    if (c < 0x20 || c == 0x7F)
      return BertClass::Removed;  // other controls, \v and \f included, go first
    return is_ascii_punctuation(c) ? BertClass::Punctuation : BertClass::Other;
  }
  if (const auto* e = find_class(kBertClassExceptions, c)) return e->value;
  if (c == 0xFFFD) return BertClass::Removed;
  switch (category(c)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS:
      return BertClass::Removed;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return BertClass::Space;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return BertClass::Punctuation;
    default:
      return BertClass::Other;
  }
}

WordClass word_class(char32_t c) {
  // \w: letters, marks, Nd, Nl and Pc (utf8proc's categories are 1 to 29).
  constexpr std::uint32_t kWordCategories =
      1u << UTF8PROC_CATEGORY_LU | 1u << UTF8PROC_CATEGORY_LL | 1u << UTF8PROC_CATEGORY_LT |
      1u << UTF8PROC_CATEGORY_LM | 1u << UTF8PROC_CATEGORY_LO | 1u << UTF8PROC_CATEGORY_MN |
      1u << UTF8PROC_CATEGORY_MC | 1u << UTF8PROC_CATEGORY_ME | 1u << UTF8PROC_CATEGORY_ND |
      1u << UTF8PROC_CATEGORY_NL | 1u << UTF8PROC_CATEGORY_PC;
  if (const auto* e = find_class(kWordClassExceptions, c)) return e->value;
  if (is_white_space(c)) return WordClass::Space;
  if (c == 0x200C || c == 0x200D) return WordClass::Word;  // Join_Control
  return (kWordCategories >> category(c)) & 1u ? WordClass::Word : WordClass::Other;
}

Gpt2Class gpt2_class(char32_t c) {
  if (c < 0x80) {
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return Gpt2Class::Letter;
    if (c >= '0' && c <= '9') return Gpt2Class::Number;
    if (c == ' ' || (c >= 9 && c <= 13)) return Gpt2Class::Space;
    return Gpt2Class::Other;
  }
  if (const auto* e = find_class(kGpt2ClassExceptions, c)) return e->value;
  if (is_white_space(c)) return Gpt2Class::Space;
  switch (category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return Gpt2Class::Letter;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return Gpt2Class::Number;
    default:
      return Gpt2Class::Other;
  }
}

bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void append_bert_strip_accents(char32_t c, std::u32string& out) {
  if (c < 0xC0) {
    out.push_back(c);
    return;
  }
  if (const auto* e = find_map(kBertStripExceptions, c)) {
    out.append(e->out, e->size);
    return;
  }
  utf8proc_int32_t buffer[32];
  const auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buffer, 32,
                                         UTF8PROC_DECOMPOSE, nullptr);
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    if (category(static_cast<char32_t>(buffer[i])) != UTF8PROC_CATEGORY_MN)
      out.push_back(buffer[i]);
  }
}

void append_strip_accents(char32_t c, std::u32string& out) {
  if (const auto* e = find_map(kStripAccentsExceptions, c)) {
    out.append(e->out, e->size);
    return;
  }
  const auto cat = category(c);
  if (cat != UTF8PROC_CATEGORY_MN && cat != UTF8PROC_CATEGORY_MC && cat != UTF8PROC_CATEGORY_ME)
    out.push_back(c);
}

void append_lowercase(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
  } else if (c == 0x130) {  // the one unconditional multi-character lowercase mapping
    out.push_back(U'i');
    out.push_back(0x307);
  } else if (const auto* e = find_map(kLowercaseExceptions, c)) {
    out.append(e->out, e->size);
  } else {
    out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
  }
}

void append_nfd(char32_t c, std::u32string& out) {
  utf8proc_int32_t buffer[32];
  const auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buffer, 32,
                                         UTF8PROC_DECOMPOSE, nullptr);
  out.append(buffer, buffer + n);
}

void append_nfkd_without_combining(char32_t c, std::u32string& out) {
  utf8proc_int32_t buffer[32];
  const auto n = utf8proc_decompose_char(
      static_cast<utf8proc_int32_t>(c), buffer, 32,
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT), nullptr);
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    if (utf8proc_get_property(buffer[i])->combining_class == 0)
      out.push_back(static_cast<char32_t>(buffer[i]));
  }
}

bool is_python_space(char32_t c) {
  return (c >= 0x1C && c <= 0x1F) || is_white_space(c);
}

bool is_decimal_digit(char32_t c) {
  return category(c) == UTF8PROC_CATEGORY_ND;
}

bool is_numeric(char32_t c) {
  const auto cat = category(c);
  return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
}

bool is_punctuation(char32_t c) {
  const auto cat = category(c);
  return is_ascii_punctuation(c) || (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO);
}

bool is_invisible(char32_t c) {
  const auto cat = category(c);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_CN || (c != ' ' && cat == UTF8PROC_CATEGORY_ZS) ||
         cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

bool try_decode_utf8(std::string_view text, std::size_t& pos, char32_t& c) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char b0 = s[pos];
  if (b0 < 0x80) {
    c = b0;
    ++pos;
    return true;
  }
  std::size_t len;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (pos + len > text.size()) return false;
  for (std::size_t i = 1; i < len; ++i) {
    if ((s[pos + i] & 0xC0) != 0x80) return false;
    c = (c << 6) | (s[pos + i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
  pos += len;
  return true;
}

char32_t decode_utf8(std::string_view text, std::size_t& pos) {
  char32_t c;
  if (!try_decode_utf8(text, pos, c)) throw_invalid_utf8(pos);
  return c;
}

void append_utf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

void validate_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) decode_utf8(text, pos);
}

}  // namespace attnviz::tokenize
