// Long inputs as a user runs them (llama-long: 4 layers of 8 heads, 4,096 positions, a letter a
// token): a text from a file, one head pooled into blocks and said so, a window at full
// resolution, and runs that would not fit refused before they start.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const std::string kLong =
    (fs::path(ATTNVIZ_TEST_DATA) / "models" / "families" / "llama-long").string();

class LongInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    // 2,000 one-letter words and the [CLS] and [SEP] around them: 2,002 tokens.
    std::ofstream text(dir_ / "long.txt");
    for (int i = 0; i < 2000; ++i) text << static_cast<char>('a' + i % 26) << ' ';
    text << '\n';
  }
  void TearDown() override { fs::remove_all(dir_); }
  test::CliResult run(const std::vector<std::string>& args) { return test::run_cli(args, dir_); }
  fs::path dir_;
};

TEST_F(LongInput, OneHeadIsPooledIntoBlocksAndTheFigureSaysSo) {
  const auto result =
      run({"--model", kLong, "--layer", "3", "--head", "5", "@long.txt", "-o", "head.svg"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string svg = test::read_all(dir_ / "head.svg");
  EXPECT_NE(svg.find("Layer 3, Head 5 · llama-long · 2,002 tokens in blocks of 8"),
            std::string::npos);
  EXPECT_NE(svg.find("each cell: the largest weight of a block of 8 × 8"), std::string::npos);

  const auto mean = run({"--model", kLong, "--layer", "3", "--head", "5", "@long.txt", "--pool",
                         "mean", "--blocks", "100", "-o", "mean.svg"});
  ASSERT_EQ(mean.exit_code, 0) << mean.err;
  EXPECT_NE(test::read_all(dir_ / "mean.svg").find("each cell: the mean weight of a block of 21"),
            std::string::npos);
}

TEST_F(LongInput, WindowDrawsItsTokensAtFullResolution) {
  const auto result = run({"--model", kLong, "--layer", "2", "--head", "1", "@long.txt", "--window",
                           "1000:1040", "--print", "--top", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // 40 query rows, each a letter piece, printed under the title with the window.
  EXPECT_NE(result.out.find("Layer 2, Head 1 · llama-long"), std::string::npos) << result.out;
  EXPECT_EQ(test::count_lines(result.out), 1 + 40) << result.out;

  for (const std::string bad : {"0:0", "10:5", "1:2003", "a:b", "7"}) {
    const auto refused = run({"--model", kLong, "@long.txt", "--window", bad});
    EXPECT_EQ(refused.exit_code, 1) << bad;
    EXPECT_NE(refused.err.find("--window"), std::string::npos) << refused.err;
    EXPECT_EQ(test::count_lines(refused.err), 1) << refused.err;
  }
}

TEST_F(LongInput, WhatNeedsEveryTokenRefusesPooledBlocks) {
  for (const std::string flag : {"--words", "--print"}) {
    const auto result = run({"--model", kLong, "--layer", "2", "--head", "1", "@long.txt", flag});
    EXPECT_EQ(result.exit_code, 1) << flag;
    EXPECT_NE(result.err.find(flag + " works token by token"), std::string::npos) << result.err;
  }
}

// A comparison aligns the tokens of two whole inputs: a window or pooled blocks of one are refused,
// not aligned by their labels.
TEST_F(LongInput, ComparisonsRefuseWindowsAndBlocks) {
  const auto html = run({"html", "--model", kLong, "@long.txt", "--compare", "@long.txt"});
  EXPECT_EQ(html.exit_code, 1);
  EXPECT_NE(html.err.find("--compare works token by token"), std::string::npos) << html.err;

  std::ofstream(dir_ / "short.txt") << "a b c d e f g h i j k l m n o p q r s t u v w x y z\n";
  ASSERT_EQ(run({"dump", "--model", kLong, "@short.txt", "-o", "short.npy"}).exit_code, 0);
  const auto render = run({"render", "short.npy", "--compare", "short.npy", "--layer", "1",
                           "--head", "1", "--window", "2:10"});
  EXPECT_EQ(render.exit_code, 1);
  EXPECT_NE(render.err.find("--compare works on whole inputs: leave out --window"),
            std::string::npos)
      << render.err;
  EXPECT_EQ(test::count_lines(render.err), 1) << render.err;
}

TEST_F(LongInput, ARunThatWouldNotFitIsRefusedBeforeItStarts) {
  // Every layer and head of 2,002 tokens at full resolution: 32 x 2,002² floats, 0.51 GB, and
  // one layer's scores.
  const auto result = run({"--model", kLong, "--layer", "all", "--head", "all", "--blocks", "0",
                           "@long.txt", "--max-memory", "0.4"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("needs about 0.7"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("0.40 GB is allowed"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--window A:B"), std::string::npos) << result.err;
  EXPECT_EQ(test::count_lines(result.err), 1) << result.err;
  // Pooled, the same model view fits.
  const auto pooled = run({"--model", kLong, "--layer", "all", "--head", "all", "@long.txt",
                           "--max-memory", "0.4", "-o", "all.png"});
  EXPECT_EQ(pooled.exit_code, 0) << pooled.err;
}

TEST_F(LongInput, HtmlOfALongInputHoldsPooledHeadsAndSaysSo) {
  const auto result = run({"html", "--model", kLong, "@long.txt", "-o", "long.html"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string page = test::read_all(dir_ / "long.html");
  EXPECT_NE(page.find("in blocks of 8 × 8 tokens, each cell the largest weight"),
            std::string::npos);
  EXPECT_LT(page.size(), std::size_t{8} << 20);
}

TEST_F(LongInput, TextFileArgumentsAreReadOrRefused) {
  std::ofstream(dir_ / "empty.txt") << "\n";
  const auto empty = run({"--model", kLong, "@empty.txt"});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("empty.txt is empty"), std::string::npos) << empty.err;
  const auto missing = run({"--model", kLong, "@missing.txt"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read missing.txt"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace attnviz
