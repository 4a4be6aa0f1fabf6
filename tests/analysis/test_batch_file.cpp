#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "attnviz/batch_file.hpp"
#include "attnviz/error.hpp"
#include "attnviz/winograd.hpp"
#include "hf_encodings.hpp"
#include "word_encoding.hpp"

namespace attnviz {
namespace {

const std::string kHeader =
    "sentence_a\tsentence_b\tpronoun\tcandidate_1\tcandidate_2\tcorrect_a\tcorrect_b\n";
const std::string kTired = "The animal didn't cross the street because it was too tired.";
const std::string kInvalidByte(1, '\xff');  // never valid in UTF-8
const std::string kWide = "The animal didn't cross the street because it was too wide.";

// The lines joined with newlines, so that element i is line i + 1.
std::string lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

BatchFile tsv(const std::string& text) {
  std::istringstream in(text);
  return parse_batch_tsv(in);
}
BatchFile jsonl(const std::string& text) {
  std::istringstream in(text);
  return parse_batch_jsonl(in);
}

std::vector<std::size_t> item_lines(const BatchFile& f) {
  std::vector<std::size_t> out;
  for (const auto& item : f.items) out.push_back(item.line);
  return out;
}
std::vector<std::size_t> bad_line_numbers(const BatchFile& f) {
  std::vector<std::size_t> out;
  for (const auto& bad : f.bad_lines) out.push_back(bad.line);
  return out;
}
// The message of the bad line with that number, or "" when that line is not bad.
std::string bad_message(const BatchFile& f, std::size_t line) {
  for (const auto& bad : f.bad_lines) {
    if (bad.line == line) return bad.message;
  }
  return "";
}
using Lines = std::vector<std::size_t>;

TEST(AnalysisBatchTsv, ReadsTheClassicPair) {
  const auto f = tsv("# Winograd pairs\n" + kHeader + kTired + "\t" + kWide +
                     "\tit\tanimal\tstreet\tanimal\tstreet\n");
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_TRUE(f.bad_lines.empty());
  const auto& item = f.items[0];
  EXPECT_EQ(item.line, 3u);
  EXPECT_EQ(item.id, "line-3");
  EXPECT_EQ(item.sentence_a, kTired);
  EXPECT_EQ(item.sentence_b, kWide);
  EXPECT_EQ(item.pronoun, "it");
  EXPECT_EQ(item.candidate_1, "animal");
  EXPECT_EQ(item.candidate_2, "street");
  EXPECT_EQ(item.correct_a, 1);
  EXPECT_EQ(item.correct_b, 2);
  EXPECT_EQ(item.sentence(1), kWide);
  EXPECT_EQ(item.correct(1), 2);
}

TEST(AnalysisBatchTsv, ReportsBadLinesWithTheirNumbersAndKeepsTheRest) {
  const std::string w = kTired + "\t" + kWide;  // the two sentences of a good line
  const auto f = tsv(lines({
      "id\tpronoun\tsentence_a\tsentence_b\tcandidate_1\tcandidate_2\tcorrect_a\tcorrect_b",  // 1
      "p1\tit\t" + w + "\tanimal\tstreet\tanimal\tstreet",                                    // 2
      "",                                                                                     // 3
      "p2\tit\t" + w + "\tanimal\tstreet",                                                    // 4
      "p3\t \t" + w + "\tanimal\tstreet\t1\t2",                                               // 5
      "p4\tit\t" + w + "\tanimal\tstreet\tcat\tstreet",                                       // 6
      "   # a comment",                                                                       // 7
      "p5\tit\t" + w + "\tanimal\tstreet\t2\t1\r",                                            // 8
      "p1\tit\t" + w + "\tanimal\tstreet\t1\t2",                                              // 9
      "a/b\tit\t" + w + "\tanimal\tstreet\t1\t2",                                             // 10
      "p6\tit\t" + w + "\tAnimal\tanimal\t1\t2",                                              // 11
      "p7\tit\t" + kTired + "\t" + kTired + "\tanimal\tstreet\t1\t2",                         // 12
      "p8\tit\t" + w + "\tanimal\tstreet\t1\t2\textra",                                       // 13
      "p9\tit\t" + w + "\tanimal\tstr" + kInvalidByte + "et\t1\t2",                           // 14
      "\tit\t" + w + "\tanimal\tstreet\tANIMAL\tStreet",                                      // 15
  }));
  EXPECT_EQ(item_lines(f), (Lines{2, 8, 15}));
  EXPECT_EQ(bad_line_numbers(f), (Lines{4, 5, 6, 9, 10, 11, 12, 13, 14}));

  EXPECT_EQ(f.items[0].id, "p1");
  EXPECT_EQ(f.items[1].correct_a, 2);
  EXPECT_EQ(f.items[1].correct_b, 1);
  EXPECT_EQ(f.items[1].candidate_2, "street");  // the \r of the CRLF line is gone
  EXPECT_EQ(f.items[2].id, "line-15");
  EXPECT_EQ(f.items[2].correct_a, 1);
  EXPECT_EQ(f.items[2].correct_b, 2);

  EXPECT_NE(bad_message(f, 4).find("expected 8 tab-separated fields"), std::string::npos);
  EXPECT_NE(bad_message(f, 4).find("found 6"), std::string::npos);
  EXPECT_NE(bad_message(f, 5).find("pronoun is empty"), std::string::npos);
  EXPECT_NE(bad_message(f, 6).find("correct_a is \"cat\""), std::string::npos);
  EXPECT_NE(bad_message(f, 9).find("already used on line 2"), std::string::npos);
  EXPECT_NE(bad_message(f, 10).find("file name"), std::string::npos);
  EXPECT_NE(bad_message(f, 11).find("candidate_1 and candidate_2 are both"), std::string::npos);
  EXPECT_NE(bad_message(f, 12).find("are the same"), std::string::npos);
  EXPECT_NE(bad_message(f, 13).find("found 9"), std::string::npos);
  EXPECT_NE(bad_message(f, 14).find("not valid UTF-8"), std::string::npos);
}

TEST(AnalysisBatchTsv, HeaderProblemsStopTheWholeFile) {
  try {
    tsv("# pairs\nsentence_a\tsentence_b\tpronoun\tcandidate_1\tcandidate_2\tcorrect_a\n");
    FAIL() << "expected attnviz::Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("line 2"), std::string::npos) << message;
    EXPECT_NE(message.find("correct_b"), std::string::npos) << message;
  }
  // A file without a header: its first line is read as one and lacks every column.
  EXPECT_THROW(tsv(kTired + "\t" + kWide + "\tit\tanimal\tstreet\tanimal\tstreet\n"), Error);
  EXPECT_THROW(tsv("pronoun\t" + kHeader), Error);  // pronoun twice
}

TEST(AnalysisBatchTsv, EmptyFileHasNothing) {
  const auto f = tsv("# only a comment\n\n");
  EXPECT_TRUE(f.items.empty());
  EXPECT_TRUE(f.bad_lines.empty());
}

TEST(AnalysisBatchJsonl, ReportsBadLinesWithTheirNumbersAndKeepsTheRest) {
  // The two sentences, then the rest of each line's object.
  const std::string w = "{\"sentence_a\": \"" + kTired + "\", \"sentence_b\": \"" + kWide + "\", ";
  const std::string words =
      R"("pronoun": "it", "candidate_1": "animal", "candidate_2": "street", )";
  const auto f = jsonl(lines({
      w + words + R"("correct_a": "animal", "correct_b": "street"})",                      // 1
      w + R"("pronoun": "it")",                                                            // 2
      "[1, 2]",                                                                            // 3
      w + R"("pronoun": "it", "candidate_1": "animal", "correct_a": 1, "correct_b": 2})",  // 4
      w + words + R"("correct_a": 3, "correct_b": 2})",                                    // 5
      w + R"("pronoun": 5, "candidate_1": "a", "candidate_2": "b", "correct_a": 1, "correct_b": 2})",  // 6
      w + words + R"("id": "tired-wide", "correct_a": 1, "correct_b": 2, "note": "ignored"})",  // 7
      "# a comment",                                                                            // 8
      w + R"("pronoun": "", "candidate_1": "a", "candidate_2": "b", "correct_a": 1, "correct_b": 2})",  // 9
  }));
  EXPECT_EQ(item_lines(f), (Lines{1, 7}));
  EXPECT_EQ(bad_line_numbers(f), (Lines{2, 3, 4, 5, 6, 9}));
  EXPECT_EQ(f.items[0].correct_a, 1);
  EXPECT_EQ(f.items[0].correct_b, 2);
  EXPECT_EQ(f.items[1].id, "tired-wide");
  EXPECT_NE(bad_message(f, 2).find("not valid JSON"), std::string::npos);
  EXPECT_NE(bad_message(f, 3).find("one JSON object"), std::string::npos);
  EXPECT_NE(bad_message(f, 4).find("candidate_2 is missing"), std::string::npos);
  EXPECT_NE(bad_message(f, 5).find("correct_a is \"3\""), std::string::npos);
  EXPECT_NE(bad_message(f, 6).find("pronoun must be a string"), std::string::npos);
  EXPECT_NE(bad_message(f, 9).find("pronoun is empty"), std::string::npos);
}

// A 10 MB line is a bad line with its size, before anything tokenizes it; the next line still
// reads.
TEST(AnalysisParseBatch, OverlongLineIsABadLine) {
  const std::string huge(10'000'000, 'a');
  const std::string good_tsv = kTired + "\t" + kWide + "\tit\tanimal\tstreet\t1\t2";
  const auto t =
      tsv(kHeader + lines({huge + "\t" + good_tsv.substr(good_tsv.find('\t') + 1), good_tsv}));
  EXPECT_EQ(item_lines(t), (Lines{3}));
  const std::size_t size = huge.size() + good_tsv.size() - good_tsv.find('\t');
  EXPECT_EQ(bad_message(t, 2), "the line is " + std::to_string(size) +
                                   " bytes long; a line holds one pair of sentences, at most 65536 "
                                   "bytes");
  const std::string good_json = "{\"sentence_a\": \"" + kTired + "\", \"sentence_b\": \"" + kWide +
                                R"(", "pronoun": "it", "candidate_1": "animal", )"
                                R"("candidate_2": "street", "correct_a": 1, "correct_b": 2})";
  const auto j = jsonl(lines({"{\"sentence_a\": \"" + huge + "\"}", good_json}));
  EXPECT_EQ(item_lines(j), (Lines{2}));
  EXPECT_NE(bad_message(j, 1).find("at most 65536 bytes"), std::string::npos);
}

// A number JSON can write but a double cannot hold was an exception past parse_batch (fuzzing).
TEST(AnalysisParseBatch, NumberOverflowIsABadLine) {
  const auto j = jsonl(lines({R"({"sentence_a": 1e999})"}));
  EXPECT_EQ(bad_line_numbers(j), (Lines{1}));
  EXPECT_NE(bad_message(j, 1).find("not valid JSON: number overflow"), std::string::npos)
      << bad_message(j, 1);
}

TEST(AnalysisParseBatch, PicksTheFormatFromTheContent) {
  std::istringstream json_in(
      "\n# c\n{\"sentence_a\": \"a it x\", \"sentence_b\": \"a it y\", "
      "\"pronoun\": \"it\", \"candidate_1\": \"a\", \"candidate_2\": \"b\", "
      "\"correct_a\": 1, \"correct_b\": 2}\n");
  EXPECT_EQ(parse_batch(json_in).items.size(), 1u);
  std::istringstream tsv_in(kHeader + "a it x\ta it y\tit\ta\tb\t1\t2\n");
  EXPECT_EQ(parse_batch(tsv_in).items.size(), 1u);
  std::istringstream array_in("[{\"sentence_a\": \"x\"}]\n");
  EXPECT_THROW(parse_batch(array_in), Error);
}

TEST(AnalysisReadBatchFile, MissingFileOrDirectoryThrows) {
  const std::string missing = std::string(ATTNVIZ_TEST_DATA) + "/analysis/no_such_file.tsv";
  try {
    read_batch_file(missing);
    FAIL() << "expected attnviz::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_batch_file(std::string(ATTNVIZ_TEST_DATA) + "/analysis"), Error);
}

TEST(AnalysisReadBatchFile, FixtureWithBadLines) {
  const auto f = read_batch_file(std::string(ATTNVIZ_TEST_DATA) + "/analysis/pairs_bad_lines.tsv");
  EXPECT_EQ(item_lines(f), (Lines{4, 7}));
  EXPECT_EQ(bad_line_numbers(f), (Lines{5, 6}));
}

const std::filesystem::path kExamples =
    std::filesystem::path(ATTNVIZ_TEST_DATA) / ".." / ".." / "examples";

// Every example pair: both sentences contain the pronoun and both candidates exactly once, as whole
// words, so the batch command can score it.
void expect_usable(const BatchFile& f) {
  EXPECT_TRUE(f.bad_lines.empty())
      << "line " << f.bad_lines.front().line << ": " << f.bad_lines.front().message;
  EXPECT_GE(f.items.size(), 20u);
  for (const auto& item : f.items) {
    for (int which = 0; which < 2; ++which) {
      const std::string& sentence = item.sentence(which);
      EXPECT_NO_THROW(locate_winograd_words(test::word_encoding(sentence), sentence, item))
          << "line " << item.line << ": " << sentence;
    }
    EXPECT_NE(item.correct_a, item.correct_b) << "line " << item.line;
  }
}

TEST(AnalysisExampleFiles, TsvParsesWithNoBadLines) {
  expect_usable(read_batch_file(kExamples / "winograd_pairs.tsv"));
}

TEST(AnalysisExampleFiles, JsonlHoldsTheSamePairs) {
  const auto t = read_batch_file(kExamples / "winograd_pairs.tsv");
  const auto j = read_batch_file(kExamples / "winograd_pairs.jsonl");
  expect_usable(j);
  ASSERT_EQ(t.items.size(), j.items.size());
  for (std::size_t i = 0; i < t.items.size(); ++i) {
    EXPECT_EQ(t.items[i].id, j.items[i].id);
    EXPECT_EQ(t.items[i].sentence_a, j.items[i].sentence_a);
    EXPECT_EQ(t.items[i].sentence_b, j.items[i].sentence_b);
    EXPECT_EQ(t.items[i].pronoun, j.items[i].pronoun);
    EXPECT_EQ(t.items[i].candidate_1, j.items[i].candidate_1);
    EXPECT_EQ(t.items[i].candidate_2, j.items[i].candidate_2);
    EXPECT_EQ(t.items[i].correct_a, j.items[i].correct_a);
    EXPECT_EQ(t.items[i].correct_b, j.items[i].correct_b);
  }
}

TEST(AnalysisExampleFiles, EveryWordIsFoundInBertAndGpt2Tokens) {
  // Hugging Face's own tokenizations of every example sentence, BERT's then GPT-2's, in file order.
  const auto items = read_batch_file(kExamples / "winograd_pairs.tsv").items;
  const auto encodings = test::load_hf_encodings("example_encodings.json");
  ASSERT_EQ(encodings.size(), 4 * items.size()) << "regenerate example_encodings.json";
  for (std::size_t e = 0; e < encodings.size(); ++e) {
    const auto& item = items[(e / 2) % items.size()];
    const int which = static_cast<int>(e % 2);
    const auto& hf = encodings[e];
    ASSERT_EQ(hf.text, item.sentence(which)) << "regenerate example_encodings.json";
    const auto words = locate_winograd_words(hf.encoding, hf.text, item);
    // The three words are different tokens, and the pronoun is a single piece in both vocabularies.
    EXPECT_EQ(words.pronoun.size(), 1u) << hf.model << ": " << hf.text;
    for (int t : words.pronoun) {
      for (const auto* candidate : {&words.candidate_1, &words.candidate_2}) {
        EXPECT_EQ(std::count(candidate->begin(), candidate->end(), t), 0) << hf.text;
      }
    }
  }
}

}  // namespace
}  // namespace attnviz
