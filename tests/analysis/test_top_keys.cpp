#include <gtest/gtest.h>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "make_attention.hpp"

namespace attnviz {
namespace {

using test::make_attention;

// One layer, two heads over [CLS] a b [SEP]; head 1 is the one under test, head 0 is a decoy.
Attention sample() {
  std::vector<float> w(2 * 16, 0.25f);
  const std::vector<float> head1 = {
      0.1f, 0.4f, 0.4f,  0.1f,   // query 0: tie between keys 1 and 2
      0.7f, 0.1f, 0.05f, 0.15f,  // query 1: [CLS] first, then [SEP]
      0.0f, 0.0f, 0.2f,  0.8f,   // query 2
      0.3f, 0.3f, 0.3f,  0.1f,   // query 3: three-way tie
  };
  std::copy(head1.begin(), head1.end(), w.begin() + 16);
  return make_attention(1, 2, 4, w, {"[CLS]", "a", "b", "[SEP]"}, {true, false, false, true});
}

std::vector<int> keys(const std::vector<KeyWeight>& row) {
  std::vector<int> out;
  for (const auto& kw : row) out.push_back(kw.key);
  return out;
}

TEST(AnalysisTopKeys, LargestFirstTiesByLowerIndex) {
  const auto rows = top_keys(sample(), 0, 1, {2, false});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(keys(rows[0]), (std::vector<int>{1, 2}));
  EXPECT_EQ(keys(rows[1]), (std::vector<int>{0, 3}));
  EXPECT_FLOAT_EQ(rows[1][0].weight, 0.7f);
  EXPECT_FLOAT_EQ(rows[1][1].weight, 0.15f);
  EXPECT_EQ(keys(rows[2]), (std::vector<int>{3, 2}));
  EXPECT_EQ(keys(rows[3]), (std::vector<int>{0, 1}));
}

TEST(AnalysisTopKeys, CanLeaveOutSpecialTokens) {
  const auto rows = top_keys(sample(), 0, 1, {2, true});
  EXPECT_EQ(keys(rows[1]), (std::vector<int>{1, 2}));
  EXPECT_FLOAT_EQ(rows[1][1].weight, 0.05f);
  EXPECT_EQ(keys(rows[2]), (std::vector<int>{2, 1}));
}

TEST(AnalysisTopKeys, KLargerThanTheRowGivesTheWholeRowSorted) {
  const auto rows = top_keys(sample(), 0, 1, {10, false});
  EXPECT_EQ(keys(rows[2]), (std::vector<int>{3, 2, 0, 1}));
}

TEST(AnalysisTopKeys, CausalRowsOnlyOfferKeysUpToTheQuery) {
  Attention a = make_attention(1, 1, 3, {1.0f, 0.0f, 0.0f, 0.3f, 0.7f, 0.0f, 0.2f, 0.2f, 0.6f});
  a.causal = true;
  const auto rows = top_keys(a, 0, 0, {3, false});
  EXPECT_EQ(keys(rows[0]), (std::vector<int>{0}));
  EXPECT_EQ(keys(rows[1]), (std::vector<int>{1, 0}));
  EXPECT_EQ(keys(rows[2]), (std::vector<int>{2, 0, 1}));
}

TEST(AnalysisTopKeys, RejectsBadIndicesAndK) {
  const Attention a = sample();
  try {
    top_keys(a, 1, 0);
    FAIL() << "expected attnviz::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer index 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(top_keys(a, 0, 2), Error);
  EXPECT_THROW(top_keys(a, 0, -1), Error);
  EXPECT_THROW(top_keys(a, 0, 0, {0, false}), Error);
}

}  // namespace
}  // namespace attnviz
