#include <limits>
#include <string>
#include <vector>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "attnviz/winograd.hpp"
#include "checks.hpp"

namespace attnviz {

WinogradWords locate_winograd_words(const Encoding& encoding, std::string_view sentence,
                                    const WinogradItem& item) {
  return {find_word(encoding, sentence, item.pronoun),
          find_word(encoding, sentence, item.candidate_1),
          find_word(encoding, sentence, item.candidate_2)};
}

namespace {

void check_indices(const std::vector<int>& tokens, const char* what, int n) {
  if (tokens.empty()) throw Error(std::string("no tokens given for the ") + what);
  for (int t : tokens) {
    if (t < 0 || t >= n) {
      throw Error(std::string("token index ") + std::to_string(t) + " of the " + what +
                  " is outside the attention's " + std::to_string(n) + " tokens");
    }
  }
}

// (1/|P|) Σ_{p∈P} Σ_{c∈C} w[p][c] for one head.
float word_to_word(const float* w, int n, const std::vector<int>& from,
                   const std::vector<int>& to) {
  double total = 0.0;
  for (int p : from) {
    for (int c : to) total += w[static_cast<std::size_t>(p) * n + c];
  }
  return static_cast<float>(total / static_cast<double>(from.size()));
}

void check_correct(int correct) {
  if (correct != 1 && correct != 2) {
    throw Error("the correct candidate must be 1 or 2, not " + std::to_string(correct));
  }
}

}  // namespace

CandidateAttention candidate_attention(const Attention& attention, const WinogradWords& words) {
  analysis_detail::check_square(attention, "a Winograd score");
  check_indices(words.pronoun, "pronoun", attention.n);
  check_indices(words.candidate_1, "first candidate", attention.n);
  check_indices(words.candidate_2, "second candidate", attention.n);

  CandidateAttention out;
  out.layers = attention.layers;
  out.heads = attention.heads;
  for (int layer = 0; layer < attention.layers; ++layer) {
    for (int head = 0; head < attention.heads; ++head) {
      const float* w = attention.head(layer, head);
      out.to_candidate_1.push_back(word_to_word(w, attention.n, words.pronoun, words.candidate_1));
      out.to_candidate_2.push_back(word_to_word(w, attention.n, words.pronoun, words.candidate_2));
    }
  }
  return out;
}

std::vector<float> winograd_margins(const CandidateAttention& scores, int correct) {
  check_correct(correct);
  const auto& right = correct == 1 ? scores.to_candidate_1 : scores.to_candidate_2;
  const auto& wrong = correct == 1 ? scores.to_candidate_2 : scores.to_candidate_1;
  std::vector<float> margins(right.size());
  for (std::size_t i = 0; i < right.size(); ++i) margins[i] = right[i] - wrong[i];
  return margins;
}

double WinogradSummary::share_correct(int layer, int head) const {
  if (sentences == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(correct[index(layer, head)]) / sentences;
}

double WinogradSummary::mean_margin(int layer, int head) const {
  if (sentences == 0) return std::numeric_limits<double>::quiet_NaN();
  return margin_sum[index(layer, head)] / sentences;
}

std::vector<float> WinogradSummary::share_matrix() const {
  std::vector<float> out;
  for (int layer = 0; layer < layers; ++layer) {
    for (int head = 0; head < heads; ++head) {
      out.push_back(static_cast<float>(share_correct(layer, head)));
    }
  }
  return out;
}

void add_pair(WinogradSummary& summary, const CandidateAttention& scores_a, int correct_a,
              const CandidateAttention& scores_b, int correct_b) {
  const auto cells = static_cast<std::size_t>(scores_a.layers) * scores_a.heads;
  if (scores_b.layers != scores_a.layers || scores_b.heads != scores_a.heads ||
      scores_a.to_candidate_1.size() != cells || scores_b.to_candidate_1.size() != cells) {
    throw Error("the two sentences of a pair were scored with different shapes (" +
                std::to_string(scores_a.layers) + "x" + std::to_string(scores_a.heads) + " and " +
                std::to_string(scores_b.layers) + "x" + std::to_string(scores_b.heads) +
                " layers x heads)");
  }
  if (summary.pairs == 0) {
    summary.layers = scores_a.layers;
    summary.heads = scores_a.heads;
    summary.correct.assign(cells, 0);
    summary.ties.assign(cells, 0);
    summary.pairs_both.assign(cells, 0);
    summary.margin_sum.assign(cells, 0.0);
  } else if (summary.layers != scores_a.layers || summary.heads != scores_a.heads) {
    throw Error("a pair scored with " + std::to_string(scores_a.layers) + " layers x " +
                std::to_string(scores_a.heads) + " heads cannot join a summary of " +
                std::to_string(summary.layers) + " x " + std::to_string(summary.heads));
  }
  const auto margins_a = winograd_margins(scores_a, correct_a);
  const auto margins_b = winograd_margins(scores_b, correct_b);
  for (std::size_t i = 0; i < cells; ++i) {
    bool both = true;
    for (float margin : {margins_a[i], margins_b[i]}) {
      summary.correct[i] += margin > 0.0f;
      summary.ties[i] += margin == 0.0f;
      summary.margin_sum[i] += margin;
      both = both && margin > 0.0f;
    }
    summary.pairs_both[i] += both;
  }
  summary.sentences += 2;
  summary.pairs += 1;
}

}  // namespace attnviz
