// What the model stage keeps of an input (AttentionKeep), on the committed checkpoints: the heads
// kept equal the same heads of a full run exactly, windows and pooled blocks equal the full
// matrix's cells and blocks, scores computed in bands of rows change nothing, and a run that would
// not fit in memory is refused before it starts while one head of a long input stays small.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <string>

#include "attnviz/attention_keep.hpp"
#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "reference.hpp"

namespace attnviz {
namespace {

const std::filesystem::path kFamilies =
    std::filesystem::path(ATTNVIZ_TEST_DATA) / "models" / "families";

Encoding random_encoding(int n, int vocab = 64) {
  std::mt19937 random(7);
  Encoding encoding;
  for (int i = 0; i < n; ++i) {
    encoding.ids.push_back(3 + static_cast<int>(random() % static_cast<unsigned>(vocab - 3)));
    encoding.display.push_back("t" + std::to_string(i));
  }
  encoding.type_ids.assign(encoding.ids.size(), 0);
  return encoding;
}

Attention run(const Model& model, const Encoding& encoding, const AttentionKeep& keep = {},
              std::size_t scores_bytes = AttendOptions{}.scores_bytes) {
  AttendOptions options;
  options.keep = keep;
  options.scores_bytes = scores_bytes;
  return model.attend({encoding}, options).at(0);
}

float largest_difference(const Attention& a, const Attention& b) {
  float largest = 0;
  for (std::size_t i = 0; i < a.weights.size(); ++i)
    largest = std::max(largest, std::fabs(a.weights[i] - b.weights[i]));
  return largest;
}

std::vector<float> head_of(const Attention& a, int layer, int head) {
  const float* m = a.head(layer, head);
  return {m, m + static_cast<std::size_t>(a.n) * a.n};
}

// A deliberately plain reference: the largest or the mean of the full matrix's cells in each
// block of rows and columns [first, last).
float pooled_cell(const Attention& full, int layer, int head, const AttentionKeep& keep, int i,
                  int j) {
  const int last = keep.last == 0 ? full.n : keep.last;
  double largest = 0, sum = 0;
  int count = 0;
  for (int q = keep.first + i * keep.block; q < std::min(last, keep.first + (i + 1) * keep.block);
       ++q) {
    for (int k = keep.first + j * keep.block; k < std::min(last, keep.first + (j + 1) * keep.block);
         ++k) {
      largest = std::max(largest, static_cast<double>(full.at(layer, head, q, k)));
      sum += full.at(layer, head, q, k);
      ++count;
    }
  }
  return static_cast<float>(keep.pooling == Pooling::max ? largest : sum / count);
}

class KeepTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KeepTest, KeptHeadsEqualTheFullRunExactly) {
  const auto model = load_model(kFamilies / GetParam());
  const Encoding encoding = random_encoding(40);
  AttentionKeep keep;
  keep.layers = {1};
  keep.heads = {1, 3};
  // Whole layers at once, and bands of a few rows (a 1 KB budget), as long inputs are computed.
  for (const std::size_t scores_bytes : {AttendOptions{}.scores_bytes, std::size_t{1024}}) {
    SCOPED_TRACE(scores_bytes);
    const Attention full = run(*model, encoding, {}, scores_bytes);
    const Attention kept = run(*model, encoding, keep, scores_bytes);
    ASSERT_EQ(kept.layers, 1);
    ASSERT_EQ(kept.heads, 2);
    ASSERT_EQ(kept.n, 40);
    EXPECT_EQ(kept.layer_ids, keep.layers);
    EXPECT_EQ(kept.head_ids, keep.heads);
    EXPECT_EQ(kept.model_head(1), 3);
    EXPECT_FALSE(kept.reduced());
    EXPECT_EQ(kept.tokens, full.tokens);
    EXPECT_EQ(head_of(kept, 0, 0), head_of(full, 1, 1));
    EXPECT_EQ(head_of(kept, 0, 1), head_of(full, 1, 3));
    if (!full.windows.empty()) {
      EXPECT_EQ(kept.windows, std::vector<int>{full.window(1)});
    }
  }
}

TEST_P(KeepTest, BandsOfRowsGiveTheWholeLayersWeights) {
  const auto model = load_model(kFamilies / GetParam());
  const Encoding encoding = random_encoding(40);
  const Attention whole = run(*model, encoding);
  const Attention bands = run(*model, encoding, {}, 1024);
  ASSERT_EQ(bands.weights.size(), whole.weights.size());
  EXPECT_LE(largest_difference(bands, whole),
            2e-6F);  // float rounding of a differently blocked product
}

TEST_P(KeepTest, WindowsAndBlocksEqualTheFullMatrix) {
  const auto model = load_model(kFamilies / GetParam());
  const Encoding encoding = random_encoding(40);
  const Attention full = run(*model, encoding);
  const int layer = full.layers - 1;

  AttentionKeep window;
  window.layers = {layer};
  window.first = 5;
  window.last = 25;
  const Attention part = run(*model, encoding, window);
  ASSERT_EQ(part.n, 20);
  EXPECT_EQ(part.first, 5);
  EXPECT_EQ(part.input_length(), 40);
  EXPECT_EQ(part.tokens.front(), "t5");
  for (int h = 0; h < full.heads; ++h)
    for (int q = 0; q < 20; ++q)
      for (int k = 0; k < 20; ++k) {
        EXPECT_EQ(part.at(0, h, q, k), full.at(layer, h, q + 5, k + 5));
        EXPECT_EQ(part.masked(0, q, k), full.masked(layer, q + 5, k + 5));
      }

  for (const Pooling pooling : {Pooling::max, Pooling::mean}) {
    AttentionKeep blocks;
    blocks.layers = {layer};
    blocks.heads = {2};
    blocks.first = 3;
    blocks.last = 38;  // 35 positions: 4 blocks of 8 and one of 3
    blocks.block = 8;
    blocks.pooling = pooling;
    const Attention pooled = run(*model, encoding, blocks);
    ASSERT_EQ(pooled.n, 5);
    EXPECT_EQ(pooled.block, 8);
    EXPECT_EQ(pooled.tokens, (std::vector<std::string>{"t3", "t11", "t19", "t27", "t35"}));
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 5; ++j)
        EXPECT_NEAR(pooled.at(0, 0, i, j), pooled_cell(full, layer, 2, blocks, i, j), 1e-7)
            << i << " " << j;
    // The reduction of a full run kept in memory (attnviz render) is the model stage's own.
    EXPECT_EQ(keep_attention(full, blocks).weights, pooled.weights);
  }
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, KeepTest,
                         ::testing::Values("llama-gqa", "roberta", "gpt-neox", "gemma2", "mistral"),
                         test::CheckpointName());

TEST(Keep, BadKeepsAreErrors) {
  const auto model = load_model(kFamilies / "llama-gqa");
  const Encoding encoding = random_encoding(10);
  AttentionKeep keep;
  keep.layers = {2};  // the model has 2
  EXPECT_THROW(run(*model, encoding, keep), Error);
  keep.layers = {1, 0};
  EXPECT_THROW(run(*model, encoding, keep), Error);
  keep = {};
  keep.first = 4;
  keep.last = 11;
  EXPECT_THROW(run(*model, encoding, keep), Error);
  keep.last = 4;
  EXPECT_THROW(run(*model, encoding, keep), Error);
}

// Peak resident memory of this process so far (each ctest test runs in a process of its own).
std::size_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    std::size_t kib = 0;
    if (key == "VmHWM:" && status >> kib) return kib * 1024;
    status.ignore(256, '\n');
  }
  return 0;
}

// 4,096 tokens through 4 layers of 8 heads: keeping everything is 2.1 GB of attentions; one head
// of the third layer is 67 MB, and the run stays within a 600 MB budget.
TEST(Keep, OneHeadOfALongInputStaysWithinItsMemoryBudget) {
  const auto model = load_model(kFamilies / "llama-long");
  const Encoding encoding = random_encoding(4096);
  AttendOptions everything;
  everything.memory_limit = std::size_t{1} << 30;
  EXPECT_EQ(model->memory_need({encoding}, everything).kept, std::size_t{4 * 8} * 4096 * 4096 * 4);
  try {
    model->attend({encoding}, everything);
    ADD_FAILURE() << "keeping 2.1 GB of attentions under a 1 GB limit ran";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("4096 tokens needs about 2."), std::string::npos) << message;
    EXPECT_NE(message.find("is allowed"), std::string::npos) << message;
    EXPECT_NE(message.find("keep fewer layers or heads"), std::string::npos) << message;
  }

  AttendOptions one_head = everything;
  one_head.keep.layers = {2};
  one_head.keep.heads = {5};
  EXPECT_LT(model->memory_need({encoding}, one_head).total(), std::size_t{600} << 20);
  const Attention kept = model->attend({encoding}, one_head).at(0);
  ASSERT_EQ(kept.n, 4096);
  // Every row is a distribution over the keys it may see.
  for (int q = 0; q < kept.n; q += 511) {
    double total = 0;
    for (int k = 0; k < kept.n; ++k) total += kept.at(0, 0, q, k);
    EXPECT_NEAR(total, 1.0, 1e-4) << q;
    EXPECT_EQ(kept.at(0, 0, q, std::min(q + 1, kept.n - 1)),
              q + 1 < kept.n ? 0.0F : kept.at(0, 0, q, q));
  }
  const std::size_t peak = peak_rss_bytes();
  EXPECT_LT(peak, std::size_t{600} << 20) << "peak RSS " << peak / (1 << 20) << " MiB";
  RecordProperty("peak_rss_mib", static_cast<int>(peak >> 20));
}

// Weights held in bfloat16 are widened for each product, as float32 loading widens them once: on a
// bf16 checkpoint both give the same attentions exactly.
TEST(Dtype, Bf16WeightsOfABf16CheckpointGiveTheFloat32Result) {
  const std::filesystem::path models = std::filesystem::path(ATTNVIZ_TEST_DATA) / "models";
  for (const char* name : {"bert-tiny-bf16", "gpt2-tiny-bf16"}) {
    RuntimeOptions bf16;
    bf16.dtype = "bf16";
    const auto kept = load_model(models / name, bf16);
    const auto widened = load_model(models / name);
    const Encoding encoding = random_encoding(20, 90);
    const Attention a = kept->attend({encoding}).at(0), b = widened->attend({encoding}).at(0);
    ASSERT_EQ(a.weights.size(), b.weights.size());
    EXPECT_EQ(a.weights, b.weights) << name;
  }
}

TEST(Dtype, HalfPrecisionWeightsOfAFloat32CheckpointStayClose) {
  for (const char* dtype : {"bf16", "f16"}) {
    RuntimeOptions half;
    half.dtype = dtype;
    const auto rounded = load_model(kFamilies / "llama-gqa", half);
    const auto exact = load_model(kFamilies / "llama-gqa");
    const Encoding encoding = random_encoding(30);
    const float difference =
        largest_difference(rounded->attend({encoding}).at(0), exact->attend({encoding}).at(0));
    EXPECT_GT(difference, 0.0F) << dtype << ": the weights were not rounded";
    EXPECT_LT(difference, 0.05F) << dtype;
  }
  RuntimeOptions bad;
  bad.dtype = "int8";
  EXPECT_THROW(load_model(kFamilies / "llama-gqa", bad), Error);
}

}  // namespace
}  // namespace attnviz
