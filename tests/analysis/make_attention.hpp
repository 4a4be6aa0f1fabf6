#pragma once

#include <string>
#include <vector>

#include "attnviz/attention.hpp"

namespace attnviz::test {

// A hand-made Attention: weights given layer by layer, head by head, row by row. Tokens default to
// "t0", "t1", ...; special flags to all false.
inline Attention make_attention(int layers, int heads, int n, std::vector<float> weights,
                                std::vector<std::string> tokens = {},
                                std::vector<bool> special = {}) {
  Attention a;
  a.layers = layers;
  a.heads = heads;
  a.n = n;
  a.weights = std::move(weights);
  if (tokens.empty()) {
    for (int i = 0; i < n; ++i) tokens.push_back("t" + std::to_string(i));
  }
  a.tokens = std::move(tokens);
  a.special = special.empty() ? std::vector<bool>(n, false) : std::move(special);
  return a;
}

}  // namespace attnviz::test
