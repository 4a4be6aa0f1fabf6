#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/analysis.hpp"
#include "attnviz/winograd.hpp"

// The analysis of transformers' own attentions for the Winograd pair, checked against values worked
// out with numpy (tests/data/analysis/make_reference.py) from the same attentions.
namespace attnviz {
namespace {

const std::string kData = ATTNVIZ_TEST_DATA;

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

struct Sentence {
  std::string text;
  Attention attention;
  Encoding encoding;
  nlohmann::json expected;
};

struct Model {
  std::string name;
  std::vector<Sentence> sentences;
  nlohmann::json expected;
};

// The sentences of one test checkpoint: attentions from transformers' reference file, tokens and
// spans from the analysis reference.
Model load_model(const std::string& name, const nlohmann::json& model_ref) {
  const auto transformers_ref = read_json(kData + "/reference/" + name + ".json");
  Model model{name, {}, model_ref};
  for (const auto& s : model_ref["sentences"]) {
    Sentence sentence;
    sentence.text = s["text"];
    sentence.expected = s;
    const auto n = static_cast<int>(s["tokens"].size());
    for (const auto& c : transformers_ref["cases"]) {
      if (c["name"] != s["case"]) continue;
      const auto& item = c["items"][s["item"].get<int>()];
      Attention& a = sentence.attention;
      a.layers = model_ref["layers"];
      a.heads = model_ref["heads"];
      a.n = n;
      a.causal = model_ref["causal"];
      a.weights = item["attentions"].get<std::vector<float>>();
      a.tokens = s["tokens"].get<std::vector<std::string>>();
      a.special = s["special"].get<std::vector<bool>>();
      Encoding& e = sentence.encoding;
      e.ids = item["ids"].get<std::vector<std::int64_t>>();
      e.type_ids = item["type_ids"].get<std::vector<std::int64_t>>();
      e.tokens = e.display = a.tokens;
      e.special = a.special;
      for (const auto& span : s["spans"]) e.spans.push_back({span[0], span[1]});
    }
    model.sentences.push_back(std::move(sentence));
  }
  return model;
}

std::vector<Model> models() {
  const std::string analysis_ref = kData + "/analysis/reference_analysis.json";
  std::vector<Model> out;
  const auto doc = read_json(analysis_ref);
  for (const auto& [name, model_ref] : doc["models"].items())
    out.push_back(load_model(name, model_ref));
  return out;
}

void expect_near_all(const std::vector<float>& actual, const nlohmann::json& expected,
                     double tolerance, const std::string& what) {
  const auto values = expected.get<std::vector<double>>();
  ASSERT_EQ(actual.size(), values.size()) << what;
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_NEAR(actual[i], values[i], tolerance) << what << " at " << i;
  }
}

class AnalysisReference : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"bert-tiny", "gpt2-tiny"}) {
      if (!std::filesystem::exists(kData + "/reference/" + name + ".json")) {
        GTEST_SKIP() << "tests/data/reference/" << name
                     << ".json is missing (scripts/make_test_checkpoints.py makes it)";
      }
    }
    models_ = models();
    ASSERT_EQ(models_.size(), 2u);
  }
  std::vector<Model> models_;
};

TEST_F(AnalysisReference, HeadMeanAndRollout) {
  for (const auto& model : models_) {
    for (const auto& s : model.sentences) {
      ASSERT_EQ(s.attention.weights.size(),
                static_cast<std::size_t>(s.attention.layers * s.attention.heads * s.attention.n *
                                         s.attention.n))
          << model.name << ": reference attention missing for " << s.text;
      expect_near_all(mean_over_heads(s.attention).weights, s.expected["head_mean"], 1e-6,
                      model.name + " head mean");
      expect_near_all(attention_rollout(s.attention).weights, s.expected["rollout"], 1e-5,
                      model.name + " rollout");
    }
  }
}

TEST_F(AnalysisReference, WordsCandidatesAndSummary) {
  for (const auto& model : models_) {
    WinogradItem item;
    item.pronoun = "it";
    item.candidate_1 = "animal";
    item.candidate_2 = "street";
    std::vector<CandidateAttention> scores;
    for (const auto& s : model.sentences) {
      const auto words = locate_winograd_words(s.encoding, s.text, item);
      EXPECT_EQ(words.pronoun, s.expected["pronoun"].get<std::vector<int>>()) << model.name;
      EXPECT_EQ(words.candidate_1, s.expected["candidate_1"].get<std::vector<int>>()) << model.name;
      EXPECT_EQ(words.candidate_2, s.expected["candidate_2"].get<std::vector<int>>()) << model.name;
      scores.push_back(candidate_attention(s.attention, words));
      expect_near_all(scores.back().to_candidate_1, s.expected["to_candidate_1"], 1e-6,
                      model.name + " to animal");
      expect_near_all(scores.back().to_candidate_2, s.expected["to_candidate_2"], 1e-6,
                      model.name + " to street");
    }
    WinogradSummary summary;
    add_pair(summary, scores[0], model.sentences[0].expected["correct"], scores[1],
             model.sentences[1].expected["correct"]);
    const auto& expected = model.expected["summary"];
    EXPECT_EQ(summary.correct, expected["correct"].get<std::vector<int>>()) << model.name;
    EXPECT_EQ(summary.ties, expected["ties"].get<std::vector<int>>()) << model.name;
    EXPECT_EQ(summary.pairs_both, expected["pairs_both"].get<std::vector<int>>()) << model.name;
    const auto margin_sum = expected["margin_sum"].get<std::vector<double>>();
    ASSERT_EQ(summary.margin_sum.size(), margin_sum.size());
    for (std::size_t i = 0; i < margin_sum.size(); ++i) {
      EXPECT_NEAR(summary.margin_sum[i], margin_sum[i], 1e-6) << model.name << " at " << i;
    }
  }
}

TEST_F(AnalysisReference, TopKeysOfOneHead) {
  const auto doc = read_json(kData + "/analysis/reference_analysis.json");
  for (const auto& model : models_) {
    for (const auto& s : model.sentences) {
      const auto rows =
          top_keys(s.attention, doc["top_layer"], doc["top_head"], {doc["top_k"], false});
      const auto expected = s.expected["top_keys"].get<std::vector<std::vector<int>>>();
      ASSERT_EQ(rows.size(), expected.size());
      for (std::size_t q = 0; q < rows.size(); ++q) {
        std::vector<int> keys;
        for (const auto& kw : rows[q]) keys.push_back(kw.key);
        EXPECT_EQ(keys, expected[q]) << model.name << " query " << q;
      }
    }
  }
}

}  // namespace
}  // namespace attnviz
