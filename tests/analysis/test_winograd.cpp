#include <gtest/gtest.h>

#include <cmath>

#include "attnviz/error.hpp"
#include "attnviz/winograd.hpp"
#include "make_attention.hpp"
#include "word_encoding.hpp"

namespace attnviz {
namespace {

using test::make_attention;

// Six tokens: [CLS] ani ##mal street i ##t. The pronoun has two pieces (rows 4 and 5), candidate 1
// two pieces (columns 1 and 2), candidate 2 one (column 3). Weights are dyadic so every sum is
// exact.
const WinogradWords kWords = {{4, 5}, {1, 2}, {3}};

std::vector<float> head(const std::vector<float>& row4, const std::vector<float>& row5) {
  std::vector<float> w;
  for (int q = 0; q < 4; ++q) w.insert(w.end(), {0.5f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f});
  w.insert(w.end(), row4.begin(), row4.end());
  w.insert(w.end(), row5.begin(), row5.end());
  return w;
}

Attention join(const std::vector<float>& head0, const std::vector<float>& head1) {
  std::vector<float> w = head0;
  w.insert(w.end(), head1.begin(), head1.end());
  return make_attention(1, 2, 6, w);
}

// Sentence A (candidate 1 is right):
//   head 0: rows give (c1, c2) = (.5, .125) and (.25, .5) -> means (.375, .3125): margin +.0625
//   head 1: (.25, .25) and (.25, .25): a tie
Attention sentence_a() {
  return join(
      head({0.125f, 0.25f, 0.25f, 0.125f, 0.125f, 0.125f},
           {0.0f, 0.125f, 0.125f, 0.5f, 0.125f, 0.125f}),
      head({0.5f, 0.0f, 0.25f, 0.25f, 0.0f, 0.0f}, {0.5f, 0.125f, 0.125f, 0.25f, 0.0f, 0.0f}));
}

// Sentence B (candidate 2 is right):
//   head 0: (0, 1) and (.5, .5) -> (.25, .75): margin +.5
//   head 1: (1, 0) twice: margin -1
Attention sentence_b() {
  return join(head({0.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f}, {0.0f, 0.5f, 0.0f, 0.5f, 0.0f, 0.0f}),
              head({0.0f, 0.5f, 0.5f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.5f, 0.5f, 0.0f, 0.0f, 0.0f}));
}

TEST(AnalysisCandidateAttention, MeanOverPronounRowsSumOverCandidateColumns) {
  const auto s = candidate_attention(sentence_a(), kWords);
  ASSERT_EQ(s.layers, 1);
  ASSERT_EQ(s.heads, 2);
  EXPECT_EQ(s.to_candidate_1, (std::vector<float>{0.375f, 0.25f}));
  EXPECT_EQ(s.to_candidate_2, (std::vector<float>{0.3125f, 0.25f}));
}

TEST(AnalysisWinogradMargins, CorrectMinusWrong) {
  const auto a = candidate_attention(sentence_a(), kWords);
  EXPECT_EQ(winograd_margins(a, 1), (std::vector<float>{0.0625f, 0.0f}));
  EXPECT_EQ(winograd_margins(a, 2), (std::vector<float>{-0.0625f, 0.0f}));
  const auto b = candidate_attention(sentence_b(), kWords);
  EXPECT_EQ(winograd_margins(b, 2), (std::vector<float>{0.5f, -1.0f}));
  EXPECT_THROW(winograd_margins(a, 0), Error);
  EXPECT_THROW(winograd_margins(a, 3), Error);
}

TEST(AnalysisCandidateAttention, RejectsIndicesOutsideTheAttention) {
  EXPECT_THROW(candidate_attention(sentence_a(), {{6}, {1}, {3}}), Error);
  EXPECT_THROW(candidate_attention(sentence_a(), {{4}, {}, {3}}), Error);
}

TEST(AnalysisWinogradSummary, CountsCorrectTiesAndPairs) {
  WinogradSummary s;
  const auto a = candidate_attention(sentence_a(), kWords);
  const auto b = candidate_attention(sentence_b(), kWords);
  add_pair(s, a, 1, b, 2);
  EXPECT_EQ(s.sentences, 2);
  EXPECT_EQ(s.pairs, 1);
  // head 0: both right; head 1: a tie and a wrong one.
  EXPECT_EQ(s.correct, (std::vector<int>{2, 0}));
  EXPECT_EQ(s.ties, (std::vector<int>{0, 1}));
  EXPECT_EQ(s.wrong(0, 0), 0);
  EXPECT_EQ(s.wrong(0, 1), 1);
  EXPECT_EQ(s.pairs_both, (std::vector<int>{1, 0}));
  EXPECT_DOUBLE_EQ(s.share_correct(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(s.share_correct(0, 1), 0.0);
  EXPECT_DOUBLE_EQ(s.mean_margin(0, 0), 0.28125);  // (.0625 + .5) / 2
  EXPECT_DOUBLE_EQ(s.mean_margin(0, 1), -0.5);     // (0 - 1) / 2

  // The same sentences with the answers swapped: every margin flips sign, ties stay ties.
  add_pair(s, a, 2, b, 1);
  EXPECT_EQ(s.sentences, 4);
  EXPECT_EQ(s.correct, (std::vector<int>{2, 1}));
  EXPECT_EQ(s.ties, (std::vector<int>{0, 2}));
  EXPECT_EQ(s.pairs_both, (std::vector<int>{1, 0}));
  EXPECT_EQ(s.share_matrix(), (std::vector<float>{0.5f, 0.25f}));
}

TEST(AnalysisWinogradSummary, EmptySummaryHasNoShare) {
  const WinogradSummary s;
  EXPECT_EQ(s.sentences, 0);
  EXPECT_TRUE(std::isnan(s.share_correct(0, 0)));
}

TEST(AnalysisWinogradSummary, RejectsPairsOfAnotherShape) {
  WinogradSummary s;
  const auto a = candidate_attention(sentence_a(), kWords);
  add_pair(s, a, 1, a, 1);
  CandidateAttention other = a;
  other.heads = 1;
  other.to_candidate_1.resize(1);
  other.to_candidate_2.resize(1);
  EXPECT_THROW(add_pair(s, other, 1, other, 1), Error);
  EXPECT_THROW(add_pair(s, a, 1, other, 1), Error);
  EXPECT_EQ(s.pairs, 1);
}

TEST(AnalysisLocateWinogradWords, FindsEachWordOfTheItem) {
  WinogradItem item;
  item.sentence_a = "The animal didn't cross the street because it was too tired.";
  item.pronoun = "it";
  item.candidate_1 = "animal";
  item.candidate_2 = "street";
  const auto words =
      locate_winograd_words(test::word_encoding(item.sentence_a), item.sentence_a, item);
  // [CLS] The animal didn't cross the street because it ...
  EXPECT_EQ(words.pronoun, std::vector<int>{8});
  EXPECT_EQ(words.candidate_1, std::vector<int>{2});
  EXPECT_EQ(words.candidate_2, std::vector<int>{6});

  item.candidate_2 = "road";
  try {
    locate_winograd_words(test::word_encoding(item.sentence_a), item.sentence_a, item);
    FAIL() << "expected attnviz::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"road\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace attnviz
