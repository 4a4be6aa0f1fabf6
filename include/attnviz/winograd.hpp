#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/batch_file.hpp"
#include "attnviz/encoding.hpp"

// Winograd-style scoring: does the pronoun attend more to the right antecedent than to the wrong
// one, layer by layer and head by head?
namespace attnviz {

// The token indices of the three words of one sentence (see find_word).
struct WinogradWords {
  std::vector<int> pronoun;
  std::vector<int> candidate_1;
  std::vector<int> candidate_2;
};

// Locates the item's pronoun and both candidates in one of its sentences (its encoding and text).
// Each must occur exactly once there; otherwise find_word's attnviz::Error says which word and
// which sentence.
WinogradWords locate_winograd_words(const Encoding& encoding, std::string_view sentence,
                                    const WinogradItem& item);

// The pronoun's attention to each candidate in every layer and head, [layers][heads] row-major.
// How words of several pieces aggregate: the pronoun's query is the mean over its piece rows (each
// row is a distribution, so the mean is one too), and a candidate's weight is the sum over its
// piece columns (the attention mass that lands anywhere on the word). So for pronoun pieces P and
// candidate pieces C:
//   weight(C) = (1/|P|) · Σ_{p∈P} Σ_{c∈C} A[p][c].
// In a causal model a candidate after the pronoun gets weight 0 (it is masked).
struct CandidateAttention {
  int layers = 0;
  int heads = 0;
  std::vector<float> to_candidate_1;
  std::vector<float> to_candidate_2;

  std::size_t index(int layer, int head) const {
    return static_cast<std::size_t>(layer) * heads + head;
  }
};

CandidateAttention candidate_attention(const Attention& attention, const WinogradWords& words);

// Correct minus wrong attention for one sentence: [layers][heads] row-major, positive where the
// pronoun attends more to the correct candidate. `correct` is 1 or 2.
std::vector<float> winograd_margins(const CandidateAttention& scores, int correct);

// Per layer and head, over many sentences: how often the pronoun attends more to the correct
// antecedent than to the wrong one. A tie (equal weights, e.g. both masked in a causal model)
// counts as neither correct nor wrong.
struct WinogradSummary {
  std::string model;  // for the written files; set by the caller, may be empty
  int layers = 0;
  int heads = 0;
  int sentences = 0;               // sentences counted (two per pair)
  int pairs = 0;                   // pairs counted
  std::vector<int> correct;        // [layers][heads]: sentences where correct > wrong
  std::vector<int> ties;           // [layers][heads]: sentences where correct == wrong
  std::vector<int> pairs_both;     // [layers][heads]: pairs where both sentences are correct
  std::vector<double> margin_sum;  // [layers][heads]: sum of (correct - wrong) over sentences

  std::size_t index(int layer, int head) const {
    return static_cast<std::size_t>(layer) * heads + head;
  }
  int wrong(int layer, int head) const {
    return sentences - correct[index(layer, head)] - ties[index(layer, head)];
  }
  // correct / sentences; NaN when nothing was counted.
  double share_correct(int layer, int head) const;
  // The mean over sentences of (correct - wrong); NaN when nothing was counted.
  double mean_margin(int layer, int head) const;
  // share_correct for every layer and head, [layers][heads] row-major, for the summary heatmap.
  std::vector<float> share_matrix() const;
};

// Adds one pair: the scores of sentence A with its correct candidate (1 or 2) and those of sentence
// B with its own. The first pair sets the summary's shape; later pairs must have the same shape.
void add_pair(WinogradSummary& summary, const CandidateAttention& scores_a, int correct_a,
              const CandidateAttention& scores_b, int correct_b);

}  // namespace attnviz
