#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "checks.hpp"

namespace attnviz {

namespace {

// Appends the tokens of one gap between matches: pairs in order, then the longer side's rest alone.
void append_gap(std::vector<AlignedPosition>& out, int a_begin, int a_end, int b_begin, int b_end) {
  int a = a_begin;
  int b = b_begin;
  for (; a < a_end && b < b_end; ++a, ++b) out.push_back({a, b});
  for (; a < a_end; ++a) out.push_back({a, -1});
  for (; b < b_end; ++b) out.push_back({-1, b});
}

}  // namespace

std::vector<AlignedPosition> align_tokens(const std::vector<std::string>& a,
                                          const std::vector<std::string>& b) {
  // The common start and end match token by token; the table is needed only for what lies between
  // (two versions of a long text differ in a few places, and the table grows as their product).
  std::size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  std::size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  const std::size_t na = a.size() - suffix;
  const std::size_t nb = b.size() - suffix;
  const std::size_t width = nb - prefix + 1;
  // lcs(i, j): length of the longest common subsequence of a[i..na) and b[j..nb).
  std::vector<int> lcs((na - prefix + 1) * width, 0);
  auto at = [&](std::size_t i, std::size_t j) -> int& {
    return lcs[(i - prefix) * width + (j - prefix)];
  };
  for (std::size_t i = na; i-- > prefix;) {
    for (std::size_t j = nb; j-- > prefix;) {
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }

  std::vector<AlignedPosition> out;
  out.reserve(a.size() + b.size());
  for (std::size_t k = 0; k < prefix; ++k)
    out.push_back({static_cast<int>(k), static_cast<int>(k)});
  std::size_t i = prefix, j = prefix;
  std::size_t gap_a = i, gap_b = j;  // where the current gap between matches began
  while (i < na && j < nb) {
    if (a[i] == b[j]) {
      append_gap(out, static_cast<int>(gap_a), static_cast<int>(i), static_cast<int>(gap_b),
                 static_cast<int>(j));
      out.push_back({static_cast<int>(i), static_cast<int>(j)});
      gap_a = ++i;
      gap_b = ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  append_gap(out, static_cast<int>(gap_a), static_cast<int>(na), static_cast<int>(gap_b),
             static_cast<int>(nb));
  for (std::size_t k = 0; k < suffix; ++k)
    out.push_back({static_cast<int>(na + k), static_cast<int>(nb + k)});
  return out;
}

namespace {

void check_alignment(const std::vector<AlignedPosition>& alignment, int na, int nb) {
  for (std::size_t p = 0; p < alignment.size(); ++p) {
    const auto& pos = alignment[p];
    if (pos.a < -1 || pos.a >= na || pos.b < -1 || pos.b >= nb || (pos.a < 0 && pos.b < 0)) {
      throw Error("aligned position " + std::to_string(p) + " (" + std::to_string(pos.a) + ", " +
                  std::to_string(pos.b) + ") does not fit sentences of " + std::to_string(na) +
                  " and " + std::to_string(nb) + " tokens; build the alignment with align_tokens");
    }
  }
}

std::string aligned_label(const Attention& a, const Attention& b, const AlignedPosition& pos) {
  if (pos.b < 0) return a.tokens[pos.a];
  if (pos.a < 0) return b.tokens[pos.b];
  const std::string& ta = a.tokens[pos.a];
  const std::string& tb = b.tokens[pos.b];
  return ta == tb ? ta : ta + "/" + tb;
}

// One head of `x` on the aligned positions; `side` picks AlignedPosition::a or ::b.
void fill_aligned(const Attention& x, int layer, int head,
                  const std::vector<AlignedPosition>& alignment, int AlignedPosition::*side,
                  Attention& out) {
  const float* w = x.head(layer, head);
  const std::size_t m = alignment.size();
  for (std::size_t r = 0; r < m; ++r) {
    const int q = alignment[r].*side;
    for (std::size_t c = 0; c < m; ++c) {
      const int k = alignment[c].*side;
      out.weights[r * m + c] = q < 0 || k < 0 ? std::numeric_limits<float>::quiet_NaN()
                                              : w[static_cast<std::size_t>(q) * x.n + k];
    }
  }
}

}  // namespace

AlignedHeads align_heads(const Attention& a, const Attention& b,
                         const std::vector<AlignedPosition>& alignment, int layer, int head) {
  analysis_detail::check_square(a, "aligning two attentions by token");
  analysis_detail::check_square(b, "aligning two attentions by token");
  analysis_detail::check_layer_head(a, layer, head);
  analysis_detail::check_layer_head(b, layer, head);
  check_alignment(alignment, a.n, b.n);

  const int m = static_cast<int>(alignment.size());
  Attention shape;
  shape.layers = 1;
  shape.heads = 1;
  shape.n = m;
  shape.causal = a.causal && b.causal;
  shape.weights.assign(static_cast<std::size_t>(m) * m, 0.0f);
  for (const auto& pos : alignment) {
    shape.tokens.push_back(aligned_label(a, b, pos));
    shape.special.push_back((pos.a >= 0 && a.special[pos.a]) || (pos.b >= 0 && b.special[pos.b]));
  }

  AlignedHeads out{shape, shape, shape};
  fill_aligned(a, layer, head, alignment, &AlignedPosition::a, out.a);
  fill_aligned(b, layer, head, alignment, &AlignedPosition::b, out.b);
  for (std::size_t i = 0; i < out.difference.weights.size(); ++i) {
    out.difference.weights[i] = out.a.weights[i] - out.b.weights[i];  // NaN stays NaN
  }
  return out;
}

}  // namespace attnviz
