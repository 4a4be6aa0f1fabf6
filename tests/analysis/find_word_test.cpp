#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"

namespace attnviz {
namespace {

// Encodings made by Hugging Face's tokenizers (tests/data/analysis/make_encodings.py).
struct Case {
  Encoding encoding;
  std::string text;
  std::string text_pair;
};

std::vector<Case> hf_cases() {
  std::ifstream in(std::string(ATTNVIZ_TEST_DATA) + "/analysis/hf_encodings.json");
  EXPECT_TRUE(in) << "missing fixture hf_encodings.json";
  const auto doc = nlohmann::json::parse(in);
  std::vector<Case> out;
  for (const auto& c : doc) {
    Case x;
    x.text = c["text"];
    if (!c["text_pair"].is_null()) x.text_pair = c["text_pair"];
    x.encoding.ids = c["ids"].get<std::vector<std::int64_t>>();
    x.encoding.type_ids = c["type_ids"].get<std::vector<std::int64_t>>();
    x.encoding.tokens = c["tokens"].get<std::vector<std::string>>();
    x.encoding.display = x.encoding.tokens;
    x.encoding.special = c["special"].get<std::vector<bool>>();
    for (const auto& s : c["spans"]) x.encoding.spans.push_back({s[0], s[1]});
    out.push_back(std::move(x));
  }
  return out;
}

std::string error_of(const Case& c, const std::string& word, std::optional<int> occurrence = {}) {
  try {
    find_word(c.encoding, c.text, word, occurrence);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

using Tokens = std::vector<int>;

TEST(FindWord, BertSingleAndMultiPieceWords) {
  const auto c = hf_cases().at(
      0);  // [CLS] the animal didn ' t ... it was un ##bel ##ie ##va ##bly tired . [SEP]
  EXPECT_EQ(find_word(c.encoding, c.text, "it"), Tokens{10});
  EXPECT_EQ(find_word(c.encoding, c.text, "animal"), Tokens{2});
  EXPECT_EQ(find_word(c.encoding, c.text, "Unbelievably"), (Tokens{12, 13, 14, 15, 16}));
  EXPECT_EQ(find_word(c.encoding, c.text, "didn't"), (Tokens{3, 4, 5}));
  EXPECT_EQ(find_word(c.encoding, c.text, "the street"), (Tokens{7, 8}));
  EXPECT_EQ(find_word(c.encoding, c.text, " it "), Tokens{10});
}

TEST(FindWord, Gpt2SpansWithTheirLeadingSpace) {
  const auto c = hf_cases().at(1);  // The Ġanimal Ġdidn 't ... Ġit ...
  EXPECT_EQ(find_word(c.encoding, c.text, "it"), Tokens{8});
  EXPECT_EQ(find_word(c.encoding, c.text, "STREET"), Tokens{6});
  EXPECT_EQ(find_word(c.encoding, c.text, "the", 0), Tokens{0});
  EXPECT_EQ(find_word(c.encoding, c.text, "the", 1), Tokens{5});
}

TEST(FindWord, IgnoresCaseBeyondAscii) {
  const auto bert = hf_cases().at(2);  // [CLS] emile thanked zoe ...
  EXPECT_EQ(find_word(bert.encoding, bert.text, "ÉMILE"), Tokens{1});
  EXPECT_EQ(find_word(bert.encoding, bert.text, "zoë"), Tokens{3});
  const auto gpt2 = hf_cases().at(3);  // Ãī mile Ġthanked ĠZo Ã« ...
  EXPECT_EQ(find_word(gpt2.encoding, gpt2.text, "émile"), (Tokens{0, 1}));
  EXPECT_EQ(find_word(gpt2.encoding, gpt2.text, "ZOË"), (Tokens{3, 4}));
}

TEST(FindWord, PairEncodingSearchesTheChosenSentence) {
  const auto c =
      hf_cases().at(4);  // [CLS] the trophy doesn ' t fit in the suitcase . [SEP] it is ...
  EXPECT_EQ(find_word(c.encoding, c.text_pair, "it", std::nullopt, 1), Tokens{12});
  EXPECT_EQ(find_word(c.encoding, c.text, "the trophy", std::nullopt, 0), (Tokens{1, 2}));
  EXPECT_EQ(find_word(c.encoding, c.text, "suitcase", std::nullopt, 0), Tokens{9});
  // "it" is inside "fit" only: not a whole word of the first sentence.
  EXPECT_THROW(find_word(c.encoding, c.text, "it", std::nullopt, 0), Error);
}

TEST(FindWord, WholeWordsOnly) {
  const auto c = hf_cases().at(0);
  EXPECT_NE(error_of(c, "anim").find("not found"), std::string::npos);
  EXPECT_NE(error_of(c, "tire").find("not found"), std::string::npos);
}

TEST(FindWord, AbsentWordNamesWordAndSentence) {
  const auto c = hf_cases().at(0);
  const auto message = error_of(c, "dog");
  EXPECT_NE(message.find("\"dog\""), std::string::npos) << message;
  EXPECT_NE(message.find(c.text), std::string::npos) << message;
}

TEST(FindWord, AmbiguousWithoutOccurrence) {
  const auto c = hf_cases().at(1);
  const auto message = error_of(c, "the");
  EXPECT_NE(message.find("occurs 2 times"), std::string::npos) << message;
  EXPECT_NE(message.find(c.text), std::string::npos) << message;
  EXPECT_NE(error_of(c, "the", 2).find("does not exist"), std::string::npos);
  EXPECT_NE(error_of(c, "the", -1).find("does not exist"), std::string::npos);
}

TEST(FindWord, NeverReturnsTemplateTokensAndReportsCutText) {
  // A hand-made encoding cut short: "it" (bytes 4..6) lies beyond the kept tokens.
  Encoding e;
  e.ids = {101, 1, 102};
  e.tokens = e.display = {"[CLS]", "so", "[SEP]"};
  e.spans = {{0, 0}, {0, 2}, {0, 0}};
  e.special = {true, false, true};
  const std::string text = "so, it goes";
  const auto message = [&] {
    try {
      find_word(e, text, "it");
    } catch (const Error& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  }();
  EXPECT_NE(message.find("not covered by any token"), std::string::npos) << message;
  EXPECT_EQ(find_word(e, text, "so"), Tokens{1});
}

TEST(FindWord, RejectsEmptyWordAndInconsistentEncoding) {
  auto c = hf_cases().at(0);
  EXPECT_THROW(find_word(c.encoding, c.text, ""), Error);
  EXPECT_THROW(find_word(c.encoding, c.text, "  "), Error);
  c.encoding.spans.pop_back();
  EXPECT_THROW(find_word(c.encoding, c.text, "it"), Error);
}

}  // namespace
}  // namespace attnviz
