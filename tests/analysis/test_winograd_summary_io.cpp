#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "winograd_summary_io.hpp"

namespace attnviz {
namespace {

using cli::write_summary_csv;
using cli::write_summary_json;

// 2 layers x 2 heads over 3 pairs (6 sentences), counts chosen by hand.
WinogradSummary sample() {
  WinogradSummary s;
  s.model = "bert-base-uncased";
  s.layers = 2;
  s.heads = 2;
  s.sentences = 6;
  s.pairs = 3;
  s.correct = {4, 3, 0, 6};
  s.ties = {1, 0, 0, 0};
  s.pairs_both = {1, 1, 0, 3};
  s.margin_sum = {0.3, -0.6, -1.5, 1.2};
  return s;
}

// One layer and head, no sentences.
WinogradSummary nothing_counted() {
  WinogradSummary s;
  s.layers = 1;
  s.heads = 1;
  s.correct = s.ties = s.pairs_both = {0};
  s.margin_sum = {0.0};
  return s;
}

TEST(AnalysisWinogradSummaryCsv, OneRowPerHeadOneBased) {
  std::ostringstream out;
  write_summary_csv(out, sample());
  EXPECT_EQ(out.str(),
            "layer,head,sentences,correct,wrong,ties,share_correct,pairs,pairs_both_correct,"
            "mean_margin\n"
            "1,1,6,4,1,1,0.666667,3,1,0.05\n"
            "1,2,6,3,3,0,0.5,3,1,-0.1\n"
            "2,1,6,0,6,0,0,3,0,-0.25\n"
            "2,2,6,6,0,0,1,3,3,0.2\n");
}

TEST(AnalysisWinogradSummaryCsv, UndefinedShareIsAnEmptyField) {
  const WinogradSummary s = nothing_counted();
  std::ostringstream out;
  write_summary_csv(out, s);
  EXPECT_EQ(out.str(),
            "layer,head,sentences,correct,wrong,ties,share_correct,pairs,pairs_both_correct,"
            "mean_margin\n1,1,0,0,0,0,,0,0,\n");
}

TEST(AnalysisWinogradSummaryCsv, LeavesTheStreamPrecisionAlone) {
  std::ostringstream out;
  out.precision(2);
  write_summary_csv(out, sample());
  EXPECT_EQ(out.precision(), 2);
}

TEST(AnalysisWinogradSummaryJson, CarriesMatrixAndDetail) {
  std::ostringstream out;
  write_summary_json(out, sample());
  const auto doc = nlohmann::json::parse(out.str());
  EXPECT_EQ(doc["model"], "bert-base-uncased");
  EXPECT_EQ(doc["layers"], 2);
  EXPECT_EQ(doc["heads"], 2);
  EXPECT_EQ(doc["sentences"], 6);
  EXPECT_EQ(doc["pairs"], 3);
  ASSERT_EQ(doc["share_correct"].size(), 2u);
  EXPECT_DOUBLE_EQ(doc["share_correct"][0][0].get<double>(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(doc["share_correct"][0][1].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(doc["share_correct"][1][0].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(doc["share_correct"][1][1].get<double>(), 1.0);
  ASSERT_EQ(doc["heads_detail"].size(), 4u);
  const auto& d = doc["heads_detail"][2];
  EXPECT_EQ(d["layer"], 2);
  EXPECT_EQ(d["head"], 1);
  EXPECT_EQ(d["sentences"], 6);
  EXPECT_EQ(d["correct"], 0);
  EXPECT_EQ(d["wrong"], 6);
  EXPECT_EQ(d["ties"], 0);
  EXPECT_EQ(d["pairs"], 3);
  EXPECT_EQ(d["pairs_both_correct"], 0);
  EXPECT_DOUBLE_EQ(d["mean_margin"].get<double>(), -0.25);
  EXPECT_DOUBLE_EQ(doc["heads_detail"][0]["mean_margin"].get<double>(), 0.3 / 6);
}

TEST(AnalysisWinogradSummaryJson, UndefinedShareIsNull) {
  const WinogradSummary s = nothing_counted();
  std::ostringstream out;
  write_summary_json(out, s);
  const auto doc = nlohmann::json::parse(out.str());
  EXPECT_TRUE(doc["share_correct"][0][0].is_null());
  EXPECT_TRUE(doc["heads_detail"][0]["mean_margin"].is_null());
}

}  // namespace
}  // namespace attnviz
