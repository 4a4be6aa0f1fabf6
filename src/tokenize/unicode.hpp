#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Unicode as Hugging Face's tokenizers see it: libutf8proc's properties plus the generated list of
// code points where HF's own (older or newer) tables differ (unicode_exceptions.inc).
namespace attnviz::tokenize {

// How BertNormalizer(clean_text) and BertPreTokenizer treat a code point.
enum class BertClass : std::uint8_t { Other, Removed, Space, Punctuation };
// How GPT-2's split pattern sees a code point: \p{L}, \p{N}, \s or none of them.
enum class Gpt2Class : std::uint8_t { Other, Letter, Number, Space };

// How the Whitespace pre-tokenizer's pattern \w+|[^\w\s]+ (Rust's regex crate) sees a code point.
enum class WordClass : std::uint8_t { Other, Word, Space };

BertClass bert_class(char32_t c);
WordClass word_class(char32_t c);
Gpt2Class gpt2_class(char32_t c);
// Rust's char::is_whitespace (the White_Space property).
bool is_white_space(char32_t c);
bool is_cjk_ideograph(char32_t c);  // BertNormalizer's handle_chinese_chars ranges
// Appends c decomposed (NFD) without its nonspacing marks, as BertNormalizer's strip_accents does.
void append_bert_strip_accents(char32_t c, std::u32string& out);
// Appends c unless it is a combining mark, as the StripAccents normalizer does (it expects NFD
// before it).
void append_strip_accents(char32_t c, std::u32string& out);
// Appends c lowercased the way Rust's char::to_lowercase does ('İ' becomes "i̇").
void append_lowercase(char32_t c, std::u32string& out);
// Appends the canonical decomposition of c (NFD, one code point at a time).
void append_nfd(char32_t c, std::u32string& out);
// Appends the compatibility decomposition (NFKD) of c without combining marks (canonical combining
// class > 0), as transformers' SentencePiece tokenizers do when keep_accents is false.
void append_nfkd_without_combining(char32_t c, std::u32string& out);
// Python's str.isspace(), which str.split() uses: White_Space plus the separators U+001C..U+001F.
bool is_python_space(char32_t c);
bool is_decimal_digit(char32_t c);  // category Nd
bool is_numeric(char32_t c);        // Rust's char::is_numeric: categories Nd, Nl, No
// HF's Punctuation pre-tokenizer: ASCII punctuation or a category P* character.
bool is_punctuation(char32_t c);
bool is_invisible(char32_t c);  // control and format characters, for display

// UTF-8. decode_utf8 throws attnviz::Error naming the byte offset of the first invalid sequence.
char32_t decode_utf8(std::string_view text, std::size_t& pos);
// The same without throwing: false (pos unchanged) at an invalid sequence.
bool try_decode_utf8(std::string_view text, std::size_t& pos, char32_t& c);
void append_utf8(char32_t c, std::string& out);
void validate_utf8(std::string_view text);

}  // namespace attnviz::tokenize
