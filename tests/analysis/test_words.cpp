#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "attnviz/tokenizer.hpp"
#include "make_attention.hpp"

// Word-level attention of transformers' own attentions, with words from attnviz's tokenizer,
// checked against NumPy merges over the words of Hugging Face's word_ids()
// (scripts/make_head_measures_reference.py).
namespace attnviz {
namespace {

const std::string kData = ATTNVIZ_TEST_DATA;

TEST(WordAttention, MatchesNumPyMergeOverHuggingFaceWords) {
  std::ifstream in(kData + "/analysis/head_measures_reference.json");
  const auto doc = nlohmann::json::parse(in);
  int merged_words = 0;
  for (const auto& [name, model] : doc["models"].items()) {
    const auto tokenizer = load_tokenizer(kData + "/models/" + name);
    for (const auto& s : model["sentences"]) {
      const std::string text = s["text"];
      SCOPED_TRACE(name + " \"" + text + "\"");
      const Encoding e = s["pair"].is_null()
                             ? tokenizer->encode(text)
                             : tokenizer->encode_pair(text, s["pair"].get<std::string>());
      ASSERT_EQ(e.ids, s["ids"].get<std::vector<std::int64_t>>());
      const auto groups = word_groups(e);
      EXPECT_EQ(groups, s["word_groups"].get<std::vector<std::vector<int>>>());
      Attention a;
      a.layers = model["layers"];
      a.heads = model["heads"];
      a.n = static_cast<int>(e.size());
      a.causal = model["causal"];
      a.weights = s["attentions"].get<std::vector<float>>();
      a.tokens = e.display;
      a.special = e.special;
      const Attention w = word_attention(a, e);
      const auto expected = s["word_attentions"].get<std::vector<float>>();
      ASSERT_EQ(w.weights.size(), expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_NEAR(w.weights[i], expected[i], 1e-6) << i;
      }
      EXPECT_EQ(w.n, static_cast<int>(groups.size()));
      EXPECT_EQ(w.tokens.size(), groups.size());
      merged_words += static_cast<int>(e.size() - groups.size());
    }
  }
  EXPECT_GT(merged_words, 10);  // the fixture has words of several pieces
}

TEST(WordAttention, LabelsJoinThePiecesAndRowsStillSumToOne) {
  Encoding e;
  e.ids = {0, 1, 2, 3};
  e.display = {"[CLS]", "straw",
               "\xC2\xB7"
               "berries",
               "[SEP]"};
  e.tokens = e.display;
  e.special = {true, false, false, true};
  e.type_ids.assign(4, 0);
  e.spans.resize(4);
  const auto a = test::make_attention(
      1, 1, 4,
      {0.1f, 0.2f, 0.3f, 0.4f, 0.25f, 0.25f, 0.25f, 0.25f, 0.0f, 0.5f, 0.5f, 0.0f, 1, 0, 0, 0});
  const Attention w = word_attention(a, e);
  ASSERT_EQ(w.n, 3);
  EXPECT_EQ(w.tokens, (std::vector<std::string>{"[CLS]", "strawberries", "[SEP]"}));
  EXPECT_EQ(w.special, (std::vector<bool>{true, false, true}));
  // from "strawberries": the mean of rows 1 and 2; to it: the sum of columns 1 and 2.
  EXPECT_FLOAT_EQ(w.at(0, 0, 1, 0), 0.125f);
  EXPECT_FLOAT_EQ(w.at(0, 0, 1, 1), 0.75f);
  EXPECT_FLOAT_EQ(w.at(0, 0, 1, 2), 0.125f);
  EXPECT_FLOAT_EQ(w.at(0, 0, 0, 1), 0.5f);
  Encoding shorter = e;
  shorter.ids.pop_back();
  shorter.display.pop_back();
  shorter.special.pop_back();
  EXPECT_THROW(word_attention(a, shorter), Error);
  // --focus on a piece outlines its word's row.
  EXPECT_EQ(word_of_token(e, 0), 0);
  EXPECT_EQ(word_of_token(e, 1), 1);
  EXPECT_EQ(word_of_token(e, 2), 1);
  EXPECT_EQ(word_of_token(e, 3), 2);
  EXPECT_EQ(word_of_token(e, -1), -1);
  EXPECT_EQ(word_of_token(e, 4), -1);
}

}  // namespace
}  // namespace attnviz
