// Every native family against transformers' own attentions (output_attentions=True, eager) for
// small random checkpoints made by transformers itself: tests/data/models/families/*, references in
// tests/data/reference/families/*.json (scripts/make_family_checkpoints.py). Each checkpoint
// exercises one feature: GQA, biases, rope scaling types, sliding windows, partial rotary, ...
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "reference.hpp"

namespace attnviz {
namespace {

const std::filesystem::path kData = ATTNVIZ_TEST_DATA;

class FamilyParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyParityTest, AttentionsEqualTransformers) {
  const auto model = load_model(kData / "models" / "families" / GetParam());
  const auto reference =
      test::read_reference(kData / "reference" / "families" / (GetParam() + ".json"));
  ASSERT_EQ(reference.cases.size(), 3U);
  EXPECT_LE(test::max_difference(*model, reference), 1e-5F);
}

// As a long input is computed: head by head, in bands of a few query rows (a 1 KB budget for one
// layer's scores), padded batches included.
TEST_P(FamilyParityTest, AttentionsInBandsOfRowsEqualTransformers) {
  const auto model = load_model(kData / "models" / "families" / GetParam());
  const auto reference =
      test::read_reference(kData / "reference" / "families" / (GetParam() + ".json"));
  AttendOptions options;
  options.scores_bytes = 1024;
  EXPECT_LE(test::max_difference(*model, reference, options), 1e-5F);
}

INSTANTIATE_TEST_SUITE_P(
    Checkpoints, FamilyParityTest,
    ::testing::Values("roberta", "xlm-roberta", "electra", "distilbert", "albert", "albert-groups",
                      "gpt-neo", "gpt-neox", "gpt-neox-sequential", "llama-gqa", "llama-long",
                      "llama-mha-bias", "llama-head-dim", "llama-rope-linear", "llama-rope-dynamic",
                      "llama-rope-yarn", "llama3-rope", "llama-rope-longrope", "llama-sharded",
                      "mistral", "qwen2", "qwen2-window", "qwen3", "qwen3-bias", "gemma", "gemma2",
                      "phi3", "phi3-longrope", "gptj", "opt", "opt-post-norm", "bloom",
                      "bloom-post-norm-residual", "falcon-alibi", "falcon-multi-query",
                      "falcon-new-architecture", "gpt-bigcode", "gpt-bigcode-mha", "starcoder2",
                      "phi", "stablelm", "stablelm-parallel", "cohere", "granite"),
    test::CheckpointName());

// DeBERTa-v2/v3's disentangled attention (scripts/make_deberta_checkpoints.py): c2p and p2c alone
// and together, shared and own position projections, log buckets, clamped relative positions.
INSTANTIATE_TEST_SUITE_P(Deberta, FamilyParityTest,
                         ::testing::Values("deberta-v3", "deberta-v3-buckets", "deberta-v2",
                                           "deberta-v2-absolute"),
                         test::CheckpointName());

TEST(Families, InfoDescribesGroupedQueriesAndWindows) {
  const auto llama = load_model(kData / "models" / "families" / "llama-gqa");
  EXPECT_EQ(llama->info().architecture, "llama");
  EXPECT_EQ(llama->info().heads, 4);
  EXPECT_EQ(llama->info().kv_heads, 2);
  EXPECT_TRUE(llama->info().causal);
  EXPECT_TRUE(llama->info().windows.empty());

  const auto gemma2 = load_model(kData / "models" / "families" / "gemma2");
  EXPECT_EQ(gemma2->info().windows, (std::vector<int>{5, 0, 5}));
  Encoding encoding;
  encoding.ids = {5, 6, 7, 8, 9, 10, 11, 12};
  encoding.type_ids.assign(encoding.ids.size(), 0);
  const Attention attention = gemma2->attend({encoding}).at(0);
  EXPECT_EQ(attention.heads_per_kv, 2);
  for (int l = 0; l < attention.layers; ++l) {
    for (int q = 0; q < attention.n; ++q) {
      for (int k = 0; k < attention.n; ++k) {
        const bool masked = k > q || (l % 2 == 0 && q - k >= 5);
        EXPECT_EQ(attention.masked(l, q, k), masked) << l << " " << q << " " << k;
        if (masked) {
          EXPECT_EQ(attention.at(l, 0, q, k), 0.0F);
        }
      }
    }
  }

  const auto roberta = load_model(kData / "models" / "families" / "roberta");
  EXPECT_EQ(roberta->info().max_positions, 64);  // 66 rows, the first two before padding_idx + 1
}

TEST(Families, UnknownModelTypeListsTheTable) {
  const auto dir = std::filesystem::temp_directory_path() / "attnviz-unknown-family";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type": "mamba"})";
  try {
    load_model(dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("model_type 'mamba'"), std::string::npos) << message;
    for (const auto& name : native_model_types())
      EXPECT_NE(message.find(name), std::string::npos) << name << ": " << message;
  }
  std::filesystem::remove_all(dir);
}

// Qwen3 with use_sliding_window is refused by name rather than run with one release's reading.
TEST(Families, Qwen3WithASlidingWindowIsRefused) {
  const auto dir = std::filesystem::temp_directory_path() / "attnviz-qwen3-window";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(kData / "models" / "families" / "qwen3", dir);
  nlohmann::json config = nlohmann::json::parse(std::ifstream(dir / "config.json"));
  config["use_sliding_window"] = true;
  config["sliding_window"] = 4;
  std::ofstream(dir / "config.json") << config.dump();
  try {
    load_model(dir);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("use_sliding_window is true, which attnviz does not run "
                                         "for Qwen3"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace attnviz
