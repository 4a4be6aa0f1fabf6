// `attnviz render`, `html --from` and `heads --from` on an encoder-decoder's file (encoder, decoder
// and cross attention: transformers' BART numbers, scripts/make_encdec_attention_files.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../web/page_reader.hpp"
#include "attnviz/attention_set_file.hpp"
#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kFiles = fs::path(ATTNVIZ_TEST_DATA) / "render_files" / "encdec";
const std::string kBart = (kFiles / "bart.npz").string();

class EncDecViews : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    file_ = read_attention_set_file(kBart);
  }
  void TearDown() override { fs::remove_all(dir_); }
  test::CliResult run(const std::vector<std::string>& args) { return test::run_cli(args, dir_); }
  std::string run_ok(const std::vector<std::string>& args) {
    const auto result = run(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }
  std::string error_of(const std::vector<std::string>& args) {
    const auto result = run(args);
    EXPECT_EQ(result.exit_code, 1) << result.out;
    EXPECT_EQ(test::count_lines(result.err), 1) << result.err;
    return result.err;
  }
  fs::path dir_;
  AttentionSetFile file_;
};

// --print --top 1 of each attention: every row's most attended key is the file's argmax, with the
// right tokens on each side (cross: target rows, source columns; decoder: no later key).
TEST_F(EncDecViews, PrintNamesEachAttentionsTokens) {
  for (const std::string part : {"encoder", "decoder", "cross"}) {
    const Attention& a = attention_part(file_.attentions, part);
    const std::string out = run_ok({"render", kBart, "--attention", part, "--layer", "2", "--head",
                                    "3", "--print", "--top", "1"});
    std::istringstream lines(out);
    std::string line;
    std::getline(lines, line);  // the title
    EXPECT_NE(line.find("Layer 2, Head 3"), std::string::npos) << line;
    for (int q = 0; q < a.n; ++q) {
      ASSERT_TRUE(std::getline(lines, line)) << part;
      const float* row = a.head(1, 2) + static_cast<std::size_t>(q) * a.columns();
      const int last = a.causal ? q + 1 : a.columns();
      const int k = static_cast<int>(std::max_element(row, row + last) - row);
      char weight[16];
      std::snprintf(weight, sizeof weight, "%.3f", row[k]);
      EXPECT_EQ(line.rfind(a.tokens[q], 0), 0u) << part << ": " << line;
      EXPECT_NE(line.find("->  " + a.column_tokens()[k] + " " + weight), std::string::npos)
          << part << " row " << q << ": " << line;
    }
  }
  // Cross is the default.
  EXPECT_EQ(
      run_ok({"render", kBart, "--layer", "1", "--head", "1", "--print"}),
      run_ok({"render", kBart, "--attention", "cross", "--layer", "1", "--head", "1", "--print"}));
}

TEST_F(EncDecViews, HeatmapsLabelBothStacksAndHatchTheDecodersFuture) {
  run_ok({"render", kBart, "--layer", "3", "--head", "mean", "-o", "cross.svg"});
  const std::string cross = test::read_all(dir_ / "cross.svg");
  EXPECT_NE(cross.find("Cross attention (target → source)"), std::string::npos);
  EXPECT_NE(cross.find("Source key (attended to)"), std::string::npos);
  EXPECT_NE(cross.find("Target query (attending from)"), std::string::npos);
  EXPECT_EQ(cross.find("masked"), std::string::npos);  // nothing is masked in cross attention
  for (const auto& token : file_.source.display)       // "<unk>" is escaped in SVG: left out
    if (token.find('<') == std::string::npos)
      EXPECT_NE(cross.find(">" + token + "<"), std::string::npos) << token;
  run_ok({"render", kBart, "--attention", "decoder", "--layer", "3", "--head", "2", "-o",
          "decoder.svg"});
  const std::string decoder = test::read_all(dir_ / "decoder.svg");
  EXPECT_NE(decoder.find("masked: a causal model does not attend to later tokens"),
            std::string::npos);
  EXPECT_NE(decoder.find("Decoder self-attention"), std::string::npos);
  // Grids: a layer's heads, and every layer's mean.
  run_ok({"render", kBart, "--layer", "2", "--head", "all", "-o", "heads.png"});
  run_ok({"render", kBart, "--attention", "encoder", "--head", "mean", "-o", "means.png"});
  EXPECT_TRUE(fs::exists(dir_ / "heads.png") && fs::exists(dir_ / "means.png"));
  // The default file name says which attention it is.
  EXPECT_NE(run_ok({"render", kBart, "--layer", "1", "--head", "2"})
                .find("attnviz-bart-tiny-cross-L1-H2.png"),
            std::string::npos);
}

TEST_F(EncDecViews, ModelViewHasThreeSections) {
  const std::string out = run_ok({"render", kBart, "--attention", "all", "-o", "model.svg"});
  const std::string svg = test::read_all(dir_ / "model.svg");
  for (const char* title :
       {"Encoder self-attention", "Decoder self-attention", "Cross attention (target → source)"})
    EXPECT_NE(svg.find(title), std::string::npos) << title;
  EXPECT_NE(error_of({"render", kBart, "--attention", "all", "--layer", "2"})
                .find("--attention all draws every layer and head"),
            std::string::npos);
}

TEST_F(EncDecViews, RolloutWhereItIsDefined) {
  run_ok({"render", kBart, "--attention", "encoder", "--rollout", "-o", "encoder.png"});
  run_ok({"render", kBart, "--attention", "decoder", "--rollout", "-o", "decoder.png"});
  EXPECT_NE(
      error_of({"render", kBart, "--rollout"}).find("cross attention has no rollout by itself"),
      std::string::npos);
  EXPECT_NE(error_of({"html", "--from", kBart, "--rollout"})
                .find("cross attention has no rollout by itself"),
            std::string::npos);
}

TEST_F(EncDecViews, WordsMergeEachSidesPieces) {
  run_ok({"render", kBart, "--words", "--layer", "1", "--head", "1", "--focus", "tres", "-o",
          "words.png"});
  EXPECT_TRUE(fs::exists(dir_ / "words.png"));
  EXPECT_NE(error_of({"render", kBart, "--layer", "1", "--head", "1", "--focus", "zebra"})
                .find("\"zebra\""),
            std::string::npos);
}

TEST_F(EncDecViews, AttentionOptionFitsTheFile) {
  const std::string single = (kFiles.parent_path() / "transformers.npy").string();
  EXPECT_NE(error_of({"render", single, "--attention", "cross"}).find("holds one self-attention"),
            std::string::npos);
  EXPECT_NE(error_of({"render", (kFiles / "missing_decoder.npz").string()})
                .find("has no array 'decoder'"),
            std::string::npos);
  EXPECT_NE(error_of({"render", kBart, "--compare", kBart}).find("--compare"), std::string::npos);
}

TEST_F(EncDecViews, HtmlFromOffersTheThreeAttentions) {
  run_ok({"html", "--from", kBart, "-o", "page.html"});
  run_ok({"html", "--from", kBart, "--attention", "encoder", "-o", "encoder.html"});
  const std::string page = test::read_all(dir_ / "page.html");
  const auto meta = testing::meta_of(page);
  EXPECT_EQ(meta["input_label"], "Attention");
  ASSERT_EQ(meta["inputs"].size(), 3u);
  EXPECT_EQ(meta["initial"]["input"], 2);  // cross
  EXPECT_EQ(testing::meta_of(test::read_all(dir_ / "encoder.html"))["initial"]["input"], 0);
  const auto& cross = meta["inputs"][2];
  EXPECT_EQ(cross["n"], 9);
  EXPECT_EQ(cross["key_count"], 12);
  EXPECT_EQ(cross["key_tokens"], nlohmann::json(file_.source.display));
  EXPECT_EQ(meta["inputs"][1]["causal"], true);
  // The encoder's stored weights are the file's, within the 8-bit codes' bound.
  const Attention& encoder = attention_part(file_.attentions, "encoder");
  const testing::PageLayer layer = testing::page_layer(page, 0, 1);
  ASSERT_EQ(layer.weights.size(), static_cast<std::size_t>(encoder.heads) * 12 * 12);
  for (int h = 0; h < encoder.heads; ++h)
    for (int q = 0; q < 12; ++q)
      for (int k = 0; k < 12; ++k)
        EXPECT_NEAR(layer.weights[(h * 12 + q) * 12 + k], encoder.at(1, h, q, k),
                    layer.scales[h * 12 + q] / 510 + 1e-6);
}

TEST_F(EncDecViews, HeadsFromMeasuresEachStack) {
  const std::string out = run_ok({"heads", "--from", kBart, "-o", "heads"});
  EXPECT_NE(out.find("encoder: 2 layers x 4 heads"), std::string::npos) << out;
  EXPECT_NE(out.find("decoder: 3 layers x 4 heads"), std::string::npos) << out;
  EXPECT_NE(out.find("cross diagonal: top:"), std::string::npos) << out;
  EXPECT_EQ(test::count_lines(test::read_all(dir_ / "heads" / "encoder" / "heads.csv")), 1 + 8);
  EXPECT_EQ(test::count_lines(test::read_all(dir_ / "heads" / "decoder" / "heads.csv")), 1 + 12);
  EXPECT_TRUE(fs::exists(dir_ / "heads" / "decoder" / "heads.png"));
  // cross/alignment.json holds NumPy's numbers (alignment_measures.json: the same formulas).
  const auto reference = nlohmann::json::parse(std::ifstream(kFiles / "alignment_measures.json"));
  const auto measured =
      nlohmann::json::parse(std::ifstream(dir_ / "heads" / "cross" / "alignment.json"));
  EXPECT_EQ(measured["reference_alignment"], reference["reference_alignment"]);
  ASSERT_EQ(measured["head_measures"].size(), reference["heads"].size());
  for (std::size_t i = 0; i < reference["heads"].size(); ++i) {
    const auto &m = measured["head_measures"][i], &r = reference["heads"][i];
    EXPECT_EQ(m["layer"].get<int>(), r["layer"].get<int>() + 1);
    EXPECT_EQ(m["head"].get<int>(), r["head"].get<int>() + 1);
    for (const char* name : {"diagonal", "argmax_agreement", "entropy", "confidence"})
      EXPECT_NEAR(m[name].get<double>(), r[name].get<double>(), 1e-5) << name << " " << i;
  }
  EXPECT_EQ(test::count_lines(test::read_all(dir_ / "heads" / "cross" / "alignment.csv")), 1 + 12);
  EXPECT_NE(error_of({"heads", "--from", (kFiles.parent_path() / "transformers.npy").string()})
                .find("--from reads an encoder-decoder's attentions"),
            std::string::npos);
}

}  // namespace
}  // namespace attnviz
