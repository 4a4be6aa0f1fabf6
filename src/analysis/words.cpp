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

Attention word_attention(const Attention& a, const Encoding& encoding) {
  analysis_detail::check_shape(a);
  if (static_cast<int>(encoding.size()) != a.n) {
    throw Error("the encoding has " + std::to_string(encoding.size()) +
                " tokens but the attention " + std::to_string(a.n) +
                ": merge the words of the encoding the attention was computed from");
  }
  const auto groups = word_groups(encoding);
  const int words = static_cast<int>(groups.size());
  Attention out;
  out.layers = a.layers;
  out.heads = a.heads;
  out.n = words;
  out.causal = a.causal;
  out.heads_per_kv = a.heads_per_kv;
  out.layer_ids = a.layer_ids;  // the same layers and heads, over words
  out.head_ids = a.head_ids;
  out.weights.assign(static_cast<std::size_t>(a.layers) * a.heads * words * words, 0.0f);
  for (const auto& group : groups) {
    std::string word;
    for (const int t : group) {
      const std::string& d = encoding.display[t];
      word += t == group.front() ? d : d.substr(kContinuation.size());
    }
    out.tokens.push_back(word);
    out.special.push_back(encoding.special[group.front()]);
  }
  for (int l = 0; l < a.layers; ++l) {
    for (int h = 0; h < a.heads; ++h) {
      float* merged = out.weights.data() + out.head_offset(l, h);
      for (int qw = 0; qw < words; ++qw) {
        for (int kw = 0; kw < words; ++kw) {
          double sum = 0;
          for (const int q : groups[qw]) {
            for (const int k : groups[kw]) sum += a.at(l, h, q, k);
          }
          merged[qw * words + kw] =
              static_cast<float>(sum / static_cast<double>(groups[qw].size()));
        }
      }
    }
  }
  return out;
}

}  // namespace attnviz
