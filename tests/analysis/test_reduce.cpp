#include <gtest/gtest.h>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "make_attention.hpp"

namespace attnviz {
namespace {

using test::make_attention;

// 2 layers x 2 heads over 2 tokens; the expected values below are worked out by hand.
Attention two_by_two() {
  return make_attention(2, 2, 2,
                        {
                            1.0f, 0.0f, 0.5f, 0.5f,    // layer 0 head 0
                            0.0f, 1.0f, 0.25f, 0.75f,  // layer 0 head 1
                            0.2f, 0.8f, 0.6f, 0.4f,    // layer 1 head 0
                            0.4f, 0.6f, 1.0f, 0.0f,    // layer 1 head 1
                        });
}

void expect_matrix(const Attention& a, int layer, const std::vector<float>& expected) {
  for (int q = 0; q < a.n; ++q) {
    for (int k = 0; k < a.n; ++k) {
      EXPECT_NEAR(a.at(layer, 0, q, k), expected[q * a.n + k], 1e-6)
          << "layer " << layer << " query " << q << " key " << k;
    }
  }
}

TEST(AnalysisMeanOverHeads, AveragesEachLayersHeads) {
  const Attention a = two_by_two();
  const Attention mean = mean_over_heads(a);
  ASSERT_EQ(mean.layers, 2);
  ASSERT_EQ(mean.heads, 1);
  ASSERT_EQ(mean.n, 2);
  expect_matrix(mean, 0, {0.5f, 0.5f, 0.375f, 0.625f});
  expect_matrix(mean, 1, {0.3f, 0.7f, 0.8f, 0.2f});
  EXPECT_EQ(mean.tokens, a.tokens);
}

TEST(AnalysisMeanOverHeads, KeepsCausalAndSpecialFlags) {
  Attention a = make_attention(1, 1, 2, {1.0f, 0.0f, 0.5f, 0.5f}, {"[CLS]", "x"}, {true, false});
  a.causal = true;
  const Attention mean = mean_over_heads(a);
  EXPECT_TRUE(mean.causal);
  EXPECT_EQ(mean.special, (std::vector<bool>{true, false}));
}

TEST(AnalysisMeanOverHeads, RejectsWeightsOfTheWrongSize) {
  Attention a = two_by_two();
  a.weights.pop_back();
  try {
    mean_over_heads(a);
    FAIL() << "expected attnviz::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("15 weights"), std::string::npos) << e.what();
  }
}

TEST(AnalysisMeanOverHeads, RejectsTokensOfTheWrongCount) {
  Attention a = two_by_two();
  a.tokens.push_back("extra");
  EXPECT_THROW(mean_over_heads(a), Error);
}

TEST(AnalysisAttentionRollout, MultipliesResidualAdjustedMeansThroughLayers) {
  // Layer 0: mean [[.5,.5],[.375,.625]] + I, rows / 2 -> [[.75,.25],[.1875,.8125]] = R0.
  // Layer 1: mean [[.3,.7],[.8,.2]] + I, rows / 2 -> [[.65,.35],[.4,.6]]; R1 = that x R0.
  const Attention r = attention_rollout(two_by_two());
  ASSERT_EQ(r.layers, 2);
  ASSERT_EQ(r.heads, 1);
  expect_matrix(r, 0, {0.75f, 0.25f, 0.1875f, 0.8125f});
  expect_matrix(r, 1, {0.553125f, 0.446875f, 0.4125f, 0.5875f});
}

TEST(AnalysisAttentionRollout, StaysLowerTriangularForCausalModels) {
  // One head, the same causal matrix in both layers: Â = [[1,0,0],[.25,.75,0],[.1,.15,.75]];
  // R1 = Â·Â worked out by hand.
  const std::vector<float> head = {1.0f, 0.0f, 0.0f, 0.5f, 0.5f, 0.0f, 0.2f, 0.3f, 0.5f};
  std::vector<float> weights = head;
  weights.insert(weights.end(), head.begin(), head.end());
  Attention a = make_attention(2, 1, 3, weights);
  a.causal = true;
  const Attention r = attention_rollout(a);
  EXPECT_TRUE(r.causal);
  expect_matrix(r, 0, {1.0f, 0.0f, 0.0f, 0.25f, 0.75f, 0.0f, 0.1f, 0.15f, 0.75f});
  expect_matrix(r, 1, {1.0f, 0.0f, 0.0f, 0.4375f, 0.5625f, 0.0f, 0.2125f, 0.225f, 0.5625f});
}

TEST(AnalysisAttentionRollout, RenormalisesRowsThatDoNotSumToOne) {
  // A row of zeros (e.g. fully masked) becomes the identity row instead of dividing by zero.
  const Attention r = attention_rollout(make_attention(1, 1, 2, {0.0f, 0.0f, 0.0f, 3.0f}));
  expect_matrix(r, 0, {1.0f, 0.0f, 0.0f, 1.0f});
}

}  // namespace
}  // namespace attnviz
