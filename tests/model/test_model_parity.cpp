// attnviz's attentions against transformers' own (output_attentions=True, eager) for the committed
// test checkpoints, in every file format: tests/data/reference/*.json, made by
// scripts/make_test_checkpoints.py.
#include <gtest/gtest.h>

#include <string>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "reference.hpp"

namespace attnviz {
namespace {

const std::filesystem::path kData = ATTNVIZ_TEST_DATA;

struct Variant {
  std::string directory;  // under tests/data/models
  std::string reference;  // under tests/data/reference
};

class ParityTest : public ::testing::TestWithParam<Variant> {};

TEST_P(ParityTest, AttentionsEqualTransformers) {
  const auto model = load_model(kData / "models" / GetParam().directory);
  const auto reference =
      test::read_reference(kData / "reference" / (GetParam().reference + ".json"));
  ASSERT_FALSE(reference.cases.empty());
  EXPECT_LE(test::max_difference(*model, reference), 1e-5F);
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, ParityTest,
                         ::testing::Values(Variant{"bert-tiny", "bert-tiny"},
                                           Variant{"bert-tiny-bin", "bert-tiny"},
                                           Variant{"bert-tiny-f16", "bert-tiny-f16"},
                                           Variant{"bert-tiny-bf16", "bert-tiny-bf16"},
                                           Variant{"gpt2-tiny", "gpt2-tiny"},
                                           Variant{"gpt2-tiny-bin", "gpt2-tiny"},
                                           Variant{"gpt2-tiny-f16", "gpt2-tiny-f16"},
                                           Variant{"gpt2-tiny-bf16", "gpt2-tiny-bf16"}),
                         [](const auto& info) {
                           std::string name = info.param.directory;
                           for (auto& c : name)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

Encoding encoding_of(std::vector<std::int64_t> ids) {
  Encoding encoding;
  encoding.ids = std::move(ids);
  encoding.type_ids.assign(encoding.ids.size(), 0);
  return encoding;
}

TEST(Attention, RowsSumToOne) {
  for (const char* name : {"bert-tiny", "gpt2-tiny"}) {
    const auto model = load_model(kData / "models" / name);
    const Attention attention = model->attend({encoding_of({2, 10, 20, 30, 40, 3})}).at(0);
    ASSERT_EQ(attention.n, 6);
    for (int l = 0; l < attention.layers; ++l) {
      for (int h = 0; h < attention.heads; ++h) {
        for (int q = 0; q < attention.n; ++q) {
          double sum = 0;
          for (int k = 0; k < attention.n; ++k) sum += attention.at(l, h, q, k);
          EXPECT_NEAR(sum, 1.0, 1e-5) << name << " layer " << l << " head " << h << " query " << q;
        }
      }
    }
  }
}

TEST(Attention, Gpt2UpperTriangleIsZero) {
  const auto model = load_model(kData / "models" / "gpt2-tiny");
  EXPECT_TRUE(model->info().causal);
  const Attention attention = model->attend({encoding_of({5, 6, 7, 8, 9, 10, 11})}).at(0);
  EXPECT_TRUE(attention.causal);
  for (int l = 0; l < attention.layers; ++l)
    for (int h = 0; h < attention.heads; ++h)
      for (int q = 0; q < attention.n; ++q)
        for (int k = q + 1; k < attention.n; ++k) EXPECT_EQ(attention.at(l, h, q, k), 0.0F);
}

TEST(Attention, BatchedEqualsAlone) {
  const auto model = load_model(kData / "models" / "bert-tiny");
  const Encoding short_input = encoding_of({2, 10, 3});
  const Encoding long_input = encoding_of({2, 11, 12, 13, 14, 15, 3});
  const Attention alone = model->attend({short_input}).at(0);
  const Attention batched = model->attend({long_input, short_input}).at(1);
  ASSERT_EQ(alone.weights.size(), batched.weights.size());
  for (std::size_t i = 0; i < alone.weights.size(); ++i)
    EXPECT_NEAR(alone.weights[i], batched.weights[i], 1e-6);
}

TEST(Attention, QueriesAndKeysOnRequest) {
  const auto model = load_model(kData / "models" / "bert-tiny");
  const Encoding input = encoding_of({2, 10, 20, 3});
  EXPECT_TRUE(model->attend({input}).at(0).queries.empty());
  AttendOptions options;
  options.with_queries_keys = true;
  const Attention attention = model->attend({input}, options).at(0);
  EXPECT_EQ(attention.head_dim, model->info().hidden / model->info().heads);
  const std::size_t expected = static_cast<std::size_t>(attention.layers) * attention.heads *
                               attention.n * attention.head_dim;
  EXPECT_EQ(attention.queries.size(), expected);
  EXPECT_EQ(attention.keys.size(), expected);
}

TEST(Attention, InfoComesFromConfig) {
  const auto bert = load_model(kData / "models" / "bert-tiny");
  EXPECT_EQ(bert->info().architecture, "bert");
  EXPECT_EQ(bert->info().layers, 3);
  EXPECT_EQ(bert->info().heads, 4);
  EXPECT_EQ(bert->info().max_positions, 96);
  EXPECT_FALSE(bert->info().causal);
  const auto gpt2 = load_model(kData / "models" / "gpt2-tiny");
  EXPECT_EQ(gpt2->info().architecture, "gpt2");
  EXPECT_EQ(gpt2->info().max_positions, 128);
}

TEST(Attention, BadEncodingsAreErrors) {
  const auto model = load_model(kData / "models" / "bert-tiny");
  EXPECT_THROW(model->attend({encoding_of({})}), Error);
  EXPECT_THROW(model->attend({encoding_of({2, 99999, 3})}), Error);
  EXPECT_THROW(model->attend({encoding_of(std::vector<std::int64_t>(97, 5))}), Error);
  Encoding bad_type = encoding_of({2, 5, 3});
  bad_type.type_ids = {0, 7, 0};
  EXPECT_THROW(model->attend({bad_type}), Error);
}

TEST(Device, CudaWithoutCudaIsAClearError) {
  RuntimeOptions options;
  options.device = "cuda";
  try {
    load_model(kData / "models" / "bert-tiny", options);
    GTEST_SKIP() << "this libtorch has CUDA; the error path does not apply";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos) << e.what();
  }
  options.device = "tpu";
  EXPECT_THROW(load_model(kData / "models" / "bert-tiny", options), Error);
}

}  // namespace
}  // namespace attnviz
