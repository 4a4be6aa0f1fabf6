#include <gtest/gtest.h>

#include <sstream>

#include "attnviz/corpus_file.hpp"
#include "attnviz/error.hpp"

namespace attnviz {
namespace {

CorpusFile parse(const std::string& text) {
  std::istringstream in(text);
  return parse_corpus(in);
}

TEST(CorpusFile, OneTextALineSkipsBlankAndCommentLines) {
  const auto c = parse("\xEF\xBB\xBF# a comment\nThe cat sat.\r\n\n  A dog ran.  \n");
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.items[0].text, "The cat sat.");
  EXPECT_EQ(c.items[0].line, 2u);
  EXPECT_EQ(c.items[1].text, "A dog ran.");
  EXPECT_EQ(c.items[1].line, 4u);
  EXPECT_FALSE(c.items[1].pair);
  EXPECT_TRUE(c.bad_lines.empty());
}

TEST(CorpusFile, JsonlWithPairsAndBadLinesByNumber) {
  const auto c = parse(
      "{\"text\": \"First.\", \"pair\": \"Second.\"}\n"
      "{\"text\": 3}\n"
      "not json\n"
      "{\"text\": \"Only one.\"}\n"
      "{\"text\": \"a\", \"pair\": \"  \"}\n"
      "[1]\n"
      "{\"text\": \"bad \xFF byte\"}\n");
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(*c.items[0].pair, "Second.");
  EXPECT_EQ(c.items[1].line, 4u);
  ASSERT_EQ(c.bad_lines.size(), 5u);
  EXPECT_EQ(c.bad_lines[0].line, 2u);
  EXPECT_NE(c.bad_lines[0].message.find("text"), std::string::npos);
  EXPECT_EQ(c.bad_lines[1].line, 3u);
  EXPECT_EQ(c.bad_lines[2].line, 5u);
  EXPECT_NE(c.bad_lines[2].message.find("empty"), std::string::npos);
  EXPECT_EQ(c.bad_lines[3].line, 6u);
  EXPECT_EQ(c.bad_lines[4].line, 7u);
  EXPECT_NE(c.bad_lines[4].message.find("UTF-8"), std::string::npos);
}

TEST(CorpusFile, AMissingFileIsAnError) {
  EXPECT_THROW(read_corpus_file("/nonexistent/corpus.txt"), Error);
}

}  // namespace
}  // namespace attnviz
