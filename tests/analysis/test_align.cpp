#include <gtest/gtest.h>

#include <random>

#include <cmath>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "make_attention.hpp"

namespace attnviz {
namespace {

using test::make_attention;
using Strings = std::vector<std::string>;

std::vector<std::pair<int, int>> pairs(const std::vector<AlignedPosition>& alignment) {
  std::vector<std::pair<int, int>> out;
  for (const auto& p : alignment) out.emplace_back(p.a, p.b);
  return out;
}
using Pairs = std::vector<std::pair<int, int>>;

TEST(AnalysisAlignTokens, OneWordSubstitutedPairsItInPlace) {
  const Strings a = {"[CLS]", "it", "was", "too", "tired", ".", "[SEP]"};
  const Strings b = {"[CLS]", "it", "was", "too", "wide", ".", "[SEP]"};
  EXPECT_EQ(pairs(align_tokens(a, b)),
            (Pairs{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}}));
}

TEST(AnalysisAlignTokens, InsertionLeavesAPositionWithoutCounterpart) {
  EXPECT_EQ(pairs(align_tokens({"a", "b", "c"}, {"a", "x", "y", "c"})),
            (Pairs{{0, 0}, {1, 1}, {-1, 2}, {2, 3}}));
  EXPECT_EQ(pairs(align_tokens({"a", "x", "y", "c"}, {"a", "c"})),
            (Pairs{{0, 0}, {1, -1}, {2, -1}, {3, 1}}));
}

TEST(AnalysisAlignTokens, EmptySides) {
  EXPECT_EQ(pairs(align_tokens({"a", "b"}, {})), (Pairs{{0, -1}, {1, -1}}));
  EXPECT_EQ(pairs(align_tokens({}, {"a"})), (Pairs{{-1, 0}}));
  EXPECT_TRUE(align_tokens({}, {}).empty());
}

// Two versions of a long text (40,000 tokens: a full table would be 6.4 GB) differing in one word
// and one insertion: aligned in place, the common start and end token by token.
TEST(AnalysisAlignTokens, LongTextsDifferingInAFewPlaces) {
  Strings a;
  for (int i = 0; i < 40000; ++i) a.push_back("w" + std::to_string(i % 997));
  Strings b = a;
  b[20000] = "changed";
  b.insert(b.begin() + 30000, "inserted");
  const auto aligned = pairs(align_tokens(a, b));
  ASSERT_EQ(aligned.size(), 40001u);
  EXPECT_EQ(aligned[19999], (std::pair{19999, 19999}));
  EXPECT_EQ(aligned[20000], (std::pair{20000, 20000}));  // the changed word, paired in place
  EXPECT_EQ(aligned[30000], (std::pair{-1, 30000}));     // the inserted one, alone
  EXPECT_EQ(aligned[40000], (std::pair{39999, 40000}));
}

// On every pair of short sequences over three letters: both sides covered in order, and as many
// equal tokens paired as their longest common subsequence has (computed here on its own).
TEST(AnalysisAlignTokens, PairsAsManyEqualTokensAsTheLongestCommonSubsequence) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 2000; ++trial) {
    Strings a(random() % 9), b(random() % 9);
    for (auto& t : a) t = std::string(1, static_cast<char>('a' + random() % 3));
    for (auto& t : b) t = std::string(1, static_cast<char>('a' + random() % 3));
    std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
    for (std::size_t i = 1; i <= a.size(); ++i)
      for (std::size_t j = 1; j <= b.size(); ++j)
        lcs[i][j] =
            a[i - 1] == b[j - 1] ? lcs[i - 1][j - 1] + 1 : std::max(lcs[i - 1][j], lcs[i][j - 1]);
    int next_a = 0, next_b = 0, equal = 0;
    for (const auto& [pa, pb] : pairs(align_tokens(a, b))) {
      if (pa >= 0) {
        EXPECT_EQ(pa, next_a++);
      }
      if (pb >= 0) {
        EXPECT_EQ(pb, next_b++);
      }
      equal += pa >= 0 && pb >= 0 && a[pa] == b[pb];
    }
    EXPECT_EQ(next_a, static_cast<int>(a.size()));
    EXPECT_EQ(next_b, static_cast<int>(b.size()));
    EXPECT_EQ(equal, lcs[a.size()][b.size()]);
  }
}

TEST(AnalysisAlignTokens, SwappedWordsKeepOneMatchAndStayMonotone) {
  // LCS of [x y] and [y x] has length 1; the alignment must still cover both sides in order.
  EXPECT_EQ(pairs(align_tokens({"x", "y"}, {"y", "x"})), (Pairs{{0, -1}, {1, 0}, {-1, 1}}));
}

TEST(AnalysisAlignTokens, MatchesTheLongestCommonSubsequence) {
  const Strings a = {"the", "cat", "sat", "on", "the", "mat"};
  const Strings b = {"a", "cat", "on", "the", "red", "mat"};
  int matched = 0;
  for (const auto& p : align_tokens(a, b)) matched += p.a >= 0 && p.b >= 0 && a[p.a] == b[p.b];
  EXPECT_EQ(matched, 4);  // cat on the mat
}

// A: [a b c] and B: [a x y c]; aligned positions (0,0) (1,1) (-1,2) (2,3).
struct Pair {
  Attention a, b;
};
Pair sample() {
  std::vector<float> wa(2 * 9, 0.0f);
  const std::vector<float> ha = {0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f, 0.5f, 0.25f, 0.25f};
  std::copy(ha.begin(), ha.end(), wa.begin() + 9);  // head 1; head 0 is zeros
  std::vector<float> wb(2 * 16, 0.0f);
  const std::vector<float> hb = {0.1f, 0.2f, 0.3f, 0.4f, 0.25f, 0.25f, 0.25f, 0.25f,
                                 0.4f, 0.3f, 0.2f, 0.1f, 0.7f,  0.1f,  0.1f,  0.1f};
  std::copy(hb.begin(), hb.end(), wb.begin() + 16);
  return {make_attention(1, 2, 3, wa, {"a", "b", "c"}, {true, false, false}),
          make_attention(1, 2, 4, wb, {"a", "x", "y", "c"}, {true, false, false, false})};
}

void expect_cells(const Attention& x, const std::vector<float>& expected) {
  ASSERT_EQ(x.weights.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(x.weights[i])) << "cell " << i;
    } else {
      EXPECT_NEAR(x.weights[i], expected[i], 1e-6) << "cell " << i;
    }
  }
}

TEST(AnalysisAlignHeads, LaysBothHeadsOnTheAlignedPositions) {
  const auto [a, b] = sample();
  const auto alignment = align_tokens(a.tokens, b.tokens);
  ASSERT_EQ(pairs(alignment), (Pairs{{0, 0}, {1, 1}, {-1, 2}, {2, 3}}));
  const AlignedHeads out = align_heads(a, b, alignment, 0, 1);
  const float nan = NAN;
  expect_cells(out.a, {0.1f, 0.2f, nan, 0.7f,  //
                       0.3f, 0.3f, nan, 0.4f,  //
                       nan, nan, nan, nan,     //
                       0.5f, 0.25f, nan, 0.25f});
  expect_cells(out.b, {0.1f, 0.2f, 0.3f, 0.4f, 0.25f, 0.25f, 0.25f, 0.25f,  //
                       0.4f, 0.3f, 0.2f, 0.1f, 0.7f, 0.1f, 0.1f, 0.1f});
  expect_cells(out.difference, {0.0f, 0.0f, nan, 0.3f,     //
                                0.05f, 0.05f, nan, 0.15f,  //
                                nan, nan, nan, nan,        //
                                -0.2f, 0.15f, nan, 0.15f});
  for (const Attention* x : {&out.a, &out.b, &out.difference}) {
    EXPECT_EQ(x->layers, 1);
    EXPECT_EQ(x->heads, 1);
    EXPECT_EQ(x->n, 4);
    EXPECT_EQ(x->tokens, (Strings{"a", "b/x", "y", "c"}));
    EXPECT_EQ(x->special, (std::vector<bool>{true, false, false, false}));
    EXPECT_FALSE(x->causal);
  }
}

TEST(AnalysisAlignHeads, CausalOnlyWhenBothAre) {
  auto [a, b] = sample();
  a.causal = true;
  const auto alignment = align_tokens(a.tokens, b.tokens);
  EXPECT_FALSE(align_heads(a, b, alignment, 0, 0).a.causal);
  b.causal = true;
  EXPECT_TRUE(align_heads(a, b, alignment, 0, 0).difference.causal);
}

TEST(AnalysisAlignHeads, RejectsAlignmentsThatDoNotFit) {
  const auto [a, b] = sample();
  EXPECT_THROW(align_heads(a, b, {{3, 0}}, 0, 0), Error);
  EXPECT_THROW(align_heads(a, b, {{-1, -1}}, 0, 0), Error);
  EXPECT_THROW(align_heads(a, b, align_tokens(a.tokens, b.tokens), 0, 2), Error);
}

}  // namespace
}  // namespace attnviz
