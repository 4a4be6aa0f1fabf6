#include <algorithm>
#include <string>
#include <vector>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "checks.hpp"

namespace attnviz {

namespace {

constexpr std::string_view kContinuation = "\xC2\xB7";  // U+00B7, as Encoding::display marks it

bool continues_word(const Encoding& e, std::size_t i) {
  return i > 0 && !e.special[i] && !e.special[i - 1] && e.display[i].rfind(kContinuation, 0) == 0;
}

}  // namespace

std::vector<std::vector<int>> word_groups(const Encoding& encoding) {
  if (encoding.display.size() != encoding.size() || encoding.special.size() != encoding.size()) {
    throw Error("the encoding's display strings and special flags do not match its " +
                std::to_string(encoding.size()) + " tokens");
  }
  std::vector<std::vector<int>> groups;
  for (std::size_t i = 0; i < encoding.size(); ++i) {
    if (groups.empty() || !continues_word(encoding, i)) groups.emplace_back();
    groups.back().push_back(static_cast<int>(i));
  }
  return groups;
}

int word_of_token(const Encoding& encoding, int token) {
  if (token < 0) return -1;
  const auto groups = word_groups(encoding);
  for (std::size_t w = 0; w < groups.size(); ++w) {
    if (std::find(groups[w].begin(), groups[w].end(), token) != groups[w].end())
      return static_cast<int>(w);
  }
  return -1;
}

namespace {

// The groups' words as a person reads them: the pieces' display joined, "·" markers dropped.
std::vector<std::string> word_texts(const Encoding& encoding,
                                    const std::vector<std::vector<int>>& groups) {
  std::vector<std::string> words;
  for (const auto& group : groups) {
    std::string word;
    for (const int t : group) {
      const std::string& d = encoding.display[t];
      word += t == group.front() ? d : d.substr(kContinuation.size());
    }
    words.push_back(word);
  }
  return words;
}

std::vector<bool> word_special(const Encoding& encoding,
                               const std::vector<std::vector<int>>& groups) {
  std::vector<bool> special;
  for (const auto& group : groups) special.push_back(encoding.special[group.front()]);
  return special;
}

void check_encoding(const Encoding& encoding, int tokens, const char* side) {
  if (static_cast<int>(encoding.size()) != tokens) {
    throw Error("the " + std::string(side) + " encoding has " + std::to_string(encoding.size()) +
                " tokens but the attention " + std::to_string(tokens) +
                ": merge the words of the encoding the attention was computed from");
  }
}

}  // namespace

Attention word_attention(const Attention& a, const Encoding& encoding) {
  if (a.cross())
    throw Error(
        "cross attention's keys are other tokens than its queries: merge its words with "
        "both encodings (the target's and the source's)");
  return word_attention(a, encoding, encoding);
}

Attention word_attention(const Attention& a, const Encoding& queries, const Encoding& keys) {
  analysis_detail::check_shape(a);
  check_encoding(queries, a.n, a.cross() ? "target" : "query");
  check_encoding(keys, a.columns(), a.cross() ? "source" : "key");
  const auto rows = word_groups(queries);
  const auto cols = a.cross() ? word_groups(keys) : rows;
  const int row_words = static_cast<int>(rows.size()), col_words = static_cast<int>(cols.size());
  Attention out;
  out.layers = a.layers;
  out.heads = a.heads;
  out.n = row_words;
  out.causal = a.causal;
  out.heads_per_kv = a.heads_per_kv;
  out.layer_ids = a.layer_ids;  // the same layers and heads, over words
  out.head_ids = a.head_ids;
  out.tokens = word_texts(queries, rows);
  out.special = word_special(queries, rows);
  if (a.cross()) {
    out.key_count = col_words;
    out.key_tokens = word_texts(keys, cols);
    out.key_special = word_special(keys, cols);
  }
  out.weights.assign(static_cast<std::size_t>(a.layers) * a.heads * row_words * col_words, 0.0f);
  for (int l = 0; l < a.layers; ++l) {
    for (int h = 0; h < a.heads; ++h) {
      float* merged = out.weights.data() + out.head_offset(l, h);
      for (int qw = 0; qw < row_words; ++qw) {
        for (int kw = 0; kw < col_words; ++kw) {
          double sum = 0;
          for (const int q : rows[qw]) {
            for (const int k : cols[kw]) sum += a.at(l, h, q, k);
          }
          merged[qw * col_words + kw] =
              static_cast<float>(sum / static_cast<double>(rows[qw].size()));
        }
      }
    }
  }
  return out;
}

}  // namespace attnviz
