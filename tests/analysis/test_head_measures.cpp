#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "attnviz/head_measures.hpp"
#include "make_attention.hpp"

// The head measures of transformers' own attentions on the test checkpoints, checked against NumPy
// implementations of the papers' definitions (scripts/make_head_measures_reference.py).
namespace attnviz {
namespace {

const nlohmann::json& reference() {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::string(ATTNVIZ_TEST_DATA) + "/analysis/head_measures_reference.json");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

Attention attention_of(const nlohmann::json& model, const nlohmann::json& input) {
  Attention a;
  a.layers = model["layers"];
  a.heads = model["heads"];
  a.n = static_cast<int>(input["ids"].size());
  a.causal = model["causal"];
  a.weights = input["attentions"].get<std::vector<float>>();
  a.tokens.assign(a.n, "t");
  a.special.assign(a.n, false);
  return a;
}

Encoding encoding_of(const nlohmann::json& input) {
  Encoding e;
  e.ids = input["ids"].get<std::vector<std::int64_t>>();
  e.type_ids = input["type_ids"].get<std::vector<std::int64_t>>();
  e.tokens = e.display = input["tokens"].get<std::vector<std::string>>();
  e.special = input["special"].get<std::vector<bool>>();
  e.spans.resize(e.ids.size());
  return e;
}

TEST(HeadMeasures, EveryMeasureMatchesNumPyOnTransformersAttentions) {
  int checked = 0;
  for (const auto& [name, model] : reference()["models"].items()) {
    for (const auto& sentence : model["sentences"]) {
      const auto scores = head_scores(attention_of(model, sentence), encoding_of(sentence));
      const int heads = model["heads"];
      for (std::size_t i = 0; i < scores.size(); ++i) {
        const auto& expected = sentence["measures"][i / heads][i % heads];
        for (std::size_t m = 0; m + 1 < kMeasureCount; ++m) {
          const std::string measure = measure_names()[m];
          SCOPED_TRACE(name + " \"" + sentence["text"].get<std::string>() + "\" head " +
                       std::to_string(i) + " " + measure);
          if (expected[measure].is_null()) {
            EXPECT_TRUE(std::isnan(scores[i][m]));
          } else {
            EXPECT_NEAR(scores[i][m], expected[measure].get<double>(), 1e-6);
            ++checked;
          }
        }
        EXPECT_TRUE(std::isnan(scores[i][static_cast<int>(Measure::prefix_matching)]));
      }
    }
  }
  EXPECT_GT(checked, 400);
}

TEST(HeadMeasures, PunctuationAndPairsAreSeenInTheReference) {
  // The fixture exercises the measures that are zero on plain text: a pair, punctuation keys.
  const auto& bert = reference()["models"]["bert-tiny"];
  const auto& pair = bert["sentences"].back();
  ASSERT_FALSE(pair["pair"].is_null());
  EXPECT_GT(pair["measures"][0][0]["cross_segment"].get<double>(), 0.0);
  EXPECT_GT(bert["sentences"][0]["measures"][0][0]["punctuation"].get<double>(), 0.0);
}

TEST(HeadMeasures, PrefixMatchingMatchesNumPyOnARepeatedRandomSequence) {
  for (const auto& [name, model] : reference()["models"].items()) {
    const auto& repeated = model["repeated"];
    const auto scores = prefix_matching_scores(attention_of(model, repeated), repeated["start"],
                                               reference()["period"]);
    const int heads = model["heads"];
    ASSERT_EQ(scores.size(), static_cast<std::size_t>(model["layers"].get<int>() * heads));
    for (std::size_t i = 0; i < scores.size(); ++i) {
      EXPECT_NEAR(scores[i], repeated["prefix_matching"][i / heads][i % heads].get<double>(), 1e-6)
          << name << " head " << i;
    }
  }
}

TEST(HeadMeasures, PrefixMatchingRejectsARepeatThatDoesNotFit) {
  const auto a = test::make_attention(1, 1, 4, std::vector<float>(16, 0.25f));
  EXPECT_THROW(prefix_matching_scores(a, 1, 2), Error);
  EXPECT_THROW(prefix_matching_scores(a, 0, 0), Error);
  EXPECT_NO_THROW(prefix_matching_scores(a, 0, 2));
}

TEST(HeadMeasures, AnEncodingOfAnotherLengthIsAnError) {
  const auto a = test::make_attention(1, 1, 2, {1, 0, 0.5f, 0.5f});
  Encoding e;
  e.ids = {1, 2, 3};
  e.tokens = e.display = {"a", "b", "c"};
  e.special = {false, false, false};
  EXPECT_THROW(head_scores(a, e), Error);
}

TEST(RandomTokenIds, SeededAndWithoutExcludedIds) {
  const auto a = random_token_ids(50, {0, 1, 2, 49}, 500, 7);
  EXPECT_EQ(a, random_token_ids(50, {0, 1, 2, 49}, 500, 7));
  EXPECT_NE(a, random_token_ids(50, {0, 1, 2, 49}, 500, 8));
  for (const auto id : a) {
    EXPECT_GE(id, 3);
    EXPECT_LE(id, 48);
  }
  EXPECT_THROW(random_token_ids(2, {0, 1}, 1, 0), Error);
}

TEST(HeadScoreMeans, MeansLeaveNaNOut) {
  HeadScores one, two;
  one.fill(1.0);
  two.fill(3.0);
  two[static_cast<int>(Measure::cross_segment)] = std::nan("");
  HeadScoreMeans means;
  means.add({one});
  means.add({two});
  const auto m = means.means();
  EXPECT_EQ(means.inputs(), 2u);
  EXPECT_DOUBLE_EQ(m[0][static_cast<int>(Measure::first)], 2.0);
  EXPECT_DOUBLE_EQ(m[0][static_cast<int>(Measure::cross_segment)], 1.0);
  EXPECT_THROW(means.add({one, one}), Error);
}

HeadScores zeros() {
  HeadScores s;
  s.fill(0.0);
  s[static_cast<int>(Measure::uniform_entropy)] = 2.0;
  s[static_cast<int>(Measure::prefix_matching)] = std::nan("");
  return s;
}

TEST(HeadRole, FirstRuleThatReachesItsThresholdWins) {
  auto s = zeros();
  s[static_cast<int>(Measure::confidence)] = 0.4;
  EXPECT_EQ(head_role(s).role, HeadRole::mixed);
  EXPECT_DOUBLE_EQ(head_role(s).score, 0.4);
  s[static_cast<int>(Measure::entropy)] = 1.8;  // 0.9 of uniform
  EXPECT_EQ(head_role(s).role, HeadRole::broad);
  EXPECT_DOUBLE_EQ(head_role(s).score, 0.9);
  s[static_cast<int>(Measure::sink)] = 0.6;
  EXPECT_EQ(head_role(s).role, HeadRole::sink);
  s[static_cast<int>(Measure::previous)] = 0.7;
  EXPECT_EQ(head_role(s).role, HeadRole::previous_token);
  s[static_cast<int>(Measure::prefix_matching)] = 0.3;
  EXPECT_EQ(head_role(s).role, HeadRole::induction);
  EXPECT_STREQ(role_name(HeadRole::induction), "induction");
  EXPECT_STREQ(role_name(HeadRole::mixed), "mixed");
}

}  // namespace
}  // namespace attnviz
