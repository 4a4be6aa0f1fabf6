#pragma once

// Hand-made attention-like matrices for the render tests. Only + - * / are used, so the inputs
// are bit-identical on every machine (no libm).

#include <string>
#include <vector>

#include "attnviz/render.hpp"

namespace attnviz::test {

inline std::vector<std::string> winograd_tokens() {
  return {"[CLS]",  "the",     "animal", "didn", "'",   "t",     "cross", "the",
          "street", "because", "it",     "was",  "too", "tired", ".",     "[SEP]"};
}

inline std::vector<bool> bert_special(std::size_t n) {
  std::vector<bool> s(n, false);
  s.front() = s.back() = true;
  return s;
}

// Rows sum to 1: a local band, a pull towards the first and last token, and one query row (focus)
// that attends mostly to one key (target). seed varies the pattern between heads.
inline std::vector<float> attention_like(int n, int seed, int focus = -1, int target = -1,
                                         bool causal = false) {
  std::vector<float> m(static_cast<std::size_t>(n) * n);
  for (int i = 0; i < n; ++i) {
    float sum = 0;
    const int shift = seed % 3 - 1;  // heads that look back, at, or ahead
    for (int j = 0; j < n; ++j) {
      float w = 0;
      if (!causal || j <= i) {
        const float d = static_cast<float>(i + shift - j);
        w = 1.0f / (1.0f + d * d * (1 + seed % 4));
        if (j == 0) w += 0.3f + 0.1f * (seed % 5);
        if (j == n - 1) w += 0.2f + 0.15f * (seed % 3);
        if (i == focus && j == target) w += 4;
        w += 0.02f * static_cast<float>((i * 7 + j * 13 + seed * 5) % 11);
      }
      m[static_cast<std::size_t>(i) * n + j] = w;
      sum += w;
    }
    for (int j = 0; j < n; ++j) m[static_cast<std::size_t>(i) * n + j] /= sum;
  }
  return m;
}

inline HeatmapData data_of(const std::vector<float>& m, const std::vector<std::string>& tokens,
                           const std::vector<bool>& special) {
  HeatmapData d;
  const int n = static_cast<int>(tokens.size());
  d.matrix = {m.data(), n, n};
  d.rows = d.cols = {tokens, special};
  return d;
}

// n tokens of a long made-up text, words of varied length.
inline std::vector<std::string> long_tokens(int n) {
  static const char* words[] = {"the",   "model", "attends", "to",   "every",  "token",
                                "##ing", "while", "reading", "long", "inputs", ",",
                                "and",   "heads", "differ",  "a",    "lot",    "."};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(words[(i * 5 + i / 7) % 18]);
  out.front() = "[CLS]";
  out.back() = "[SEP]";
  return out;
}

}  // namespace attnviz::test
