#include "added_vocabulary.hpp"

#include <algorithm>

#include "normalizer.hpp"
#include "unicode.hpp"

namespace attnviz::tokenize {
namespace {

bool is_word_char(char32_t c) {
  const Gpt2Class cls = gpt2_class(c);
  return cls == Gpt2Class::Letter || cls == Gpt2Class::Number || c == U'_';
}

}  // namespace

AddedVocabulary::AddedVocabulary(const std::vector<AddedToken>& tokens,
                                 const Normalizer* normalizer) {
  for (const AddedToken& token : tokens) {
    if (token.content.empty()) continue;
    NormalizedText text = NormalizedText::from_original(token.content, 0, token.content.size());
    const bool normalized = token.normalized && normalizer != nullptr;
    if (normalized) normalizer->normalize(text);
    if (text.chars.empty()) continue;
    patterns_[normalized][text.chars.front()].push_back(
        {text.chars, token.id, token.lstrip, token.rstrip, token.single_word});
  }
  // Longest first, in the tokens' order among equal lengths. Sorted once: Gemma 3's 6,415 added
  // tokens, thousands of them starting with '<', took seconds re-sorted after each one.
  for (auto& by_first : patterns_) {
    for (auto& [first, list] : by_first) {
      std::stable_sort(list.begin(), list.end(), [](const Pattern& a, const Pattern& b) {
        return a.text.size() > b.text.size();
      });
    }
  }
}

void AddedVocabulary::find(const NormalizedText& text, CharRange range, bool normalized,
                           std::vector<AddedMatch>& out) const {
  const auto& patterns = patterns_[normalized];
  if (patterns.empty()) return;
  const char32_t* s = text.chars.data();
  std::uint32_t i = range.begin;
  while (i < range.end) {
    const auto it = patterns.find(s[i]);
    const Pattern* hit = nullptr;
    if (it != patterns.end()) {
      for (const Pattern& p : it->second) {
        const std::uint32_t stop = i + static_cast<std::uint32_t>(p.text.size());
        if (stop > range.end || !std::equal(p.text.begin(), p.text.end(), s + i)) continue;
        if (p.single_word && ((i > range.begin && is_word_char(s[i - 1])) ||
                              (stop < range.end && is_word_char(s[stop])))) {
          continue;
        }
        hit = &p;
        break;
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    std::uint32_t begin = i;
    std::uint32_t end = i + static_cast<std::uint32_t>(hit->text.size());
    const std::uint32_t floor =
        out.empty() || out.back().range.end < range.begin ? range.begin : out.back().range.end;
    if (hit->lstrip) {
      while (begin > floor && is_white_space(s[begin - 1])) --begin;
    }
    if (hit->rstrip) {
      while (end < range.end && is_white_space(s[end])) ++end;
    }
    out.push_back({{begin, end}, hit->id});
    i = end;
  }
}

}  // namespace attnviz::tokenize
