#include <algorithm>
#include <cstddef>
#include <vector>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "checks.hpp"

namespace attnviz {

using analysis_detail::check_shape;
using analysis_detail::like;

Attention mean_over_heads(const Attention& a) {
  check_shape(a);
  Attention out = like(a, a.layers, 1);
  out.windows = a.windows;  // the mean of masked cells is still masked
  const std::size_t cells = static_cast<std::size_t>(a.n) * a.columns();
  for (int layer = 0; layer < a.layers; ++layer) {
    float* dst = out.weights.data() + out.head_offset(layer, 0);
    for (int head = 0; head < a.heads; ++head) {
      const float* w = a.head(layer, head);
      for (std::size_t i = 0; i < cells; ++i) dst[i] += w[i];
    }
    const float scale = 1.0f / static_cast<float>(a.heads);
    for (std::size_t i = 0; i < cells; ++i) dst[i] *= scale;
  }
  return out;
}

namespace {

// Â = rownorm(mean_heads(A) + I), in place on the head mean of one layer.
void add_identity_and_normalise(float* m, int n) {
  for (int q = 0; q < n; ++q) {
    float* row = m + static_cast<std::size_t>(q) * n;
    row[q] += 1.0f;
    double total = 0.0;
    for (int k = 0; k < n; ++k) total += row[k];
    for (int k = 0; k < n; ++k) row[k] = static_cast<float>(row[k] / total);
  }
}

// out = x · y for n x n row-major matrices; i-k-j order so the inner loop runs along rows.
void multiply(const float* x, const float* y, float* out, int n) {
  const auto size = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < size; ++i) {
    float* acc = out + i * size;
    std::fill(acc, acc + size, 0.0f);
    for (std::size_t k = 0; k < size; ++k) {
      const float xik = x[i * size + k];
      if (xik == 0.0f) continue;  // causal models: half the matrix is masked
      const float* yrow = y + k * size;
      for (std::size_t j = 0; j < size; ++j) acc[j] += xik * yrow[j];
    }
  }
}

}  // namespace

Attention attention_rollout(const Attention& a) {
  if (a.cross())
    throw Error(
        "cross attention has no rollout by itself: rollout multiplies each layer's attention "
        "through the residual stream of the same tokens, and cross attention's keys are the "
        "encoder's output, not the decoder's tokens; roll out the encoder or the decoder "
        "(--attention encoder|decoder)");
  Attention out = mean_over_heads(a);
  const std::size_t cells = static_cast<std::size_t>(a.n) * a.n;
  std::vector<float> layer_matrix(cells);
  for (int layer = 0; layer < out.layers; ++layer) {
    float* r = out.weights.data() + out.head_offset(layer, 0);
    add_identity_and_normalise(r, a.n);
    if (layer == 0) continue;
    std::copy(r, r + cells, layer_matrix.begin());
    multiply(layer_matrix.data(), out.weights.data() + out.head_offset(layer - 1, 0), r, a.n);
  }
  return out;
}

}  // namespace attnviz
