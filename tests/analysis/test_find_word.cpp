#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "hf_encodings.hpp"

namespace attnviz {
namespace {

using Case = test::HfEncoding;

std::vector<Case> hf_cases() {
  return test::load_hf_encodings("hf_encodings.json");
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

TEST(AnalysisFindWord, BertSingleAndMultiPieceWords) {
  // [CLS] the animal didn ' t ... it was un ##bel ##ie ##va ##bly tired . [SEP]
  const auto c = hf_cases().at(0);
  EXPECT_EQ(find_word(c.encoding, c.text, "it"), Tokens{10});
  EXPECT_EQ(find_word(c.encoding, c.text, "animal"), Tokens{2});
  EXPECT_EQ(find_word(c.encoding, c.text, "Unbelievably"), (Tokens{12, 13, 14, 15, 16}));
  EXPECT_EQ(find_word(c.encoding, c.text, "didn't"), (Tokens{3, 4, 5}));
  EXPECT_EQ(find_word(c.encoding, c.text, "the street"), (Tokens{7, 8}));
  EXPECT_EQ(find_word(c.encoding, c.text, " it "), Tokens{10});
}

TEST(AnalysisFindWord, Gpt2SpansWithTheirLeadingSpace) {
  // The Ġanimal Ġdidn 't ... Ġit ...
  const auto c = hf_cases().at(1);
  EXPECT_EQ(find_word(c.encoding, c.text, "it"), Tokens{8});
  EXPECT_EQ(find_word(c.encoding, c.text, "STREET"), Tokens{6});
  EXPECT_EQ(find_word(c.encoding, c.text, "the", 0), Tokens{0});
  EXPECT_EQ(find_word(c.encoding, c.text, "the", 1), Tokens{5});
}

TEST(AnalysisFindWord, IgnoresCaseBeyondAscii) {
  // [CLS] emile thanked zoe ...
  const auto bert = hf_cases().at(2);
  EXPECT_EQ(find_word(bert.encoding, bert.text, "ÉMILE"), Tokens{1});
  EXPECT_EQ(find_word(bert.encoding, bert.text, "zoë"), Tokens{3});
  // Ãī mile Ġthanked ĠZo Ã« ...
  const auto gpt2 = hf_cases().at(3);
  EXPECT_EQ(find_word(gpt2.encoding, gpt2.text, "émile"), (Tokens{0, 1}));
  EXPECT_EQ(find_word(gpt2.encoding, gpt2.text, "ZOË"), (Tokens{3, 4}));
}

TEST(AnalysisFindWord, PairEncodingSearchesTheChosenSentence) {
  const auto c =
      hf_cases().at(4);  // [CLS] the trophy doesn ' t fit in the suitcase . [SEP] it is ...
  EXPECT_EQ(find_word(c.encoding, c.text_pair, "it", std::nullopt, 1), Tokens{12});
  EXPECT_EQ(find_word(c.encoding, c.text, "the trophy", std::nullopt, 0), (Tokens{1, 2}));
  EXPECT_EQ(find_word(c.encoding, c.text, "suitcase", std::nullopt, 0), Tokens{9});
  // "it" is inside "fit" only: not a whole word of the first sentence.
  EXPECT_THROW(find_word(c.encoding, c.text, "it", std::nullopt, 0), Error);
}

TEST(AnalysisFindWord, EmptyTypeIdsCountAsSegmentZero) {
  auto c = hf_cases().at(0);
  c.encoding.type_ids.clear();
  EXPECT_EQ(find_word(c.encoding, c.text, "it"), Tokens{10});
  EXPECT_THROW(find_word(c.encoding, c.text, "it", std::nullopt, 1), Error);
}

TEST(AnalysisFindWord, WholeWordsOnly) {
  const auto c = hf_cases().at(0);
  EXPECT_NE(error_of(c, "anim").find("not found"), std::string::npos);
  EXPECT_NE(error_of(c, "tire").find("not found"), std::string::npos);
}

TEST(AnalysisFindWord, AbsentWordNamesWordAndSentence) {
  const auto c = hf_cases().at(0);
  const auto message = error_of(c, "dog");
  EXPECT_NE(message.find("\"dog\""), std::string::npos) << message;
  EXPECT_NE(message.find(c.text), std::string::npos) << message;
}

TEST(AnalysisFindWord, AmbiguousWithoutOccurrence) {
  const auto c = hf_cases().at(1);
  const auto message = error_of(c, "the");
  EXPECT_NE(message.find("occurs 2 times"), std::string::npos) << message;
  EXPECT_NE(message.find(c.text), std::string::npos) << message;
  EXPECT_NE(error_of(c, "the", 2).find("does not exist"), std::string::npos);
  EXPECT_NE(error_of(c, "the", -1).find("does not exist"), std::string::npos);
}

TEST(AnalysisFindWord, NeverReturnsTemplateTokensAndReportsCutText) {
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

TEST(AnalysisFindWord, RejectsEmptyWordAndInconsistentEncoding) {
  auto c = hf_cases().at(0);
  EXPECT_THROW(find_word(c.encoding, c.text, ""), Error);
  EXPECT_THROW(find_word(c.encoding, c.text, "  "), Error);
  c.encoding.spans.pop_back();
  EXPECT_THROW(find_word(c.encoding, c.text, "it"), Error);
}

}  // namespace
}  // namespace attnviz
