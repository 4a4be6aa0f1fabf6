#pragma once

#include <vector>

#include "attnviz/attention.hpp"

// How well an encoder-decoder's cross attention aligns target tokens to source tokens, per head
// (`attnviz heads --from`). Pure functions on a cross Attention (rows: the m target tokens the
// decoder saw, columns: the n source tokens); 0-based layers and heads.
namespace attnviz {

struct AlignmentScores {
  // Mean over the target rows q of the weight on the keys k of the diagonal band,
  // |k - c(q)| <= band, where c(q) = floor((q + 0.5) * n / m) is the column nearest the diagonal of
  // the m x n matrix ((q + 0.5) * n / m - 0.5, halves rounded up): near 1 for a monotonic alignment
  // (similar word order), about (2 * band + 1) / n for uniform attention.
  double diagonal = 0;
  // The share of target rows whose most attended source token (argmax, the first of ties) is that
  // of the mean of every layer's and head's cross attention: the alignment read off the whole
  // model, as alignments are extracted from averaged attention (Garg et al. 2019).
  double argmax_agreement = 0;
  // Mean over the target rows of -sum_k A[q][k] ln A[q][k] (nats) and of max_k A[q][k].
  double entropy = 0;
  double confidence = 0;
};

// Every head's scores, layer-major (index layer * a.heads + head). `band` is the half-width of
// the diagonal band in source tokens (0: the diagonal cell only). Throws attnviz::Error when a is
// not cross attention, its weights do not fit its shape, or band < 0.
std::vector<AlignmentScores> alignment_scores(const Attention& a, int band = 1);

// The argmax alignment of the mean of every layer's and head's cross attention: for each target
// row, the source column it attends to most (the first of ties).
std::vector<int> mean_argmax_alignment(const Attention& a);

}  // namespace attnviz
