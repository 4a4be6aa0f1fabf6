// Encoder-decoders through the real binary: both sides tokenized as transformers does (its ids for
// the same tokenizer files, scripts/make_encdec_tokenizers.py), the target given as text or ids, or
// generated greedily as transformers generates it, and one of the three attentions drawn.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kData = ATTNVIZ_TEST_DATA;

nlohmann::json reference(const std::string& name) {
  std::ifstream stream(kData / "reference" / "encdec" / ("cli_" + name + ".json"));
  return nlohmann::json::parse(stream);
}

std::string model(const std::string& name) {
  return (kData / "models" / "encdec" / name).string();
}

std::string joined(const std::vector<std::int64_t>& ids) {
  std::string text;
  for (const auto id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

class CliEncDec : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { dir_ = test::fresh_dir("encdec_" + GetParam()); }
  void TearDown() override { fs::remove_all(dir_); }
  test::CliResult run(const std::vector<std::string>& args) { return test::run_cli(args, dir_); }
  fs::path dir_;
  nlohmann::json ref_ = reference(GetParam());
};

TEST_P(CliEncDec, TokenizeShowsBothSidesAsTransformers) {
  const auto result =
      run({"tokenize", "--model", model(GetParam()), ref_["source"].get<std::string>(), "--target",
           ref_["target"].get<std::string>(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto both = nlohmann::json::parse(result.out);
  EXPECT_EQ(both["source"]["ids"], ref_["source_ids"]);
  EXPECT_EQ(both["target"]["ids"], ref_["labels"]);
}

// Without a target the model generates one (greedy, --max-new-tokens 32 by default) and prints it.
TEST_P(CliEncDec, GeneratesAsTransformersAndPrintsIt) {
  const auto result = run({"--model", model(GetParam()), ref_["source"].get<std::string>(),
                           "--attention", "encoder", "--layer", "1", "--head", "1", "--print"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto tokens = ref_["generated_tokens"].get<std::vector<std::string>>();
  std::string expected = "generated " + std::to_string(tokens.size() - 1) + " tokens:";
  for (std::size_t i = 1; i < tokens.size(); ++i) expected += " " + tokens[i];
  EXPECT_EQ(result.out.substr(0, result.out.find('\n')), expected);
}

// Text and ids are the same run: the decoder's self-attention printed for both.
TEST_P(CliEncDec, IdsAreTheSameRunAsText) {
  const std::vector<std::string> view{"--attention", "decoder", "--layer", "2",
                                      "--head",      "3",       "--print"};
  std::vector<std::string> text{"--model", model(GetParam()), ref_["source"].get<std::string>(),
                                "--target", ref_["target"].get<std::string>()};
  std::vector<std::string> ids{
      "--model",      model(GetParam()),
      "--ids",        joined(ref_["source_ids"].get<std::vector<std::int64_t>>()),
      "--target-ids", joined(ref_["labels"].get<std::vector<std::int64_t>>())};
  text.insert(text.end(), view.begin(), view.end());
  ids.insert(ids.end(), view.begin(), view.end());
  const auto from_text = run(text);
  const auto from_ids = run(ids);
  ASSERT_EQ(from_text.exit_code, 0) << from_text.err;
  ASSERT_EQ(from_ids.exit_code, 0) << from_ids.err;
  EXPECT_FALSE(from_text.out.empty());
  EXPECT_EQ(from_text.out, from_ids.out);
}

TEST_P(CliEncDec, DrawsTheEncoderHeatmap) {
  const auto result = run({"--model", model(GetParam()), ref_["source"].get<std::string>(),
                           "--target", ref_["target"].get<std::string>(), "--attention", "encoder",
                           "--layer", "1", "--head", "2", "-o", "encoder.png"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(test::read_all(dir_ / "encoder.png").rfind("\x89PNG\r\n\x1a\n", 0), 0U);
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, CliEncDec, ::testing::Values("t5", "bart"));

TEST(CliEncDecErrors, SaysWhatToDo) {
  const fs::path dir = test::fresh_dir("encdec_errors");
  const auto both = test::run_cli(
      {"--model", model("t5"), "a cat", "--target", "a dog", "--target-ids", "5,6"}, dir);
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("either with --target or with --target-ids"), std::string::npos)
      << both.err;
  const auto not_seq2seq = test::run_cli(
      {"--model", (kData / "models" / "bert-tiny").string(), "a cat", "--target", "a dog"}, dir);
  EXPECT_EQ(not_seq2seq.exit_code, 1);
  EXPECT_NE(not_seq2seq.err.find("for encoder-decoder models"), std::string::npos)
      << not_seq2seq.err;
  const auto compare =
      test::run_cli({"--model", model("bart"), "a cat", "--compare", "a dog"}, dir);
  EXPECT_EQ(compare.exit_code, 1);
  EXPECT_NE(compare.err.find("--compare is not available"), std::string::npos) << compare.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace attnviz
