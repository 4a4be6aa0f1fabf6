#include <cstdint>
#include <string>
#include <vector>

#include <utf8proc.h>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "text.hpp"

namespace attnviz {

using analysis_detail::CodePoint;
using analysis_detail::decode_lower;
using analysis_detail::in_quotes;

namespace {

bool is_word_char(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

bool is_space(utf8proc_int32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
         utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

bool matches_at(const std::vector<CodePoint>& text, std::size_t start,
                const std::vector<CodePoint>& word) {
  if (start + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const auto t = text[start + i].value;
    const auto w = word[i].value;
    if (t != w && !(is_space(t) && is_space(w))) return false;
  }
  // Whole word: a word character at either end of the pattern must not continue into the text.
  if (is_word_char(word.front().value) && start > 0 && is_word_char(text[start - 1].value)) {
    return false;
  }
  const std::size_t after = start + word.size();
  if (is_word_char(word.back().value) && after < text.size() && is_word_char(text[after].value)) {
    return false;
  }
  return true;
}

}  // namespace

std::vector<int> find_word(const Encoding& encoding, std::string_view text, std::string_view word,
                           std::optional<int> occurrence, int segment) {
  word = analysis_detail::trim(word);
  const auto pattern = decode_lower(word);
  if (pattern.empty()) throw Error("the word to find in " + in_quotes(text) + " is empty");

  const auto chars = decode_lower(text);
  struct Match {
    std::size_t begin, end;
  };
  std::vector<Match> found;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (matches_at(chars, i, pattern)) {
      found.push_back({chars[i].begin, chars[i + pattern.size() - 1].end});
    }
  }

  const std::string where = in_quotes(word) + " in " + in_quotes(text);
  if (found.empty()) {
    throw Error("the word " + where +
                " was not found (whole words, ignoring case); check the spelling and that the word "
                "belongs to this sentence");
  }
  if (!occurrence && found.size() > 1) {
    throw Error("the word " + where + " occurs " + std::to_string(found.size()) +
                " times; say which occurrence you mean");
  }
  const int pick = occurrence.value_or(0);
  if (pick < 0 || static_cast<std::size_t>(pick) >= found.size()) {
    throw Error("occurrence index " + std::to_string(pick) + " (0-based) of the word " + where +
                " does not exist: it occurs " + std::to_string(found.size()) + " time" +
                (found.size() == 1 ? "" : "s"));
  }

  if (encoding.spans.size() != encoding.size() || encoding.special.size() != encoding.size() ||
      (!encoding.type_ids.empty() && encoding.type_ids.size() != encoding.size())) {
    throw Error("the encoding of " + in_quotes(text) +
                " is inconsistent: its spans, special flags and type ids do not match its " +
                std::to_string(encoding.size()) + " ids");
  }
  const Match m = found[static_cast<std::size_t>(pick)];
  std::vector<int> tokens;
  for (std::size_t t = 0; t < encoding.size(); ++t) {
    const int token_segment =
        encoding.type_ids.empty() ? 0 : static_cast<int>(encoding.type_ids[t]);
    const ByteSpan span = encoding.spans[t];
    if (token_segment != segment || encoding.special[t] || span.begin == span.end) continue;
    if (span.begin < m.end && span.end > m.begin) tokens.push_back(static_cast<int>(t));
  }
  if (tokens.empty()) {
    throw Error("the word " + where + " is not covered by any token (bytes " +
                std::to_string(m.begin) + " to " + std::to_string(m.end) +
                "); was the text cut to fit the model?");
  }
  return tokens;
}

}  // namespace attnviz
