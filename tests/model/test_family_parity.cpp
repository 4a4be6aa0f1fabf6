// Every native family against transformers' own attentions (output_attentions=True, eager) for
// small random checkpoints made by transformers itself: tests/data/models/families/*, references in
// tests/data/reference/families/*.json (scripts/make_family_checkpoints.py). Each checkpoint
// exercises one feature: GQA, biases, rope scaling types, sliding windows, partial rotary, ...
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
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
                      "phi", "stablelm", "stablelm-parallel", "cohere", "granite", "mixtral",
                      "qwen2-moe", "qwen2-moe-step", "olmo", "olmo2", "gemma3-text", "gemma3",
                      "modernbert", "modernbert-bias"),
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

// A copy of checkpoint `name` in a temporary folder with its config.json changed by `edit`.
std::filesystem::path edited_copy(const std::string& name,
                                  const std::function<void(nlohmann::json&)>& edit) {
  static int copies = 0;  // a folder of its own for each copy
  const auto dir = std::filesystem::temp_directory_path() /
                   ("attnviz-edited-" + name + "-" + std::to_string(++copies));
  std::filesystem::remove_all(dir);
  std::filesystem::copy(kData / "models" / "families" / name, dir);
  nlohmann::json config = nlohmann::json::parse(std::ifstream(dir / "config.json"));
  edit(config);
  std::ofstream(dir / "config.json") << config.dump();
  return dir;
}

// Loading `dir` fails with a message that holds `expected`.
void expect_load_error(const std::filesystem::path& dir, const std::string& expected) {
  try {
    load_model(dir);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

// Qwen3 with use_sliding_window is refused by name rather than run with one release's reading.
TEST(Families, Qwen3WithASlidingWindowIsRefused) {
  const auto dir = edited_copy("qwen3", [](nlohmann::json& config) {
    config["use_sliding_window"] = true;
    config["sliding_window"] = 4;
  });
  expect_load_error(dir, "use_sliding_window is true, which attnviz does not run for Qwen3");
  std::filesystem::remove_all(dir);
}

// Gemma 3's local layers: all but every sliding_window_pattern-th, or as layer_types lists them
// (transformers 4.53 on); the two spellings of one layout give the same attentions.
TEST(Families, Gemma3LayersFromPatternOrLayerTypes) {
  EXPECT_EQ(load_model(kData / "models" / "families" / "gemma3-text")->info().windows,
            (std::vector<int>{5, 5, 0, 5}));
  EXPECT_EQ(load_model(kData / "models" / "families" / "gemma3")->info().windows,
            (std::vector<int>{5, 0, 5, 0}));
  const auto dir = edited_copy("gemma3-text", [](nlohmann::json& config) {
    config.erase("sliding_window_pattern");
    config["layer_types"] = {"sliding_attention", "sliding_attention", "full_attention",
                             "sliding_attention"};
  });
  const auto model = load_model(dir);
  EXPECT_EQ(model->info().windows, (std::vector<int>{5, 5, 0, 5}));
  EXPECT_LE(test::max_difference(*model, test::read_reference(kData / "reference" / "families" /
                                                              "gemma3-text.json")),
            1e-5F);
  const auto bad = edited_copy("gemma3-text", [](nlohmann::json& config) {
    config["layer_types"] = {"sliding_attention", "chunked_attention", "full_attention",
                             "sliding_attention"};
  });
  expect_load_error(bad, "'layer_types' holds \"chunked_attention\"");
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(bad);
}

// ModernBERT's local layers see local_attention / 2 = 3 keys on either side of each query, and
// the Attention value says so (keys 4 or more away masked, their weights 0).
TEST(Families, ModernBertWindowsReachBothSides) {
  const auto model = load_model(kData / "models" / "families" / "modernbert");
  EXPECT_FALSE(model->info().causal);
  EXPECT_EQ(model->info().windows, (std::vector<int>{0, 4, 4, 0}));
  Encoding encoding;
  encoding.ids = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  encoding.type_ids.assign(encoding.ids.size(), 0);
  const Attention attention = model->attend({encoding}).at(0);
  for (int l = 0; l < attention.layers; ++l) {
    for (int q = 0; q < attention.n; ++q) {
      for (int k = 0; k < attention.n; ++k) {
        const bool masked = (l == 1 || l == 2) && std::abs(q - k) >= 4;
        EXPECT_EQ(attention.masked(l, q, k), masked) << l << " " << q << " " << k;
        EXPECT_EQ(attention.at(l, 1, q, k) == 0.0F, masked) << l << " " << q << " " << k;
      }
    }
  }
}

// An expert count that cannot be is refused, naming both fields.
TEST(Families, ExpertCountsAreChecked) {
  const auto dir = edited_copy("mixtral", [](nlohmann::json& config) {
    config["num_experts_per_tok"] = 6;  // of 5
  });
  expect_load_error(dir, "num_experts_per_tok 6 is more than num_local_experts 5");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace attnviz
