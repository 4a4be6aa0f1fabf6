#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"

// Deterministic stand-in for a model's attention, for the HTML view's tests and benchmark: weights
// are softmax(q.k / sqrt(d)) of made-up queries and keys, so the neuron view's softmax must match
// the stored weights. Heads differ in kind (a sink on token 0, previous/next-token, diffuse) like
// the patterns of real models.
namespace attnviz::testing {

struct SyntheticSpec {
  int layers = 2;
  int heads = 3;
  int n = 8;
  int head_dim = 0;  // 0: compute with 16 dimensions but store no queries/keys
  bool causal = false;
  bool xss = false;  // put script-injection strings among the tokens
  std::uint32_t seed = 1;
};

// Strings a hostile sentence could hold; the page must show them as text.
inline const std::vector<std::string>& xss_tokens() {
  static const std::vector<std::string> t = {"<script>window.__xss=1</script>",
                                             "\"><img src=x onerror=\"window.__xss=2\">",
                                             "</script><script>window.__xss=3</script>",
                                             "<!--",
                                             "<svg onload=window.__xss=4>",
                                             "&amp;&lt;"};
  return t;
}

class Rng {
 public:
  explicit Rng(std::uint32_t seed) : engine_(seed) {}
  // mt19937's output sequence is fixed by the standard; the std distributions are not, so convert
  // here.
  double uniform() { return (engine_() + 0.5) / 4294967296.0; }
  double gaussian() {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  }

 private:
  std::mt19937 engine_;
};

inline Attention synthetic_attention(const SyntheticSpec& spec) {
  static const char* words[] = {"the", "animal", "didn't", "cross", "street", "because", "it",
                                "was", "too",    "tired",  "wide",  "cat",    "sat",     "on"};
  Attention a;
  a.layers = spec.layers;
  a.heads = spec.heads;
  a.n = spec.n;
  a.causal = spec.causal;
  const int n = spec.n;
  for (int i = 0; i < n; ++i) {
    const bool edge = !spec.causal && (i == 0 || i == n - 1);
    a.tokens.push_back(edge ? (i == 0 ? "[CLS]" : "[SEP]") : words[(i * 5 + 3) % 14]);
    a.special.push_back(edge);
  }
  if (spec.xss)
    for (std::size_t k = 0; k < xss_tokens().size() && k + 1 < static_cast<std::size_t>(n); ++k)
      a.tokens[k + 1] = xss_tokens()[k];
  const int d = spec.head_dim > 0 ? spec.head_dim : 16;
  Rng rng(spec.seed);
  const std::size_t vec_count = static_cast<std::size_t>(spec.layers) * spec.heads * n * d;
  std::vector<float> q(vec_count), k(vec_count);
  a.weights.assign(static_cast<std::size_t>(spec.layers) * spec.heads * n * n, 0.0f);
  std::vector<double> logits(n);
  for (int l = 0; l < spec.layers; ++l) {
    for (int h = 0; h < spec.heads; ++h) {
      const std::size_t base = (static_cast<std::size_t>(l) * spec.heads + h) * n * d;
      const int kind = (h + l) % 3;  // 0: sink on token 0, 1: previous/next token, 2: diffuse
      const double sigma = 0.5 + 0.4 * (h % 4);
      const int offset = h % 2 == 0 ? -1 : 1;
      for (int i = 0; i < n; ++i) {
        float* qi = &q[base + i * d];
        float* ki = &k[base + i * d];
        for (int c = 0; c < d; ++c) {
          qi[c] = static_cast<float>(sigma * rng.gaussian());
          ki[c] = static_cast<float>(rng.gaussian());
        }
        const double w = 0.7;  // angle step per position for the positional dimensions
        if (kind == 0) {
          qi[0] = 4.0f;
          ki[0] = i == 0 ? 8.0f : 0.0f;
        } else if (kind == 1 && d >= 3) {
          qi[1] = static_cast<float>(24.0 * std::cos((i + offset) * w));
          qi[2] = static_cast<float>(24.0 * std::sin((i + offset) * w));
          ki[1] = static_cast<float>(std::cos(i * w));
          ki[2] = static_cast<float>(std::sin(i * w));
        }
      }
      float* out = &a.weights[a.head_offset(l, h)];
      for (int i = 0; i < n; ++i) {
        const int len = spec.causal ? i + 1 : n;
        double max = -1e300;
        for (int j = 0; j < len; ++j) {
          double s = 0;
          for (int c = 0; c < d; ++c)
            s += static_cast<double>(q[base + i * d + c]) * k[base + j * d + c];
          logits[j] = s / std::sqrt(static_cast<double>(d));
          max = std::max(max, logits[j]);
        }
        double total = 0;
        for (int j = 0; j < len; ++j) total += logits[j] = std::exp(logits[j] - max);
        for (int j = 0; j < len; ++j)
          out[static_cast<std::size_t>(i) * n + j] = static_cast<float>(logits[j] / total);
      }
    }
  }
  if (spec.head_dim > 0) {
    a.head_dim = spec.head_dim;
    a.queries = std::move(q);
    a.keys = std::move(k);
  }
  return a;
}

}  // namespace attnviz::testing
