// Alignment measures of cross attention: diagonal band share, argmax agreement, entropy and
// confidence per head.
#include "attnviz/alignment_measures.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "attnviz/error.hpp"
#include "checks.hpp"

namespace attnviz {
namespace {

void check_cross(const Attention& a) {
  analysis_detail::check_shape(a);
  if (!a.cross())
    throw Error(
        "alignment measures need cross attention (an encoder-decoder's target tokens "
        "attending to its source tokens); this is self-attention over " +
        std::to_string(a.n) + " tokens");
}

int argmax(const float* row, int count) {
  return static_cast<int>(std::max_element(row, row + count) - row);
}

}  // namespace

std::vector<int> mean_argmax_alignment(const Attention& a) {
  check_cross(a);
  const int m = a.n, n = a.columns();
  std::vector<float> mean(static_cast<std::size_t>(m) * n, 0.0f);
  for (int l = 0; l < a.layers; ++l)
    for (int h = 0; h < a.heads; ++h) {
      const float* w = a.head(l, h);
      for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += w[i];
    }
  std::vector<int> alignment;
  for (int q = 0; q < m; ++q) alignment.push_back(argmax(mean.data() + std::size_t(q) * n, n));
  return alignment;
}

std::vector<AlignmentScores> alignment_scores(const Attention& a, int band) {
  check_cross(a);
  if (band < 0)
    throw Error("the diagonal band's half-width must be 0 or more, not " + std::to_string(band));
  const int m = a.n, n = a.columns();
  const std::vector<int> reference = mean_argmax_alignment(a);
  std::vector<AlignmentScores> out;
  for (int l = 0; l < a.layers; ++l) {
    for (int h = 0; h < a.heads; ++h) {
      AlignmentScores s;
      const float* w = a.head(l, h);
      for (int q = 0; q < m; ++q) {
        const float* row = w + static_cast<std::size_t>(q) * n;
        // The diagonal's nearest column (halves rounded up), so every row's band has 2 * band + 1
        // keys (fewer at the edges).
        const double centre = std::floor((q + 0.5) * n / m - 0.5 + 0.5);
        double entropy = 0;
        for (int k = 0; k < n; ++k) {
          if (std::fabs(k - centre) <= band) s.diagonal += row[k];
          if (row[k] > 0) entropy -= row[k] * std::log(static_cast<double>(row[k]));
        }
        s.entropy += entropy;
        s.confidence += *std::max_element(row, row + n);
        s.argmax_agreement += argmax(row, n) == reference[q] ? 1 : 0;
      }
      for (double* v : {&s.diagonal, &s.argmax_agreement, &s.entropy, &s.confidence}) *v /= m;
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace attnviz
