// alignment_scores against NumPy on transformers' BART cross attention
// (scripts/make_encdec_attention_files.py), and on matrices whose answers are known.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "attnviz/alignment_measures.hpp"
#include "attnviz/attention_set_file.hpp"
#include "attnviz/error.hpp"

namespace attnviz {
namespace {

const std::filesystem::path kFiles =
    std::filesystem::path(ATTNVIZ_TEST_DATA) / "render_files" / "encdec";

// One head of cross attention from m target to n source tokens, each row from `row(q)`.
template <typename Row>
Attention cross_of(int m, int n, Row row) {
  Attention a;
  a.layers = a.heads = 1;
  a.n = m;
  a.key_count = n;
  a.tokens.assign(m, "t");
  a.special.assign(m, false);
  a.key_tokens.assign(n, "s");
  a.key_special.assign(n, false);
  for (int q = 0; q < m; ++q)
    for (int k = 0; k < n; ++k) a.weights.push_back(row(q, k));
  return a;
}

TEST(AlignmentMeasures, EqualToNumPyOnBartCrossAttention) {
  const AttentionSetFile file = read_attention_set_file(kFiles / "bart.npz");
  const Attention& cross = attention_part(file.attentions, "cross");
  const auto reference = nlohmann::json::parse(std::ifstream(kFiles / "alignment_measures.json"));
  EXPECT_EQ(mean_argmax_alignment(cross), reference["reference_alignment"].get<std::vector<int>>());
  const auto scores = alignment_scores(cross, reference["band"].get<int>());
  ASSERT_EQ(scores.size(), reference["heads"].size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const auto& r = reference["heads"][i];
    EXPECT_NEAR(scores[i].diagonal, r["diagonal"].get<double>(), 1e-6) << i;
    EXPECT_NEAR(scores[i].argmax_agreement, r["argmax_agreement"].get<double>(), 1e-12) << i;
    EXPECT_NEAR(scores[i].entropy, r["entropy"].get<double>(), 1e-5) << i;
    EXPECT_NEAR(scores[i].confidence, r["confidence"].get<double>(), 1e-6) << i;
  }
}

TEST(AlignmentMeasures, MonotonicAlignmentIsAllOnTheDiagonal) {
  // 3 target tokens each reading the middle of their 2-token stretch of 6 source tokens.
  const Attention a = cross_of(3, 6, [](int q, int k) { return k == 2 * q + 1 ? 1.0f : 0.0f; });
  const AlignmentScores s = alignment_scores(a, 0).front();
  EXPECT_DOUBLE_EQ(s.diagonal, 1.0);
  EXPECT_DOUBLE_EQ(s.argmax_agreement, 1.0);
  EXPECT_DOUBLE_EQ(s.entropy, 0.0);
  EXPECT_DOUBLE_EQ(s.confidence, 1.0);
  // Reversed word order: nothing on the band of half-width 1 for the first and last rows.
  const Attention reversed =
      cross_of(3, 6, [](int q, int k) { return k == 5 - (2 * q + 1) ? 1.0f : 0.0f; });
  EXPECT_NEAR(alignment_scores(reversed, 1).front().diagonal, 1.0 / 3, 1e-12);
}

TEST(AlignmentMeasures, UniformAttentionSharesTheBandsWidth) {
  const Attention a = cross_of(4, 8, [](int, int) { return 1.0f / 8; });
  const AlignmentScores s = alignment_scores(a, 1).front();
  EXPECT_NEAR(s.diagonal, (3 + 3 + 3 + 2) / 32.0, 1e-6);  // the last row's band ends at the edge
  EXPECT_NEAR(s.entropy, std::log(8.0), 1e-6);
  EXPECT_NEAR(s.confidence, 1.0 / 8, 1e-7);
}

TEST(AlignmentMeasures, SelfAttentionIsRefused) {
  Attention a = cross_of(2, 2, [](int q, int k) { return q == k ? 1.0f : 0.0f; });
  a.key_count = 0;
  a.key_tokens.clear();
  a.key_special.clear();
  EXPECT_THROW(alignment_scores(a), Error);
  EXPECT_THROW(alignment_scores(cross_of(2, 2, [](int, int) { return 0.5f; }), -1), Error);
}

}  // namespace
}  // namespace attnviz
